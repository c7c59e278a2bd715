import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { expandInputs, readCorpus, globToRegExp, type CorpusRecord } from '../src/corpus/index.js';
import { realCorpus, tempDir, readJsonl } from './helpers.js';

async function readAll(inputs: string[], options: { format?: string; textField?: string } = {}): Promise<{ records: CorpusRecord[]; failures: string[] }> {
  const sources = await expandInputs(inputs, { format: options.format });
  const records: CorpusRecord[] = [];
  const failures: string[] = [];
  for await (const r of readCorpus(sources, { textField: options.textField ?? 'text', idField: 'id' }, (f) => failures.push(f.error.message))) records.push(r);
  return { records, failures };
}

test('JSONL, gzip and zstd give the same records, ids and texts', async () => {
  const dir = tempDir();
  const clean = await realCorpus();
  const bytes = readFileSync(clean);
  writeFileSync(join(dir, 'c.jsonl.gz'), gzipSync(bytes));
  execFileSync('zstd', ['-q', '-f', clean, '-o', join(dir, 'c.jsonl.zst')]);
  const plain = await readAll([clean]);
  const gz = await readAll([join(dir, 'c.jsonl.gz')]);
  const zst = await readAll([join(dir, 'c.jsonl.zst')]);
  assert.equal(plain.records.length, readJsonl(clean).length);
  for (const other of [gz, zst]) {
    assert.deepEqual(other.failures, []);
    assert.equal(other.records.length, plain.records.length);
    other.records.forEach((r, i) => {
      assert.equal(r.id, plain.records[i]!.id);
      assert.equal(r.text, plain.records[i]!.text);
      assert.ok(r.raw!.equals(plain.records[i]!.raw!));
    });
  }
});

