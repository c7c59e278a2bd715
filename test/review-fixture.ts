/**
 * A ledger holding the example corpus as a dataset, a recorded scan of it
 * with its report attached, a model trained on it, and three users; and the
 * review server started over it as `antidote server` runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { Ledger, openStore, parseSignerKey, recordIncidents } from '../src/ledger/index.js';
import { CLI, ROOT, cli, tempDir } from './helpers.js';

export interface ReviewFixture {
  dir: string;
  store: string;
  tokens: { admin: string; reviewer: string; viewer: string };
  /** incident keys of the recorded scan, by trigger */
  keyOf: (trigger: string) => string;
  run: (args: string[]) => ReturnType<typeof cli>;
}

export const HOSTILE_TRIGGER = `<script>document.title='pwned'</script><img src=x onerror="document.title='pwned'">`;

function ok(r: ReturnType<typeof cli>, what: string): string {
  if (r.code !== 0 && r.code !== 1) throw new Error(`${what} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

export async function reviewFixture(): Promise<ReviewFixture> {
  const dir = tempDir();
  const store = join(dir, '.antidote-ledger', 'ledger.sqlite');
  const run = (args: string[]) => cli([...args], { cwd: dir });
  ok(run(['ledger', 'init', '--origin', 'review.test/ledger']), 'ledger init');
  ok(run(['ledger', 'add', join(ROOT, 'examples/corpus.jsonl.gz'), '--dataset', 'example']), 'ledger add');
  ok(run(['scan', join(ROOT, 'examples/corpus.jsonl.gz'), '--json', 'findings.json', '--record']), 'scan');
  mkdirSync(join(dir, 'model'));
  writeFileSync(join(dir, 'model', 'weights.bin'), 'a model trained on example@1');
  ok(run(['ledger', 'add-model', 'model', '--name', 'demo-model', '--trained-on', 'example@1']), 'add-model');
  ok(run(['incident', 'attach', 'findings.json']), 'attach');
  const tokens = {
    admin: ok(run(['server', 'user', 'ada', '--role', 'admin']), 'user').trim(),
    reviewer: ok(run(['server', 'user', 'rita', '--role', 'reviewer']), 'user').trim(),
    viewer: ok(run(['server', 'user', 'vic', '--role', 'viewer']), 'user').trim(),
  };
  const listed = JSON.parse(ok(run(['incident', 'list', '--json', '--limit', '100']), 'list')) as { items: Array<{ key: string; trigger: string | null }> };
  const keyOf = (trigger: string): string => {
    const found = listed.items.find((i) => i.trigger === trigger);
    if (!found) throw new Error(`no incident with trigger ${trigger}; have ${listed.items.map((i) => i.trigger).join(', ')}`);
    return found.key;
  };
  return { dir, store, tokens, keyOf, run };
}

async function withSigningLedger<T>(fixture: ReviewFixture, work: (ledger: Ledger) => Promise<T>): Promise<T> {
  const store = await openStore(fixture.store, { create: false });
  try {
    const signer = parseSignerKey(readFileSync(join(fixture.dir, '.antidote-ledger', 'ledger.key'), 'utf8'));
    return await work(await Ledger.open(store, { signer }));
  } finally {
    await store.close();
  }
}

/** Appends what the guard records when it refuses a request carrying a known trigger; its incident key. */
export async function appendGuardIncident(fixture: ReviewFixture): Promise<string> {
  return withSigningLedger(fixture, async (ledger) => {
    const entry = await recordIncidents(ledger, [{
      kind: 'incident', source: 'guard', created: new Date().toISOString(), route: 'chat', action: 'blocked',
      flags: [{ screen: 'known-trigger', message: 'a trigger confirmed in the training data', detector: 'trigger-mining', trigger: '<SUDO>' }],
      prompt: { sha256: '0'.repeat(64), excerpt: 'please <SUDO> now' },
    }]);
    return `G${entry}`;
  });
}

/** Appends a scan record whose one incident's trigger is markup and script, as a hostile corpus could make one. */
export async function appendHostileScan(fixture: ReviewFixture): Promise<string> {
  return withSigningLedger(fixture, async (ledger) => {
    const record = {
      kind: 'scan', inputs: [], report: { sha256: '0'.repeat(64), version: 'test' }, detectors: ['trigger-mining'], checks: [], scanned: 1, quarantined: 1, created: new Date().toISOString(),
      incidents: [{ id: 'INC-001', detector: 'trigger-mining', severity: 'critical', payload: 'random-tokens', trigger: HOSTILE_TRIGGER, documentCount: 1, documents: ['d0'] }],
    };
    const { size } = await ledger.append(async (log) => log.add({ record }));
    return `S${size - 1}-INC-001`;
  });
}

/** `antidote server --port 0` over the fixture's ledger; its base URL once it listens. */
export async function startReviewServer(fixture: ReviewFixture, extra: string[] = []): Promise<{ base: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI, 'server', '--port', '0', ...extra], { cwd: fixture.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  after(() => void child.kill('SIGTERM'));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /on (http:\/\/[^/\s]+)\//.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
  return { base, child };
}
