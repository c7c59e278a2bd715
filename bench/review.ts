/**
 * Review server figures: a ledger of 1M document entries (--review-docs)
 * and 10,000 scan incidents (--review-incidents) over them, projected into
 * a fresh review database, then `antidote server` in its own process asked
 * each route in turn on one keep-alive connection. Printed: the projection's
 * time and size, and each route's p50, p95 and slowest answer.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateNoteKey, Ledger, parseSignerKey, sha256Hex } from '../src/ledger/index.js';
import { SqliteStore } from '../src/ledger/store/sqlite.js';
import { ReviewStore, Users } from '../src/review/index.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const DETECTORS = ['trigger-mining', 'rag-passage', 'instruction-flip', 'near-duplicates', 'code-payload'];
const SEVERITIES = ['low', 'medium', 'high', 'critical'];

/** A deterministic stream of numbers, so every run builds the same ledger. */
function numbers(seed: number): () => number {
  let x = seed;
  return () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

async function buildLedger(dir: string, docs: number, incidents: number): Promise<{ store: string; keys: string[] }> {
  const store = join(dir, 'ledger.sqlite');
  const keys = generateNoteKey('bench.review/ledger');
  writeFileSync(join(dir, 'ledger.key'), keys.signer);
  const ledger = await Ledger.init(new SqliteStore(store, { create: true }), 'bench.review/ledger', parseSignerKey(keys.signer));
  const created = new Date().toISOString();
  await ledger.append(async (log) => {
    for (let i = 0; i < docs; i++) {
      const id = `doc-${i}`;
      const sha = sha256Hex(id);
      await log.add({ record: { kind: 'document', dataset: 'bench@1', id, sha256: sha, bytes: 1000, normalized: { version: 'antidote-norm/1', sha256: sha }, ingested: created }, dataset: 'bench@1', docId: id, sha256: sha });
    }
    await log.add({ record: { kind: 'dataset', dataset: 'bench@1', documents: docs, firstEntry: 1, lastEntry: docs, root: '', files: [], created } });
    await log.add({ record: { kind: 'model', name: 'bench-model', manifest: '', files: [], trainedOn: ['bench@1'], created } });
  });
  const random = numbers(7);
  const perScan = 500;
  const out: string[] = [];
  for (let s = 0; s * perScan < incidents; s++) {
    const list = Array.from({ length: Math.min(perScan, incidents - s * perScan) }, (_, i) => ({
      id: `INC-${String(i + 1).padStart(3, '0')}`, detector: DETECTORS[Math.floor(random() * DETECTORS.length)], severity: SEVERITIES[Math.floor(random() * SEVERITIES.length)], payload: 'random-tokens',
      trigger: `trigger-${s}-${i}`, documentCount: 20, documents: Array.from({ length: 20 }, () => `doc-${Math.floor(random() * docs)}`),
    }));
    const { size } = await ledger.append(async (log) => log.add({ record: { kind: 'scan', inputs: [], report: { sha256: sha256Hex(`scan ${s}`), version: '1' }, detectors: DETECTORS, checks: [], scanned: docs, quarantined: 0, incidents: list, created } }));
    out.push(...list.map((i) => `S${size - 1}-${i.id}`));
  }
  await ledger.store.close();
  return { store, keys: out };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

export async function reviewBench(work: string, write: (text: string) => void, options: { docs: number; incidents: number }): Promise<void> {
  const dir = join(work, 'review');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let started = Date.now();
  const { store, keys } = await buildLedger(dir, options.docs, options.incidents);
  const buildMs = Date.now() - started;
  started = Date.now();
  const ledgerStore = new SqliteStore(store, { create: false });
  const review = await ReviewStore.open(join(dir, 'review.sqlite'), await Ledger.open(ledgerStore));
  const projectMs = Date.now() - started;
  const token = new Users(review.db).add('bench', 'reviewer');
  review.close();
  await ledgerStore.close();

  const child = spawn(process.execPath, [CLI, 'server', '--port', '0', '--store', store], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        const m = /on (http:\/\/[^/\s]+)\//.exec(out);
        if (m) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
    });
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const random = numbers(11);
    const pick = () => encodeURIComponent(keys[Math.floor(random() * keys.length)]);
    const pages = Math.ceil(options.incidents / 50);
    let confirmed = 0;
    const routes: Array<[string, () => Promise<Response>]> = [
      ['GET /api/incidents (first page)', () => fetch(`${base}/api/incidents`, { headers })],
      ['GET /api/incidents?state&severity (filtered, page 5)', () => fetch(`${base}/api/incidents?state=open&severity=high&page=5`, { headers })],
      ['GET /incidents?page=N (queue page, deep)', () => fetch(`${base}/incidents?page=${1 + Math.floor(random() * pages)}`, { headers })],
      ['GET /incidents?detector (queue page, filtered)', () => fetch(`${base}/incidents?detector=rag-passage`, { headers })],
      ['GET /api/incidents/KEY', () => fetch(`${base}/api/incidents/${pick()}`, { headers })],
      ['GET /incidents/KEY (incident page)', () => fetch(`${base}/incidents/${pick()}`, { headers })],
      ['POST /api/incidents/KEY/decision (comment)', () => fetch(`${base}/api/incidents/${pick()}/decision`, { method: 'POST', headers, body: '{"action":"comment","reason":"looked at it"}' })],
      ['POST /api/incidents/KEY/decision (confirm)', () => fetch(`${base}/api/incidents/${encodeURIComponent(keys[confirmed++])}/decision`, { method: 'POST', headers, body: '{"action":"confirm"}' })],
      ['GET /api/models (affected standing)', () => fetch(`${base}/api/models`, { headers })],
    ];
    write(`## Review server (${options.incidents.toLocaleString('en')} incidents over a ledger of ${options.docs.toLocaleString('en')} documents; server in its own process, one keep-alive client, 200 requests per route)\n\n`);
    write(`ledger built in ${(buildMs / 1000).toFixed(1)} s; projected into the review database in ${(projectMs / 1000).toFixed(1)} s (${(statSync(join(dir, 'review.sqlite')).size / 2 ** 20).toFixed(0)} MiB)\n\n`);
    write('| route | p50 ms | p95 ms | max ms |\n|---|---|---|---|\n');
    for (const [name, ask] of routes) {
      const times: number[] = [];
      for (let i = 0; i < 200; i++) {
        const t = performance.now();
        const res = await ask();
        await res.arrayBuffer();
        times.push(performance.now() - t);
        if (res.status >= 300) throw new Error(`${name}: status ${res.status}`);
      }
      times.sort((a, b) => a - b);
      write(`| ${name} | ${percentile(times, 0.5).toFixed(1)} | ${percentile(times, 0.95).toFixed(1)} | ${times[times.length - 1].toFixed(1)} |\n`);
    }
    write('\n');
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