test('CSV, TSV, Parquet and text directories read the same documents', async () => {
  const dir = tempDir();
  const rows = readJsonl(await realCorpus()).slice(0, 300);
  const csvField = (s: string) => `"${s.replace(/"/g, '""')}"`;
  writeFileSync(join(dir, 'c.csv'), 'id,text\n' + rows.map((r) => `${r.id},${csvField(r.text as string)}`).join('\r\n') + '\r\n');
  writeFileSync(join(dir, 'c.tsv'), 'id\ttext\n' + rows.map((r) => `${r.id}\t${csvField(r.text as string)}`).join('\n'));
  writeFileSync(join(dir, 'c.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(`COPY (SELECT * FROM read_json_auto('${join(dir, 'c.jsonl')}')) TO '${join(dir, 'c.parquet')}' (FORMAT parquet)`);
  conn.closeSync();
  db.closeSync();
  mkdirSync(join(dir, 'texts'));
  rows.slice(0, 20).forEach((r, i) => writeFileSync(join(dir, 'texts', `doc${String(i).padStart(3, '0')}.txt`), r.text as string));

  for (const file of ['c.csv', 'c.tsv', 'c.parquet']) {
    const { records, failures } = await readAll([join(dir, file)]);
    assert.deepEqual(failures, [], file);
    assert.equal(records.length, rows.length, file);
    records.forEach((r, i) => {
      assert.equal(r.error, undefined, `${file} record ${i}: ${r.error?.message}`);
      assert.equal(r.id, rows[i]!.id);
      assert.equal(r.text, rows[i]!.text);
    });
  }
  const texts = await readAll([join(dir, 'texts')]);
  assert.equal(texts.records.length, 20);
  assert.equal(texts.records[3]!.text, rows[3]!.text);
  assert.match(texts.records[3]!.id, /texts\/doc003\.txt$/);
  const globbed = await readAll([join(dir, 'texts', 'doc00*.txt'), join(dir, 'c.jsonl')]);
  assert.equal(globbed.records.length, 10 + rows.length);
  assert.deepEqual(globbed.records.map((r) => r.index), [...Array(10 + rows.length).keys()]);
});

test('chat and instruction shapes split prompt from response', async () => {
  const dir = tempDir();
  const lines = [
    { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Name a prime.' }, { role: 'assistant', content: 'Seven.' }] },
    { instruction: 'Translate', input: 'Haus', output: 'house' },
    { prompt: 'Capital of France?', completion: 'Paris' },
    { prompt: 'Two plus two?', response: 'Four' },
    { id: 42, text: 'plain' },
  ];
  writeFileSync(join(dir, 's.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n'));
  const { records } = await readAll([join(dir, 's.jsonl')]);
  assert.deepEqual(records.map((r) => r.shape), ['chat', 'instruction', 'instruction', 'instruction', 'text']);
  assert.equal(records[0]!.prompt, 'Be brief.\nName a prime.');
  assert.equal(records[0]!.response, 'Seven.');
  assert.equal(records[1]!.prompt, 'Translate\nHaus');
  assert.equal(records[2]!.response, 'Paris');
  assert.equal(records[4]!.id, '42');
  assert.equal(records[3]!.id, `${join(dir, 's.jsonl')}:4`);
});

test('bad records are kept in place with an error naming file and line', async () => {
  const dir = tempDir();
  const path = join(dir, 'bad.jsonl');
  writeFileSync(path, Buffer.concat([
    Buffer.from('{"text": "fine one"}\n'),
    Buffer.from('{"text": "unterminated\n'),
    Buffer.from('[1, 2]\n'),
    Buffer.from('\n'),
    Buffer.from('{"text": "bad \xff byte"}\n', 'latin1'),
    Buffer.from('{"body": "no text field"}\n'),
    Buffer.from('{"text": "fine two"}'),
  ]));
  const { records } = await readAll([path]);
  assert.equal(records.length, 6, 'blank lines are not records; every other line is');
  assert.deepEqual(records.map((r) => r.error?.code), [undefined, 'RECORD_MALFORMED', 'RECORD_MALFORMED', 'RECORD_ENCODING', 'RECORD_MISSING_FIELD', undefined]);
  assert.match(records[1]!.error!.message, /bad\.jsonl:2: malformed JSON/);
  assert.match(records[2]!.error!.message, /:3: expected a JSON object, found an array/);
  assert.match(records[3]!.error!.message, /:5: invalid UTF-8 at byte \d+ \(column 15\)/);
  assert.match(records[4]!.error!.message, /:6: no text field 'text'.*fields present: body.*--text-field/);
  assert.equal(records[5]!.text, 'fine two');
});

test('truncated gzip and zstd stop that input with an error; earlier records are read', async () => {
  const dir = tempDir();
  const clean = await realCorpus();
  const full = readFileSync(clean);
  const gz = gzipSync(full);
  writeFileSync(join(dir, 't.jsonl.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
  execFileSync('zstd', ['-q', '-f', clean, '-o', join(dir, 'full.zst')]);
  const zst = readFileSync(join(dir, 'full.zst'));
  writeFileSync(join(dir, 't.jsonl.zst'), zst.subarray(0, Math.floor(zst.length / 2)));
  for (const name of ['t.jsonl.gz', 't.jsonl.zst']) {
    const { records, failures } = await readAll([join(dir, name), clean]);
    assert.equal(failures.length, 1, name);
    assert.match(failures[0]!, new RegExp(`${name}@\\d+: (gzip|zstd) stream is corrupt or truncated`));
    const fromTruncated = records.filter((r) => r.place.file.endsWith(name));
    assert.ok(fromTruncated.length > 100 && fromTruncated.length < readJsonl(clean).length, `${name}: ${fromTruncated.length} records before the cut`);
    // the next input is still read in full
    assert.equal(records.length - fromTruncated.length, readJsonl(clean).length);
  }
});

test('empty, binary, corrupt Parquet and CSV with a missing quote give clear errors', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'empty.jsonl'), '');
  const empty = await readAll([join(dir, 'empty.jsonl')]);
  assert.equal(empty.records.length, 0);
  assert.deepEqual(empty.failures, []);

  writeFileSync(join(dir, 'blob.txt'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]));
  const bin = await readAll([join(dir, 'blob.txt')]);
  assert.equal(bin.records[0]!.error!.code, 'RECORD_BINARY');

  writeFileSync(join(dir, 'broken.parquet'), Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(100, 7), Buffer.from('PAR1')]));
  const pq = await readAll([join(dir, 'broken.parquet')]);
  assert.equal(pq.records.length, 0);
  assert.match(pq.failures[0]!, /broken\.parquet: not a readable Parquet file/);

  writeFileSync(join(dir, 'q.csv'), 'id,text\n1,"ok"\n2,"never closed\n');
  const csv = await readAll([join(dir, 'q.csv')]);
  assert.equal(csv.records.length, 1);
  assert.match(csv.failures[0]!, /q\.csv:3: unterminated quoted field/);

  await assert.rejects(expandInputs([join(dir, 'missing.jsonl')]), /missing\.jsonl: no such file or directory/);
  await assert.rejects(expandInputs([join(dir, 'nothing-*.jsonl')]), /the pattern matches no file/);
});

test('a 100 MB single line is read as one record', async () => {
  const dir = tempDir();
  const path = join(dir, 'huge.jsonl');
  const words = readJsonl(await realCorpus()).map((r) => r.text as string).join(' ');
  let body = '';
  while (body.length < 100_000_000) body += words;
  writeFileSync(path, JSON.stringify({ id: 'huge', text: body }) + '\n{"id": "after", "text": "x"}\n');
  const { records } = await readAll([path]);
  assert.equal(records.length, 2);
  assert.equal(records[0]!.id, 'huge');
  assert.ok(records[0]!.text!.length >= 100_000_000);
  assert.equal(records[1]!.id, 'after');
});

test('globs match like a shell', () => {
  assert.ok(globToRegExp('**/*.jsonl').test('a/b/c.jsonl'));
  assert.ok(globToRegExp('**/*.jsonl').test('c.jsonl'));
  assert.ok(!globToRegExp('*.jsonl').test('a/c.jsonl'));
  assert.ok(globToRegExp('part-{0,1}.csv').test('part-1.csv'));
  assert.ok(globToRegExp('x?.txt').test('x1.txt'));
});
