/** Planning a scan: pieces start at line starts whatever the cut, and number records as one reader of the whole file does. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandInputs, readCorpus } from '../src/corpus/index.js';
import { groupPieces, planPieces, rangesOf } from '../src/scan/plan.js';
import { batchOfRange, countPiece } from '../src/scan/ranges.js';
import { tempDir } from './helpers.js';

const LINES = [
  '{"id":"a","text":"one"}',
  '',
  '{"id":"b","text":"' + 'x'.repeat(300) + '"}',
  '   \t',
  '{"id":"c","text":"crlf"}\r',
  'not json',
  '{"id":"d","text":"last, without a newline"}',
];

test('pieces of any size start at line starts and number records and lines as the JSONL reader does', async () => {
  const dir = tempDir();
  const file = join(dir, 'c.jsonl');
  writeFileSync(file, LINES.join('\n'));
  const sources = await expandInputs([file], {});
  const expected: Array<[number, number | undefined, string]> = [];
  for await (const r of readCorpus(sources, { textField: 'text', idField: 'id', rawOnly: true }, () => assert.fail('no input failure'))) expected.push([r.index, r.place.line, r.raw!.toString()]);
  for (const size of [1, 7, 40, 100, 1 << 20]) {
    const pieces = planPieces(sources, size, () => assert.fail('readable'));
    const ranges = rangesOf(pieces, pieces.map(countPiece));
    const seen = ranges.flatMap((range) => {
      const batch = batchOfRange(range);
      const { bytes, starts, ends, records } = batch.raw!;
      return records.map((r, i) => [r.index, r.place.line, bytes.subarray(starts![i]!, ends[i]!).toString()] as [number, number | undefined, string]);
    });
    assert.deepEqual(seen, expected, `pieces of ${size} bytes`);
    for (const shards of [1, 2, 3, 7]) {
      const groups = groupPieces(pieces, shards);
      assert.deepEqual(groups.flat(), pieces.map((_, i) => i), 'every piece in one shard, in order');
      assert.ok(groups.length <= shards && groups.every((g) => g.length > 0));
    }
  }
});

test('shards are even in bytes when the pieces allow it', async () => {
  const dir = tempDir();
  const file = join(dir, 'even.jsonl');
  writeFileSync(file, Array.from({ length: 10_000 }, (_, i) => JSON.stringify({ id: i, text: 'w'.repeat(i % 97) })).join('\n') + '\n');
  const sources = await expandInputs([file], {});
  const pieces = planPieces(sources, 4096, () => undefined);
  const groups = groupPieces(pieces, 7);
  assert.equal(groups.length, 7);
  const sizes = groups.map((g) => g.reduce((n, i) => n + pieces[i]!.end - pieces[i]!.start, 0));
  const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  assert.ok(sizes.every((s) => Math.abs(s - mean) <= 8192), `shard sizes ${sizes.join(', ')}`);
});
