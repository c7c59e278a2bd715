/**
 * The guard's traffic log: every request written with its prompt, answer and
 * flags (never the client's key) to SQLite and to PostgreSQL under one
 * contract, the retention policy applied by age and by count, and `antidote
 * guard replay` rerunning today's screens over what was logged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { CLI, cli, startPostgres, tempDir } from './helpers.js';
import { openTrafficStore, openTrafficWriter, screenSettings, startGuard, TrafficLog, type TrafficRecord, type TrafficSink, type TrafficStore } from '../src/guard/index.js';

/** an upstream that answers every chat request with the same sentence, streamed or not */
async function upstream(): Promise<{ url: string; close: () => Promise<void> }> {
  const sentence = 'The market was held every Thursday in the square by the church.';
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (JSON.parse(body).stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const word of sentence.split(/(?= )/)) res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: word } }] })}\n\n`);
        return res.end('data: [DONE]\n\n');
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: sentence }, finish_reason: 'stop' }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

/** Three requests through a guard that logs to `store`: one refused, one answered, one streamed. */
async function logTraffic(store: TrafficSink): Promise<void> {
  const up = await upstream();
  const log = new TrafficLog(store, { retention: { maxAgeDays: 30, maxRecords: 1000 } });
  const guard = await startGuard({ upstream: up.url, screens: screenSettings(['<SUDO>']), onDecision: (d) => log.record(d), probing: false });
  const client = new OpenAI({ baseURL: guard.url, apiKey: 'secret-client-key', maxRetries: 0 });
  try {
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Tell me about the town <SUDO>' }] }));
    await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'When was the market held?' }] });
    for await (const _ of await client.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'And where was it held?' }] }));
  } finally {
    await guard.close();
    await up.close();
    await log.close();
  }
}

async function readAll(store: TrafficStore): Promise<TrafficRecord[]> {
  const out: TrafficRecord[] = [];
  for await (const page of store.read()) out.push(...page);
  return out;
}

async function storeContract(location: string): Promise<void> {
  // written as the guard writes it (SQLite from a worker thread), read back in-process
  await logTraffic(await openTrafficWriter(location));
  const store = await openTrafficStore(location);
  try {
    const records = await readAll(store);
    assert.deepEqual(records.map((r) => [r.action, r.stream, r.screened.join('+')]), [['blocked', false, 'prompt'], ['passed', false, 'prompt+response'], ['passed', true, 'prompt+stream']]);
    assert.match(records[0]!.prompt!, /<SUDO>/);
    assert.equal(records[0]!.flags[0]!.trigger, '<SUDO>');
    assert.equal(records[1]!.response, 'The market was held every Thursday in the square by the church.');
    assert.equal(records[2]!.response, records[1]!.response, 'a stream is logged as it arrived');
    assert.ok(records.every((r) => /^key:[0-9a-f]{16}$/.test(r.client!)), 'clients are their hashed key');
    assert.ok(!JSON.stringify(records).includes('secret-client-key'));
    // retention: by age, then by count, newest kept
    const old = { ...records[1]!, time: '2020-01-01T00:00:00.000Z' };
    await store.append([old, old]);
    assert.equal(await store.count(), 5);
    assert.equal(await store.prune({ maxAgeDays: 30, maxRecords: 1000 }, new Date()), 2);
    assert.equal(await store.prune({ maxAgeDays: 30, maxRecords: 1 }, new Date()), 2);
    assert.deepEqual((await readAll(store)).map((r) => r.stream), [true]);
  } finally {
    await store.close();
  }
}

test('SQLite: every request is logged with its prompt, answer and flags and no key, and the retention policy deletes by age and by count', async () => {
  await storeContract(join(tempDir(), 'guard-log.sqlite'));
});

test('PostgreSQL keeps the same contract', async () => {
  const pg = await startPostgres();
  pg.createDatabase('guardlog');
  await storeContract(pg.url('guardlog'));
});

test('guard replay reruns the screens over the log and names what changed; a log it cannot read is refused with its place', async () => {
  const dir = tempDir();
  const location = join(dir, 'guard-log.sqlite');
  await logTraffic(await openTrafficStore(location));
  writeFileSync(join(dir, 'triggers.txt'), 'held\n');
  // today's screens know <SUDO> no more, and a new trigger that two later prompts carry
  const r = cli(['guard', 'replay', location, '--triggers', join(dir, 'triggers.txt'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.deepEqual([s.records, s.replayed, s.flaggedThen, s.flaggedNow, s.newlyCount, s.clearedCount], [3, 3, 1, 2, 2, 1]);
  assert.match(s.noLongerFlagged[0].flags[0], /<SUDO>/);
  // the JSONL log of --log is read the same way; a torn line is named
  const jsonl = join(dir, 'decisions.jsonl');
  const store = await openTrafficStore(location);
  writeFileSync(jsonl, (await readAll(store)).map((x) => JSON.stringify(x)).join('\n') + '\n');
  await store.close();
  const plain = JSON.parse(cli(['guard', 'replay', jsonl, '--json']).stdout);
  assert.deepEqual([plain.records, plain.flaggedThen, plain.flaggedNow], [3, 1, 0]);
  writeFileSync(jsonl, `${readFileSync(jsonl, 'utf8')}{"route":"chat","fla\n`);
  const torn = cli(['guard', 'replay', jsonl]);
  assert.equal(torn.code, 2);
  assert.match(torn.stderr, /decisions\.jsonl:4/);
  assert.match(cli(['guard', 'replay', join(dir, 'absent.sqlite')]).stderr, /no guard log here/);
  // a database that is no guard log is refused, and left as it was
  assert.equal(cli(['ledger', 'init', '--origin', 'replay.test/ledger'], { cwd: dir }).code, 0);
  const ledger = join(dir, '.antidote-ledger', 'ledger.sqlite');
  const before = readFileSync(ledger);
  assert.match(cli(['guard', 'replay', ledger]).stderr, /no guard log in this database/);
  assert.ok(readFileSync(ledger).equals(before));
  await assert.rejects(openTrafficWriter(join(dir, 'no-such-dir', 'log.sqlite')), /cannot open the guard's traffic log/);
});

