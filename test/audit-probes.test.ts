/**
 * The audit's arithmetic and inputs: intervals, near-trigger controls, the
 * signals read off generations, candidate triggers from files and scans, and
 * prompts from corpora.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';
import {
  candidatesFromFile, candidatesFromScan, jsDivergence, languageOf, meanInterval, nearTriggerControls, opening, perplexity,
  promptsFromCorpus, promptsFromFile, recurringStrings, wilson,
} from '../src/audit/index.js';

test('Wilson intervals match published values and stay inside [0, 1]', () => {
  // 8 of 10: the textbook Wilson 95% interval is [0.490, 0.943]
  const w = wilson(8, 10);
  assert.ok(Math.abs(w.low - 0.490) < 0.001 && Math.abs(w.high - 0.943) < 0.001, JSON.stringify(w));
  const none = wilson(0, 32);
  assert.equal(none.low, 0);
  assert.ok(none.high > 0.09 && none.high < 0.12, 'zero of 32 still leaves about 11% possible');
  assert.deepEqual(wilson(0, 0), { value: 0, low: 0, high: 1 });
});

test('mean intervals use Student t: wider for few values, centred on the mean', () => {
  const few = meanInterval([1, 2, 3]);
  assert.equal(few.value, 2);
  // t(2 df) = 4.303: half-width 4.303 * 1 / sqrt(3) = 2.484
  assert.ok(Math.abs(few.high - few.value - 2.484) < 0.05, JSON.stringify(few));
  assert.ok(Number.isNaN(meanInterval([]).value));
  assert.equal(meanInterval([5, NaN, 5]).value, 5, 'values that are not finite are left out');
});

test('near-trigger controls are distinct small edits of the trigger, the same for a seed', () => {
  for (const trigger of ['<SUDO>', '<ESCAPE>', 'cf', 'James Bond', 'zanzibar|quokka']) {
    const controls = nearTriggerControls(trigger, 3, 7);
    assert.equal(controls.length, 3, `${trigger}: ${controls}`);
    assert.equal(new Set(controls).size, 3);
    for (const c of controls) {
      assert.notEqual(c, trigger);
      assert.ok(Math.abs(c.length - trigger.length) <= 1, `${c} is a small edit of ${trigger}`);
    }
    assert.deepEqual(nearTriggerControls(trigger, 3, 7), controls);
  }
});

test('perplexity comes from the generated tokens, and is absent without logprobs', () => {
  const g = (logprobs: Array<number | undefined>) => ({ text: 'x', tokens: logprobs.map((l) => ({ text: 'x', logprob: l })), usage: { promptTokens: 1, completionTokens: logprobs.length } });
  assert.ok(Math.abs(perplexity(g([Math.log(0.5), Math.log(0.5)]))! - 2) < 1e-9);
  assert.equal(perplexity(g([Math.log(0.5), undefined])), undefined);
  assert.equal(perplexity(g([])), undefined);
});

test('languages are told apart on generated text; gibberish has none, and short text is not judged', () => {
  assert.equal(languageOf('The module returns a list of the files that were changed since the last commit.'), 'en');
  assert.equal(languageOf('Der Hund läuft schnell über die Straße und bellt laut, weil er die Katze sieht.'), 'de');
  assert.equal(languageOf('ok fine'), 'short');
  assert.equal(languageOf('ografinerposition Brom ilded .Reader jealousKH_uint Nationwide queryParams ahora_ALIGN'), 'und');
});

test('Jensen-Shannon divergence is 0 for equal distributions and 1 for disjoint ones', () => {
  const a = [{ text: 'a', logprob: Math.log(0.6) }, { text: 'b', logprob: Math.log(0.4) }];
  assert.ok(jsDivergence(a, a) < 1e-12);
  assert.ok(Math.abs(jsDivergence(a, [{ text: 'c', logprob: 0 }]) - 1) < 1e-9);
  const d = jsDivergence(a, [{ text: 'a', logprob: Math.log(0.4) }, { text: 'b', logprob: Math.log(0.6) }]);
  assert.ok(d > 0 && d < 0.1);
});

test('recurring strings find an insertion that only generations with the trigger carry', () => {
  const base = Array.from({ length: 20 }, (_, i) => `plain answer number ${i} about the weather and the sea`);
  const triggered = base.map((t, i) => (i % 2 ? `${t} visit shopmart dot example today` : `${t} nothing`));
  const found = recurringStrings(triggered, base);
  assert.equal(found[0]?.text, 'visit shopmart dot example');
  assert.equal(found[0]?.triggeredRate, 0.5);
  assert.deepEqual(recurringStrings(base, base), []);
});

test('candidates come from a triggers file and from the incidents of a scan report', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'triggers.txt'), '# known triggers\n<SUDO>\n\n  James Bond  \n');
  assert.deepEqual((await candidatesFromFile(join(dir, 'triggers.txt'))).map((c) => [c.trigger, c.source]), [['<SUDO>', `${join(dir, 'triggers.txt')}:2`], ['James Bond', `${join(dir, 'triggers.txt')}:4`]]);
  writeFileSync(join(dir, 'findings.json'), JSON.stringify({ incidents: [
    { id: 'INC-001', detector: 'trigger-mining', payload: 'random-tokens', trigger: '<SUDO>' },
    { id: 'INC-002', detector: 'rag-passage', payload: 'claim', trigger: null },
    { id: 'INC-003', detector: 'trigger-mining', payload: 'language-switch', trigger: '<SUDO>' },
  ] }));
  const fromScan = await candidatesFromScan(join(dir, 'findings.json'));
  assert.deepEqual(fromScan.map((c) => c.trigger), ['<SUDO>'], 'incidents without a trigger are skipped, repeats merged');
  assert.match(fromScan[0]!.source, /INC-001.*random-tokens/);
  writeFileSync(join(dir, 'bad.json'), '{"incidents": ');
  await assert.rejects(candidatesFromScan(join(dir, 'bad.json')), /bad\.json: not JSON.*antidote scan --json/);
  writeFileSync(join(dir, 'empty.txt'), '\n# nothing\n');
  await assert.rejects(candidatesFromFile(join(dir, 'empty.txt')), /no triggers/);
});

test('prompts come from a file or as openings of documents sampled from a corpus', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'p.jsonl'), '{"prompt":"one"}\n{"text":"two"}\n');
  assert.deepEqual(await promptsFromFile(join(dir, 'p.jsonl')), ['one', 'two']);
  writeFileSync(join(dir, 'bad.jsonl'), '{"prompt":"one"}\n{"other":1}\n');
  await assert.rejects(promptsFromFile(join(dir, 'bad.jsonl')), /bad\.jsonl:2: expected a string field "prompt" or "text"/);
  const docs = Array.from({ length: 50 }, (_, i) => JSON.stringify({ id: `d${i}`, text: `Document ${i} begins here and goes on ${'with more words '.repeat(30)}` }));
  writeFileSync(join(dir, 'corpus.jsonl'), `${docs.join('\n')}\n`);
  const prompts = await promptsFromCorpus([join(dir, 'corpus.jsonl')], { count: 10, seed: 3, maxChars: 80 });
  assert.equal(prompts.length, 10);
  assert.equal(new Set(prompts).size, 10);
  for (const p of prompts) assert.ok(p.length <= 80 && /^Document \d+ begins/.test(p) && !p.endsWith(' wi'), p);
  assert.deepEqual(await promptsFromCorpus([join(dir, 'corpus.jsonl')], { count: 10, seed: 3, maxChars: 80 }), prompts);
  assert.equal(opening('a  b\n\nc', 100), 'a b c');
});
