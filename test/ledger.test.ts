/**
 * The provenance ledger on both stores, SQLite files and a real PostgreSQL
 * server: the same behaviour, the same tampering, the same verdicts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { CLI, cli, realCorpus, startPostgres, tempDir } from './helpers.js';
import { expandInputs } from '../src/corpus/index.js';
import { addDocuments, diffDatasets, formatCheckpoint, generateNoteKey, hashLeaf, Ledger, openStore, parseSignerKey, parseTlogProof, parseVerifierKey, signNote, verifyTlogProof } from '../src/ledger/index.js';

const ORIGIN = 'ledger.test/antidote';
const KEYS = generateNoteKey(ORIGIN);

interface Backend {
  name: string;
  /** a new, empty store location */
  fresh(): Promise<string>;
  sql(spec: string, statements: string[]): Promise<void>;
}

let server: ReturnType<typeof startPostgres> | undefined;
let databases = 0;

const BACKENDS: Backend[] = [
  {
    name: 'SQLite',
    fresh: async () => join(tempDir(), 'ledger.sqlite'),
    async sql(spec, statements) {
      const db = new Database(spec);
      for (const s of statements) db.exec(s);
      db.close();
    },
  },
  {
    name: 'PostgreSQL',
    async fresh() {
      server ??= startPostgres();
      const pgServer = await server;
      const name = `ledger_${process.pid}_${++databases}`;
      pgServer.createDatabase(name);
      return pgServer.url(name);
    },
    async sql(spec, statements) {
      const client = new pg.Client({ connectionString: spec });
      await client.connect();
      for (const s of statements) await client.query(s);
      await client.end();
    },
  },
];

async function withLedger<T>(spec: string, work: (ledger: Ledger) => Promise<T>): Promise<T> {
  const store = await openStore(spec, { create: false });
  try {
    return await work(await Ledger.open(store, { signer: parseSignerKey(KEYS.signer), trusted: parseVerifierKey(KEYS.verifier) }));
  } finally {
    await store.close();
  }
}

/**
 * A ledger holding the first `docs` documents of the real corpus as corpus@1,
 * in one add; with `split`, the first `split` documents come in an add of
 * their own (dataset early@1), so that the log has a checkpoint in between.
 */
async function ledgerWith(backend: Backend, docs: number, split?: number): Promise<{ spec: string; corpus: string }> {
  const spec = await backend.fresh();
  const lines = readFileSync(await realCorpus(), 'utf8').split('\n');
  const write = (name: string, from: number, to: number): string => {
    const path = join(tempDir(), name);
    writeFileSync(path, lines.slice(from, to).join('\n') + '\n');
    return path;
  };
  const corpus = write('corpus.jsonl', split ?? 0, docs);
  const store = await openStore(spec, { create: true });
  const ledger = await Ledger.init(store, ORIGIN, parseSignerKey(KEYS.signer));
  const defaults = { source: 'https://corpus.example/v1', trust: 'medium' as const };
  if (split) await addDocuments(ledger, await expandInputs([write('early.jsonl', 0, split)]), { dataset: 'early', textField: 'text', idField: 'id', defaults });
  await addDocuments(ledger, await expandInputs([corpus]), { dataset: 'corpus', textField: 'text', idField: 'id', defaults });
  await store.close();
  return { spec, corpus };
}

