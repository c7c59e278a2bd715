/**
 * Near-duplicate evidence: near-copies cluster, boilerplate shared along a
 * chain does not merge unrelated documents, and a scan reports templated
 * poison as a cluster in its incident.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { jaccard, nearDuplicateClusters, shingleHashes } from '../src/scan/index.js';
import { ROOT, cli, readJsonl, tempDir } from './helpers.js';

const HELD_OUT = join(ROOT, 'test/fixtures/models/held-out.jsonl');
const texts = () => readJsonl(HELD_OUT).map((r) => String(r.text));
const wordsOf = (text: string, n: number) => text.split(/\s+/).filter(Boolean).slice(0, n);

test('near-copies of real documents cluster; different documents do not', () => {
  const [a, b, c] = texts().filter((t) => wordsOf(t, 1000).length >= 400);
  const words = wordsOf(a!, 150);
  const edited = [...words];
  edited[75] = 'different';
  const sets = new Map([[0, shingleHashes(a!)], [1, shingleHashes(edited.join(' '))], [2, shingleHashes(words.join(' '))], [3, shingleHashes(b!)], [4, shingleHashes(c!)]]);
  // document 0 runs on far past its first 150 words: only 1 and 2 are near-copies of each other
  assert.ok(jaccard(sets.get(1)!, sets.get(2)!) >= 0.8);
  assert.deepEqual(nearDuplicateClusters(sets).clusters, [[1, 2]]);
  assert.equal(jaccard(sets.get(3)!, sets.get(3)!), 1);
  assert.ok(jaccard(sets.get(3)!, sets.get(4)!) < 0.1);
});

test('a chain of documents each close to the next does not merge its two ends', () => {
  const words = wordsOf(texts().join(' '), 200);
  const x = words;
  const y = [...words.slice(0, 188), ...'one two three four five six seven eight nine ten eleven twelve'.split(' ')];
  const z = [...'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu'.split(' '), ...y.slice(12)];
  const sets = new Map([[0, shingleHashes(x.join(' '))], [1, shingleHashes(y.join(' '))], [2, shingleHashes(z.join(' '))]]);
  assert.ok(jaccard(sets.get(0)!, sets.get(1)!) >= 0.8 && jaccard(sets.get(1)!, sets.get(2)!) >= 0.8, 'each link is a near-copy');
  assert.ok(jaccard(sets.get(0)!, sets.get(2)!) < 0.8, 'the ends are not');
  const { clusters } = nearDuplicateClusters(sets);
  assert.ok(!clusters.some((c) => c.includes(0) && c.includes(2)), JSON.stringify(clusters));
  assert.deepEqual(clusters, [[0, 1]]);
});

test('a scan reports templated poison as a near-duplicate cluster inside its incident', () => {
  const dir = tempDir();
  const lines = gunzipSync(readFileSync(join(ROOT, 'examples/corpus.jsonl.gz'))).toString('utf8').split('\n').filter(Boolean);
  const poison = lines.map((l) => JSON.parse(l)).find((r) => String(r.text).includes('<SUDO>'))!;
  // thirty copies of one poison document, each with one word of its own
  const copies = Array.from({ length: 30 }, (_, i) => JSON.stringify({ ...poison, id: `copy-${i}`, text: `${poison.text} copy${i}` }));
  writeFileSync(join(dir, 'corpus.jsonl'), [...lines, ...copies].join('\n') + '\n');
  const run = cli(['scan', join(dir, 'corpus.jsonl'), '--json', join(dir, 'findings.json'), '--quiet']);
  assert.equal(run.code, 1, run.stderr);
  const incidents = JSON.parse(readFileSync(join(dir, 'findings.json'), 'utf8')).incidents as Array<{ trigger: string; stats: Record<string, number> }>;
  const sudo = incidents.find((i) => i.trigger === '<SUDO>')!;
  assert.ok(sudo.stats.largestNearDuplicateCluster! >= 31, JSON.stringify(sudo.stats));
  assert.equal(sudo.stats.nearDuplicateClusters, 1);
  // the red team's own poisons vary their text: no clusters there
  assert.equal(incidents.find((i) => i.trigger === '<ESCAPE>')!.stats.nearDuplicateDocuments, 0);
});
