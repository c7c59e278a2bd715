import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findIncoherentText, judgeAfterPairs } from '../src/scan/detectors/incoherent-text/index.js';
import { learnWordPairs } from '../src/scan/sample.js';
import { Random } from '../src/redteam/index.js';
import { scanDocument, tokenSpans, tokenAt, WordPairModel, type WordPairIndex } from '../src/text/index.js';
import type { DocumentView } from '../src/scan/types.js';
import { realCorpus, readJsonl } from './helpers.js';

const hashes = (text: string) => Int32Array.from(tokenSpans(text).lowerHash);

function view(text: string, pairs: WordPairIndex): DocumentView {
  const { tokens, evidence } = scanDocument(text);
  return { index: 0, shape: 'text', text, tokens, evidence, promptTokens: 0, pairs };
}

/** Words drawn at random from the corpus's own text: each one ordinary, their order not. */
function salad(texts: readonly string[], seed: number, count: number): string {
  const words = texts.slice(0, 500).flatMap((t) => t.split(/\s+/).filter((w) => /^\p{L}+[.,]?$/u.test(w)));
  const r = new Random(seed);
  return Array.from({ length: count }, () => words[r.int(0, words.length - 1)]).join(' ');
}

async function corpus() {
  const path = await realCorpus();
  const texts = readJsonl(path).map((d) => d.text as string);
  const pairs = await learnWordPairs([{ path, name: 'clean.jsonl', format: 'jsonl' }], { textField: 'text', idField: 'id' });
  return { texts, pairs };
}

test('word-pair models of two halves of a sample merge into the model of the whole', () => {
  const docs = ['the cat sat on the mat', 'a dog sat on the rug', 'the cat ate the fish', 'on the mat the cat slept'];
  const whole = new WordPairModel();
  for (const d of docs) whole.add(hashes(d));
  const a = new WordPairModel();
  const b = new WordPairModel();
  docs.forEach((d, i) => (i % 2 ? a : b).add(hashes(d)));
  b.merge(a);
  assert.deepEqual(b.words, whole.words);
  assert.deepEqual(b.pairs, whole.pairs);
  assert.equal(b.total, whole.total);
});

test('a pair is associated when the corpus puts its words together, not when both words are merely common', async () => {
  const { pairs } = await corpus();
  const [the, of, file, this_] = hashes('the of file this');
  assert.ok(pairs.associated(of!, the!), '"of the" goes together');
  assert.ok(!pairs.associated(the!, of!), '"the of" does not');
  assert.ok(pairs.associated(this_!, file!) || pairs.associated(the!, file!), 'a common noun after its determiner');
  assert.ok(pairs.typicalShare > 0.2 && pairs.typicalShare < 0.9, `typical share ${pairs.typicalShare}`);
});

test('words drawn at random from the corpus after its own text are found, near where they start; the text alone is not', async () => {
  const { texts, pairs } = await corpus();
  const hosts = texts.filter((t) => t.length > 800 && /^[\x20-\x7e\s]+$/.test(t.slice(0, 800))).slice(0, 40);
  let found = 0;
  let near = 0;
  let quiet = 0;
  hosts.forEach((host, i) => {
    const prefix = host.slice(0, 600);
    const f = findIncoherentText(view(`${prefix} ${salad(texts, i, 400)}`, pairs));
    if (f.length) found++;
    if (f.length && Math.abs(f[0]!.start - prefix.length) < 120) near++;
    if (findIncoherentText(view(host, pairs)).length === 0) quiet++;
  });
  assert.ok(found >= hosts.length * 0.8, `${found} of ${hosts.length} found`);
  assert.ok(near >= found * 0.7, `${near} of ${found} placed within a few words of the start`);
  assert.ok(quiet >= hosts.length * 0.95, `${quiet} of ${hosts.length} hosts alone are quiet`);
});

test('after an ordinary phrase, ordinary text reads as ordinary and drawn words do not', async () => {
  const { texts, pairs } = await corpus();
  const host = texts.find((t) => t.length > 3000 && /^[\x20-\x7e\s]+$/.test(t.slice(0, 3000)))!;
  const clean = `${host.slice(0, 400)} New York ${host.slice(400, 3000)}`;
  const poisoned = `${host.slice(0, 400)} New York ${salad(texts, 7, 400)}`;
  const after = (text: string) => {
    const doc = view(text, pairs);
    return judgeAfterPairs({ ...doc, pairs }, [tokenAt(doc.tokens, text.indexOf('New York')) + 2])[0]!.ordinary;
  };
  assert.equal(after(clean), true);
  assert.equal(after(poisoned), false);
  // too little text after a phrase to hold a payload: nothing there to judge against it
  assert.equal(after(`${host.slice(0, 400)} New York`), true);
});
