/**
 * Injected records get fresh ids shaped like the corpus's own, whatever the
 * shape: sequential counters of any width, zero-padded counters, UUIDs,
 * hashes, paths, JSON numbers, and corpora where some records have no id.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshIdMaker, inject, Random, type RecordId } from '../src/redteam/index.js';
import { cli, readJsonl, realCorpus, tempDir } from './helpers.js';

const sequential = (n: number, make: (i: number) => RecordId) => Array.from({ length: n }, (_, i) => make(i));
const sha = (i: number) => createHash('sha256').update(String(i)).digest('hex');

const SHAPES: Array<{ name: string; ids: RecordId[]; shape: RegExp }> = [
  { name: 'sequential, no padding (c0 ... c77200)', ids: sequential(77_201, (i) => `c${i}`), shape: /^c\d+$/ },
  { name: 'zero-padded counter', ids: sequential(5000, (i) => `doc-${String(i).padStart(6, '0')}`), shape: /^doc-\d{6}$/ },
  { name: 'full zero-padded counter (every id of its width taken)', ids: sequential(1000, (i) => `r${String(i).padStart(3, '0')}`), shape: /^r\d{3,}$/ },
  { name: 'UUID', ids: sequential(2000, () => randomUUID()), shape: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/ },
  { name: 'SHA-256', ids: sequential(2000, sha), shape: /^[0-9a-f]{64}$/ },
  { name: 'upper-case hash', ids: sequential(500, (i) => sha(i).slice(0, 20).toUpperCase()), shape: /^[0-9A-F]{20}$/ },
  { name: 'letter and counter that look like hex (d0003382)', ids: sequential(3000, (i) => `d${String(i * 7).padStart(7, '0')}`), shape: /^d\d{7}$/ },
  { name: 'path with a number', ids: sequential(3000, (i) => `crawl/2024-05/page-${i}.html`), shape: /^crawl\/2024-05\/page-\d+\.html$/ },
  { name: 'path without digits', ids: ['docs/guide/intro.md', 'docs/guide/setup.md', 'docs/api/client.md', 'README.md'], shape: /^(docs\/(guide|api|[a-z]+)\/[a-z]+\.md|[A-Z]+\.md)$/ },
  { name: 'JSON numbers', ids: sequential(10_000, (i) => i + 1), shape: /^\d+$/ },
];

for (const { name, ids, shape } of SHAPES) {
  test(`fresh ids: ${name}`, () => {
    const fresh = freshIdMaker(ids, new Random(7));
    const made = Array.from({ length: 300 }, fresh);
    const taken = new Set(ids.map(String));
    assert.equal(new Set(made.map(String)).size, made.length, 'no two fresh ids alike');
    for (const id of made) {
      assert.ok(!taken.has(String(id)), `${id} collides with the corpus`);
      assert.equal(typeof id, typeof ids[0], 'same JSON type');
      assert.match(String(id), shape);
    }
  });
}

test('fresh ids repeat for a seed', () => {
  const ids = sequential(100, (i) => `c${i}`);
  const a = freshIdMaker(ids, new Random(3));
  const b = freshIdMaker(ids, new Random(3));
  assert.deepEqual(Array.from({ length: 50 }, a), Array.from({ length: 50 }, b));
});

/** The real test corpus with its ids replaced: `make(i)`, or none where it gives undefined. */
async function corpusWithIds(dir: string, make: (i: number) => RecordId | undefined): Promise<string> {
  const records = readJsonl(await realCorpus()).map((r, i) => {
    const { id: _id, ...rest } = r;
    const id = make(i);
    return id === undefined ? rest : { id, ...rest };
  });
  const file = join(dir, 'in.jsonl');
  writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

test('redteam inject works on a corpus of sequential ids c0, c1, ...', async () => {
  const dir = tempDir();
  const input = await corpusWithIds(dir, (i) => `c${i}`);
  const run = cli(['redteam', 'inject', '--family', 'dos', '--count', '40', '--into', input, '--out', join(dir, 'out.jsonl'), '--labels', join(dir, 'labels.jsonl')]);
  assert.equal(run.code, 0, run.stderr);
  const out = readJsonl(join(dir, 'out.jsonl'));
  const labels = readJsonl(join(dir, 'labels.jsonl'));
  const ids = out.map((r) => r.id as string);
  assert.equal(new Set(ids).size, ids.length, 'ids stay unique');
  assert.ok(ids.every((id) => /^c\d+$/.test(id)));
  assert.deepEqual(labels.map((l) => l.id), labels.map((l) => out[(l.line as number) - 1]!.id));
});

test('redteam inject on a corpus where some records have no id: poison gets ids like the others, labels name every poison record', async () => {
  const dir = tempDir();
  const input = await corpusWithIds(dir, (i) => (i % 3 === 0 ? undefined : randomUUID()));
  const result = await inject({ family: 'lang-switch', count: 30, into: [input], out: join(dir, 'out.jsonl'), seed: 2 });
  const out = readFileSync(join(dir, 'out.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const present = out.flatMap((r) => (r.id === undefined ? [] : [r.id as string]));
  assert.equal(new Set(present).size, present.length);
  assert.equal(result.labels.length, 30);
  for (const label of result.labels) {
    const record = out[label.line - 1]!;
    assert.equal(record.id, label.id);
    assert.match(label.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  }
});
