/** Planning a scan: pieces start at line starts (or a Parquet row group's first row) whatever the cut, and number records as one reader of the whole file does. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandInputs, readCorpus } from '../src/corpus/index.js';
import { groupPieces, planPieces, rangesOf } from '../src/scan/plan.js';
import { batchOfRange, countPiece, loadRows, unloadRows, type ByteRange } from '../src/scan/ranges.js';
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
    const pieces = await planPieces(sources, size, () => assert.fail('readable'));
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
  const pieces = await planPieces(sources, 4096, () => undefined);
  const groups = groupPieces(pieces, 7);
  assert.equal(groups.length, 7);
  const sizes = groups.map((g) => g.reduce((n, i) => n + pieces[i]!.end - pieces[i]!.start, 0));
  const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  assert.ok(sizes.every((s) => Math.abs(s - mean) <= 8192), `shard sizes ${sizes.join(', ')}`);
});

test('a Parquet file is cut between row groups; its pieces read the rows, numbered and written, as its reader on one machine does', async () => {
  const dir = tempDir();
  const json = join(dir, 'rows.jsonl');
  writeFileSync(json, Array.from({ length: 5000 }, (_, i) => JSON.stringify({ id: `r${i}`, text: `row ${i} ${'w'.repeat(i % 53)}`, n: i })).join('\n') + '\n');
  const file = join(dir, 'rows.parquet');
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const duck = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
  // row groups of 2,048 rows (DuckDB's smallest), so 5,000 rows make three
  await duck.run(`COPY (SELECT * FROM read_json('${json}')) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
  duck.closeSync();
  const sources = await expandInputs([file], {});
  const expected: Array<[number, number | undefined, string]> = [];
  for await (const r of readCorpus(sources, { textField: 'text', idField: 'id' }, () => assert.fail('no input failure'))) expected.push([r.index, r.place.line, JSON.stringify(r.fields)]);
  assert.equal(expected.length, 5000);
  for (const size of [1, 1 << 30]) {
    const pieces = await planPieces(sources, size, () => assert.fail('readable'));
    assert.equal(pieces.length, size === 1 ? 3 : 1, 'a piece per row group when pieces are small, one when large');
    const counts = [];
    for (const piece of pieces) {
      await loadRows(piece);
      counts.push(countPiece(piece));
    }
    const seen: Array<[number, number | undefined, string]> = [];
    for (const range of rangesOf(pieces, counts) as ByteRange[]) {
      await loadRows(range);
      const { bytes, starts, ends, records } = batchOfRange(range).raw!;
      seen.push(...records.map((r, i) => [r.index, r.place.line, bytes.subarray(starts![i]!, ends[i]!).toString()] as [number, number | undefined, string]));
      assert.ok(records.every((r) => r.place.offset === undefined), 'a row has no byte offset');
    }
    unloadRows();
    assert.deepEqual(seen, expected, `pieces of ${size} bytes`);
  }
  const broken = join(dir, 'broken.parquet');
  writeFileSync(broken, Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(100, 7), Buffer.from('PAR1')]));
  const failures: string[] = [];
  assert.deepEqual(await planPieces(await expandInputs([broken], {}), 1 << 20, (_, e) => failures.push(e.message)), []);
  assert.match(failures.join(), /broken\.parquet: not a readable Parquet file/);
});