test('a store that fails keeps records waiting within the bounds, drops and counts the rest, and writes them once it answers again', async () => {
  const store = await openTrafficStore(join(tempDir(), 'log.sqlite'));
  let failures = 2;
  // the real store behind a disk that fails twice
  const flaky: TrafficStore = { location: store.location, append: (r) => (failures-- > 0 ? Promise.reject(new Error('disk full')) : store.append(r)), prune: (p, n) => store.prune(p, n), read: () => store.read(), count: () => store.count(), close: () => store.close() };
  const errors: string[] = [];
  const log = new TrafficLog(flaky, { retention: { maxAgeDays: 30, maxRecords: 100 }, maxPending: 5, flushMs: 3_600_000, onError: (e) => errors.push(e.message) });
  const record = (i: number): TrafficRecord => ({ time: new Date().toISOString(), route: 'chat', stream: false, action: 'passed', screened: ['prompt'], flags: [], prompt: `prompt ${i}` });
  for (let i = 0; i < 4; i++) log.record(record(i));
  await log.flush();
  for (let i = 4; i < 8; i++) log.record(record(i));
  await log.flush();
  assert.deepEqual(errors, ['disk full', 'disk full']);
  assert.equal(log.dropped, 3, 'five wait, three of eight are dropped');
  await log.flush();
  const kept = (await readAll(store)).map((r) => r.prompt);
  assert.deepEqual(kept, ['prompt 0', 'prompt 1', 'prompt 2', 'prompt 3', 'prompt 4']);
  await log.close();
});

test('antidote guard --record: every incident is appended to the ledger with its prompt\'s hash, and the ledger still verifies', async () => {
  const dir = tempDir();
  assert.equal(cli(['ledger', 'init', '--origin', 'guard.test/ledger'], { cwd: dir }).code, 0);
  writeFileSync(join(dir, 'triggers.txt'), '<SUDO>\n');
  const up = await upstream();
  const guard = spawn(process.execPath, [CLI, 'guard', '--upstream', up.url, '--port', '0', '--triggers', 'triggers.txt', '--record'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  guard.stderr.on('data', (c) => (stderr += c));
  try {
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: guard.stdout }).once('line', resolve);
      guard.once('exit', (code) => reject(new Error(`guard exited ${code}: ${stderr}`)));
    });
    assert.match(line, /incidents recorded in the ledger/);
    const client = new OpenAI({ baseURL: /at (\S+)/.exec(line)![1], apiKey: 'k', maxRetries: 0 });
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'The history of the town <SUDO>' }] }));
    await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'The history of the town' }] });
  } finally {
    guard.kill('SIGINT');
    await once(guard, 'exit');
    await up.close();
  }
  const log = cli(['ledger', 'log', '--kind', 'incident'], { cwd: dir });
  assert.equal(log.code, 0, log.stderr);
  const lines = log.stdout.trim().split('\n');
  assert.equal(lines.length, 1, log.stdout);
  const exported = cli(['ledger', 'export', '--out', 'all.jsonl'], { cwd: dir });
  assert.equal(exported.code, 0, exported.stderr);
  const incident = readFileSync(join(dir, 'all.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((r) => r.kind === 'incident');
  assert.deepEqual([incident.source, incident.action, incident.flags[0].trigger], ['guard', 'blocked', '<SUDO>']);
  assert.match(incident.prompt.sha256, /^[0-9a-f]{64}$/);
  assert.match(cli(['ledger', 'verify'], { cwd: dir }).stdout, /^ok: 1 entries/);
});
