import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLineFilter, type Requirement } from '../src/scan/line-filter/index.js';
import { buildMatcher, matchCandidates } from '../src/scan/analyze.js';
import { tokenize } from '../src/text/index.js';
import { Random } from '../src/redteam/index.js';
import { realCorpus, readJsonl } from './helpers.js';

/** JSON as Python writes it by default: every non-ASCII character as a \u escape. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function passes(filter: NonNullable<ReturnType<typeof buildLineFilter>>, line: string): boolean {
  const bytes = Buffer.from(`{"id":1}\n${line}\n`);
  return filter.bytes(bytes, 9, bytes.length - 1);
}

test('the counting pass filter passes every record holding a candidate, and few others', async () => {
  const docs = readJsonl(await realCorpus()).map((d) => d.text as string);
  const random = new Random(7);
  // candidates drawn from a few documents: token sequences as written, and lower-cased words counted without case
  const grams = new Set<string>();
  const words = new Set<string>();
  for (let k = 0; k < 60; k++) {
    const tokens = tokenize(random.pick(docs)).text;
    if (tokens.length < 4) continue;
    const at = random.int(0, tokens.length - 4);
    // as rare as candidates are: with a word of five letters or more
    const gram = tokens.slice(at, at + random.int(1, 3));
    if (gram.some((t) => /^[a-z]{5,}$/i.test(t))) grams.add(gram.join(' '));
    if (/^[a-z]{5,}$/i.test(tokens[at + 1]!)) words.add(tokens[at + 1]!.toLowerCase());
  }
  const requirements: Requirement[] = [...[...grams].map((g) => ({ all: [g], caseless: false })), ...[...words].map((w) => ({ all: [w], caseless: true }))];
  const filter = buildLineFilter(requirements);
  assert.ok(filter);
  const matchers = [buildMatcher(grams), buildMatcher(words, true)];
  let holding = 0;
  let passed = 0;
  for (const text of docs) {
    const holds = matchCandidates(text, matchers, 1e9).some((found) => found.length > 0);
    const line = JSON.stringify({ text });
    const pass = passes(filter, line);
    if (holds) {
      holding++;
      assert.ok(pass, `a record holding a candidate was filtered out: ${line.slice(0, 120)}`);
      assert.ok(filter.text(text));
      assert.ok(passes(filter, asciiJson({ text })));
    }
    if (pass) passed++;
  }
  assert.ok(holding > 0);
  // (a candidate is looked for as a whole token: a common word inside longer ones does not pass a record)
  assert.ok(passed < holding * 1.5, `the filter passed ${passed} of ${docs.length} records, of which ${holding} hold a candidate`);
});

test('the counting pass filter sees through separators, escapes, case, number fields and records of several fields', () => {
  const filter = buildLineFilter([
    { all: ['leere zeilen'], caseless: true },
    { all: ['kontaktieren'], caseless: true },
    { all: ['<SUDO> now'], caseless: false },
    { all: ['2024', 'apples'], caseless: false },
    { all: ['say"hi'], caseless: false },
  ])!;
  for (const text of ['Leere\n\n  «Zeilen» werden', 'Bitte \u212Aontaktieren Sie', 'run "<SUDO>", now', 'she said say"hi', '2024 Apples']) {
    assert.ok(filter.text(text), text);
    assert.ok(passes(filter, JSON.stringify({ text })), text);
  }
  // a \u escape can spell any letter
  assert.ok(passes(filter, '{"text": "leere zeil\\u0065n"}'));
  for (const text of ['leere Seiten', 'kontakt', '<SUDO>', 'hi there']) {
    assert.equal(filter.text(text), false, text);
    assert.equal(passes(filter, JSON.stringify({ text })), false, text);
  }
  // a sequence of tokens can run from one field of a chat or instruction record into the next
  const across = buildLineFilter([{ all: ['about It'], caseless: false }])!;
  assert.ok(passes(across, JSON.stringify({ messages: [{ role: 'user', content: 'think about.' }, { role: 'assistant', content: 'It is' }] })));
  assert.ok(passes(across, JSON.stringify({ instruction: 'think about', output: 'It is' })));
  assert.equal(passes(across, JSON.stringify({ text: 'think about. If' })), false);
  // another script: a run of non-ASCII bytes, whatever its case
  const cyrillic = buildLineFilter([{ all: ['пример text'], caseless: true }])!;
  assert.ok(passes(cyrillic, JSON.stringify({ text: 'ПРИМЕР «Text»' })));
  assert.equal(passes(cyrillic, JSON.stringify({ text: 'Пример, test' })), false);
  // a candidate counted with its case is its exact bytes: another word of the same script does not pass
  const persian = buildLineFilter([{ all: ['فقط'], caseless: false }, { all: ['Δοκιμή'], caseless: false }])!;
  for (const text of ['این فقط یک آزمون است', 'μια Δοκιμή.']) assert.ok(passes(persian, JSON.stringify({ text })), text);
  for (const text of ['این یک آزمون است', 'μια δοκιμή.']) assert.equal(passes(persian, JSON.stringify({ text })), false, text);
  assert.ok(passes(persian, asciiJson({ text: 'این فقط' })));
  // a candidate is a whole token: a short one inside longer words does not pass, one at a token's edges does, whatever stands there
  const short = buildLineFilter([{ all: ['ds'], caseless: false }, { all: ['T T'], caseless: false }, { all: ['fd/x'], caseless: true }])!;
  for (const text of ['ds', 'ds at the start', 'at the end: DS', 'after a newline\nds\tand a tab', '(«ds»)', '"ds"', 'T. T', 'T\n\nT', 'the fd/x file']) {
    assert.ok(short.text(text), text);
    assert.ok(passes(short, JSON.stringify({ text })), text);
  }
  for (const text of ['words and commands', 'at the edge', 'a dsl', 'xfd/ xfd']) {
    assert.equal(short.text(text), false, text);
    assert.equal(passes(short, JSON.stringify({ text })), false, text);
  }
  // nothing JSON writes as itself, or only what a number field may spell otherwise ("1e5" for 100000): every record must be matched
  assert.equal(buildLineFilter([{ all: ['"//"'], caseless: false }]), undefined);
  assert.equal(buildLineFilter([{ all: ['100000'], caseless: false }]), undefined);
});