for (const backend of BACKENDS) {
  test(`ledger (${backend.name}): add, verify, offline receipts and consistency`, async () => {
    const { spec } = await ledgerWith(backend, 300);
    await withLedger(spec, async (ledger) => {
      const report = await ledger.verify();
      assert.deepEqual(report.problems, []);
      assert.equal(report.entries, 301);
      assert.equal(report.signedSize, 301);
      const [doc] = await ledger.store.findDocuments({ docId: 'd0000042' }, 1);
      const record = JSON.parse(doc.record);
      assert.equal(record.source, 'https://corpus.example/v1');
      assert.equal(record.trust, 'medium');
      assert.match(record.sha256, /^[0-9a-f]{64}$/);
      const receipt = await ledger.receipt(doc.index);
      const verifier = parseVerifierKey(KEYS.verifier);
      const extra = parseTlogProof(receipt).extra!;
      assert.equal(extra.toString(), doc.record);
      assert.equal(verifyTlogProof(receipt, hashLeaf(extra), verifier, ORIGIN).size, 301);
      const changed = Buffer.from(extra.toString().replace('"trust":"medium"', '"trust":"high"'));
      assert.throws(() => verifyTlogProof(receipt, hashLeaf(changed), verifier, ORIGIN), /not in the checkpointed tree/);
      // Every older checkpoint is a prefix of the newest one.
      // One checkpoint for the empty log at init, one for the add.
      assert.deepEqual((await ledger.store.checkpoints()).map((c) => c.size), [0, 301]);
    });
  });

  const TAMPERING: { what: string; sql: (spec: string) => string[]; bad: number; message: RegExp; external?: boolean; split?: number }[] = [
    { what: 'a changed record', sql: () => [`UPDATE entries SET record = replace(record, '"trust":"medium"', '"trust":"high"') WHERE idx = 17`], bad: 17, message: /entry 17: record does not match its leaf hash/ },
    {
      what: 'two swapped entries',
      sql: () => ['UPDATE entries SET idx = -1 WHERE idx = 40', 'UPDATE entries SET idx = 40 WHERE idx = 41', 'UPDATE entries SET idx = 41 WHERE idx = -1'],
      bad: 40,
      message: /entry 40: record says it is entry 41 \(moved\)/,
    },
    { what: 'a deleted entry', sql: () => ['DELETE FROM entries WHERE idx = 100'], bad: 100, message: /entry 100 is missing/ },
    { what: 'a truncated log', sql: () => ['DELETE FROM entries WHERE idx >= 150'], bad: 150, message: /log truncated: a checkpoint is signed for 201 entries but the store holds 150/ },
    {
      what: 'a truncated log with its checkpoints removed',
      // 128 documents and their manifest make a first add of 129 entries.
      sql: () => ['DELETE FROM entries WHERE idx >= 150', 'DELETE FROM checkpoints WHERE size > 129'],
      bad: 129,
      message: /entries 129 to 149 are not covered|the checkpoint given covers 202 entries but the store holds 150/,
      external: true,
      split: 128,
    },
    {
      what: 'a record re-hashed with its leaf',
      sql: () => [`UPDATE entries SET record = replace(record, '"trust":"medium"', '"trust":"high"') WHERE idx = 10`],
      bad: 10,
      message: /entries 10 to 11: stored tree nodes do not match/,
    },
  ];

  for (const t of TAMPERING) {
    test(`ledger (${backend.name}): verify names the entry after ${t.what}`, async () => {
      const { spec } = await ledgerWith(backend, 200, t.split);
      const saved = await withLedger(spec, async (ledger) => (await ledger.latest()).note);
      await backend.sql(spec, t.sql(spec));
      if (t.what === 'a record re-hashed with its leaf') {
        // The attacker also rewrites the leaf hash so that the row agrees with itself.
        const record = await withLedger(spec, async (ledger) => (await ledger.store.findDocuments({ docId: 'd0000011' }, 1))[0].record);
        const hex = hashLeaf(Buffer.from(record)).toString('hex');
        await backend.sql(spec, [backend.name === 'SQLite' ? `UPDATE entries SET leaf = X'${hex}' WHERE idx = 10` : `UPDATE entries SET leaf = '\\x${hex}'::bytea WHERE idx = 10`]);
      }
      const report = await withLedger(spec, (ledger) => ledger.verify(t.external ? { external: saved } : {}));
      assert.equal(report.firstBadEntry, t.bad, report.problems.join('\n'));
      assert.match(report.problems.join('\n'), t.message);
    });
  }

  test(`ledger (${backend.name}): a forged checkpoint and a key swapped in the store are caught`, async () => {
    const { spec } = await ledgerWith(backend, 100);
    const forger = parseSignerKey(generateNoteKey(ORIGIN).signer);
    const forged = signNote(formatCheckpoint({ origin: ORIGIN, size: 101, root: Buffer.alloc(32, 9), extensions: [] }), forger);
    await backend.sql(spec, [`UPDATE checkpoints SET note = '${forged}' WHERE size = 101`, `UPDATE meta SET value = '${forger.text}' WHERE key = 'verifier'`]);
    const report = await withLedger(spec, (ledger) => ledger.verify());
    assert.match(report.problems.join('\n'), /checkpoint at size 101 is forged or damaged: no signature from a known key/);
  });

  test(`ledger (${backend.name}): diff tells added, removed, semantic, cosmetic and moved documents apart`, async () => {
    const { spec, corpus } = await ledgerWith(backend, 120);
    const rows = readFileSync(corpus, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const v2 = rows.filter((r) => r.id !== 'd0000003');
    const at = (id: string) => v2.find((r) => r.id === id);
    at('d0000005').text = at('d0000005').text.replace(/(\S+)$/, 'poisoned-ending');
    at('d0000007').text = `  ${at('d0000007').text.replace(/ /g, '  ')}\u200b`;
    at('d0000009').id = 'd0000009-renamed';
    v2.push({ id: 'd9999999', text: 'A brand new document.', provenance: { source: 'https://other.example/', trust: 'low' } });
    const file = join(tempDir(), 'v2.jsonl');
    writeFileSync(file, v2.map((r) => JSON.stringify(r)).join('\n') + '\n');
    await withLedger(spec, async (ledger) => {
      await addDocuments(ledger, await expandInputs([file]), { dataset: 'corpus', textField: 'text', idField: 'id', defaults: { source: 'https://corpus.example/v1' } });
      const d = await diffDatasets(ledger, 'corpus@1', 'corpus@2');
      assert.deepEqual(d.counts, { added: 1, removed: 1, semantic: 1, cosmetic: 1, moved: 1, unchanged: 116 });
      assert.deepEqual(d.bySource['https://other.example/'], { added: 1 });
      assert.deepEqual(
        d.changes.map((c) => `${c.change} ${c.id}`).sort(),
        ['added d9999999', 'cosmetic d0000007', 'moved d0000009-renamed', 'removed d0000003', 'semantic d0000005'],
      );
    });
  });

  test(`ledger (${backend.name}): bad input is refused with its place, and nothing is written`, async () => {
    const { spec } = await ledgerWith(backend, 20);
    const dir = tempDir();
    const cases: [string, string, RegExp][] = [
      ['malformed.jsonl', '{"id":"a","text":"fine"}\n{"id":"b","text":"cut off\n', /malformed\.jsonl:2/],
      ['unknown.jsonl', '{"id":"a","text":"x","provenance":{"source":"s","sauce":"t"}}\n', /unknown\.jsonl:1: unknown provenance field 'sauce'/],
      ['wrongtype.jsonl', '{"id":"a","text":"x","provenance":{"trust":5}}\n', /wrongtype\.jsonl:1: 'provenance.trust' must be a string/],
      ['badtrust.jsonl', '{"id":"a","text":"x","provenance":{"trust":"absolute"}}\n', /trust level 'absolute' is not one of/],
      ['notext.jsonl', '{"id":"a","body":"x"}\n', /notext\.jsonl:1/],
      ['empty.jsonl', '', /no records/],
      // Found only after thousands of good records went by, in a later batch of the workers.
      ['late.jsonl', '{"id":"ok","text":"a good record"}\n'.repeat(6000) + '{"id":"z","text":"x","provenance":{"trust":"maybe"}}\n', /late\.jsonl:6001: trust level 'maybe'/],
      ['binary.jsonl', '{"id":"ok","text":"fine"}\n\u0000\u0001\u00ff\n', /binary\.jsonl:2/],
    ];
    await withLedger(spec, async (ledger) => {
      const before = await ledger.store.size();
      for (const [name, content, message] of cases) {
        writeFileSync(join(dir, name), content);
        await assert.rejects(addDocuments(ledger, await expandInputs([join(dir, name)]), { dataset: 'bad', textField: 'text', idField: 'id', defaults: {} }), message);
        assert.equal(await ledger.store.size(), before, `${name} wrote nothing`);
      }
      assert.deepEqual((await ledger.verify()).problems, []);
    });
  });

  test(`ledger (${backend.name}): SIGKILL during a large add leaves the ledger as it was, with every acknowledged add`, async () => {
    const spec = await backend.fresh();
    const dir = tempDir();
    writeFileSync(join(dir, 'ledger.key'), KEYS.signer + '\n');
    assert.equal(cli(['ledger', 'init', '--origin', ORIGIN, '--store', spec, '--key', join(dir, 'ledger.key')]).code, 0);
    const lines = readFileSync(await realCorpus(), 'utf8').trim().split('\n');
    const corpus = (name: string, n: number): string => {
      const path = join(dir, name);
      writeFileSync(path, Array.from({ length: n }, (_, i) => lines[i % lines.length].replace(/^\{"id":"[^"]*"/, `{"id":"${name}-${i}"`)).join('\n') + '\n');
      return path;
    };
    const small = corpus('small', 200);
    const big = corpus('big', 120_000);
    const add = (file: string) => spawn(process.execPath, [CLI, 'ledger', 'add', file, '--dataset', 'd', '--store', spec, '--key', join(dir, 'ledger.key')]);
    let acknowledged = 0;
    let interrupted = 0;
    for (let round = 0; round < 4; round++) {
      // An add that finishes: its entries are acknowledged by its last line.
      const done = add(small);
      let out = '';
      done.stdout.on('data', (d: Buffer) => (out += d));
      assert.equal(await new Promise((resolve) => done.on('close', resolve)), 0);
      acknowledged = Number(/ledger size (\d+)/.exec(out)![1]);
      // An add killed at a different moment each round, once it is well under way.
      const child = add(big);
      let finished = '';
      child.stdout.on('data', (d: Buffer) => (finished += d));
      child.stderr.once('data', () => setTimeout(() => child.kill('SIGKILL'), round * 150));
      await new Promise((resolve) => child.on('close', resolve));
      const report = await withLedger(spec, (ledger) => ledger.verify());
      assert.deepEqual(report.problems, [], `round ${round}`);
      assert.equal(report.signedSize, report.entries, 'no entry beyond the last signed checkpoint');
      if (finished.includes('added')) {
        acknowledged = Number(/ledger size (\d+)/.exec(finished)![1]);
        assert.equal(report.entries, acknowledged, `round ${round}: the add finished before the kill`);
      } else {
        interrupted++;
        assert.equal(report.entries, acknowledged, `round ${round}: a killed add leaves nothing of itself`);
      }
    }
    assert.ok(interrupted >= 2, `${interrupted} adds were killed part way`);
  });
}

test('ledger CLI: init, add, verify, prove, receipt check, checkpoint, log, diff, export', async () => {
  const dir = tempDir();
  const corpus = join(dir, 'c.jsonl');
  writeFileSync(corpus, readFileSync(await realCorpus(), 'utf8').split('\n').slice(0, 50).join('\n') + '\n');
  const run = (...args: string[]) => cli(args, { cwd: dir });
  assert.equal(run('ledger', 'init', '--origin', 'cli.test/ledger').code, 0);
  const added = run('ledger', 'add', corpus, '--dataset', 'c', '--source', 'https://c.example', '--trust', 'high', '--meta', 'batch=1');
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /added 50 documents as c@1/);
  assert.match(run('ledger', 'verify').stdout, /^ok: 51 entries/);
  assert.equal(run('ledger', 'prove', 'd0000007', '--out', 'r.tlog-proof').code, 0);
  const checked = run('ledger', 'verify', '--receipt', 'r.tlog-proof', '--public-key', '.antidote-ledger/ledger.pub');
  assert.equal(checked.code, 0, checked.stdout + checked.stderr);
  assert.match(checked.stdout, /entry 6 is in cli\.test\/ledger at size 51/);
  writeFileSync(join(dir, 'cut.tlog-proof'), readFileSync(join(dir, 'r.tlog-proof'), 'utf8').replace(/\n[A-Za-z0-9+/=]{44}\n\n/, '\n\n'));
  const cut = run('ledger', 'verify', '--receipt', 'cut.tlog-proof', '--public-key', '.antidote-ledger/ledger.pub');
  assert.equal(cut.code, 1);
  assert.match(cut.stdout, /FAILED: .*proof too short/);
  assert.match(run('ledger', 'checkpoint').stdout, /^cli\.test\/ledger\n51\n/);
  assert.equal(run('ledger', 'log', '--kind', 'dataset').stdout.split('\t')[0], '50');
  assert.equal(run('ledger', 'add', corpus, '--dataset', 'c').code, 0);
  assert.match(run('ledger', 'diff', 'c@1', 'c@2').stdout, /0 added, 0 removed, 0 modified \(semantic\), 0 modified \(cosmetic\), 50 moved/);
  assert.equal(run('ledger', 'export', '--out', 'all.jsonl').code, 0);
  const exported = readFileSync(join(dir, 'all.jsonl'), 'utf8').trim().split('\n');
  assert.equal(exported.length, 103);
  assert.equal(JSON.parse(exported[102]).kind, 'checkpoint');
  const other = run('ledger', 'verify', '--public-key', 'other.pub');
  assert.equal(other.code, 2);
  assert.match(other.stderr, /other\.pub: cannot read the public key/);
  writeFileSync(join(dir, 'wrong.pub'), 'cli.test/ledger+00000000+AQ==\n');
  assert.match(run('ledger', 'verify', '--public-key', 'wrong.pub').stderr, /KEY_INVALID/);
  assert.equal(run('ledger', 'add', corpus, '--dataset', 'x', '--key', 'missing.key').code, 2);
});
