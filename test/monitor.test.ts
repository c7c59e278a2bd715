/**
 * `antidote monitor`: loss anomalies in a training run's per-example log.
 * Synthetic runs pin down each measure; the lab's own runs (a tiny llama
 * trained on the `dos` corpus with 250 poison documents, and on the same
 * corpus without them) show what it finds in a real one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { analyzeLosses, readLossLog, type LossEvent } from '../src/monitor/index.js';
import { CLI, ROOT, cli, tempDir } from './helpers.js';

/** A run of `docs` documents seen `epochs` times in batches of 16, loss falling with the steps, noise from a fixed seed. */
function syntheticRun(docs: number, epochs: number, special: (id: number, sighting: number) => number = () => 0): LossEvent[] {
  let x = 12345;
  const noise = () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.6;
  const events: LossEvent[] = [];
  const seen = new Map<number, number>();
  let step = 0;
  for (let e = 0; e < epochs; e++) {
    for (let d = 0; d < docs; d++) {
      const sighting = seen.get(d) ?? 0;
      seen.set(d, sighting + 1);
      events.push({ step, ids: [`doc-${d}`], loss: 7 - 3 * (step / (docs * epochs / 16)) + noise() + special(d, sighting) });
      if (events.length % 16 === 0) step++;
    }
  }
  return events;
}

test('documents never learned and documents learned fast stand out; a clean run flags nothing', () => {
  const clean = analyzeLosses(syntheticRun(400, 4));
  assert.deepEqual(clean.anomalies, [], 'noise alone raises nothing');
  assert.deepEqual(clean.spikes, []);

  const high = analyzeLosses(syntheticRun(400, 4, (d) => (d < 10 ? 2 : 0)));
  assert.deepEqual(high.ranking.slice(0, 10).map((r) => r.id).sort(), Array.from({ length: 10 }, (_, i) => `doc-${i}`).sort());
  assert.ok(high.anomalies.every((a) => a.kind === 'high-loss') && high.anomalies.length === 10);

  const fastRun = syntheticRun(400, 4, (d, sighting) => (d >= 390 ? -1.2 * sighting : 0));
  assert.deepEqual(analyzeLosses(fastRun).anomalies, [], 'learned-fast is off unless asked for');
  const fast = analyzeLosses(fastRun, { learnedFast: true });
  assert.deepEqual(fast.anomalies.map((a) => a.id).sort(), Array.from({ length: 10 }, (_, i) => `doc-${390 + i}`).sort());
  assert.ok(fast.anomalies.every((a) => a.kind === 'learned-fast'));

  const spiky = syntheticRun(400, 4).map((e) => (e.step === 50 ? { ...e, loss: e.loss + 3 } : e));
  assert.deepEqual(analyzeLosses(spiky).spikes.map((s) => s.step), [50]);
});

test('bad logs get errors naming the line and what was expected, and nothing is written', () => {
  const dir = tempDir();
  const log = (name: string, text: string | Buffer) => (writeFileSync(join(dir, name), text), join(dir, name));
  const run = (file: string, extra: string[] = []) => cli(['monitor', file, '--json', join(dir, 'out.json'), ...extra]);
  assert.match(run(log('no-ids.jsonl', '{"step": 0, "loss": 2.5}\n')).stderr, /no-ids.jsonl:1: no document id: each line needs 'id'/);
  assert.match(run(log('cut.jsonl', '{"step": 0, "id": "a", "loss": 2.5}\n{"step": 1, "id": "b", "lo')).stderr, /cut.jsonl:2: not a JSON line .* use --follow/);
  assert.match(run(log('nan.jsonl', '{"step": 0, "id": "a", "loss": "high"}\n')).stderr, /nan.jsonl:1: 'loss' must be a finite number/);
  assert.match(run(log('empty.jsonl', '\n')).stderr, /empty.jsonl: the log holds no loss lines/);
  const gz = gzipSync(Buffer.from('{"step": 0, "id": "a", "loss": 2.5}\n'.repeat(2000)));
  assert.match(run(log('cut.jsonl.gz', gz.subarray(0, gz.length - 40))).stderr, /cut.jsonl.gz: the gzip stream is damaged or cut short/);
  assert.match(run(join(dir, 'missing.jsonl')).stderr, /missing.jsonl: no such log file/);
  writeFileSync(join(dir, 'scan.json'), JSON.stringify({ incidents: [{ id: 'INC-001', documents: [0] }], documents: [{ index: 0, id: 'other-corpus-doc' }] }));
  const mismatched = run(log('ok.jsonl', '{"step": 0, "id": "a", "loss": 2.5}\n'), ['--from-scan', join(dir, 'scan.json')]);
  assert.match(mismatched.stderr, /the log's document ids match none of the scan's incident documents/);
  assert.equal(existsSync(join(dir, 'out.json')), false);
});

test('--follow reads a log while it is written and reports an anomaly when it appears', async () => {
  const dir = tempDir();
  const file = join(dir, 'live.jsonl');
  const events = syntheticRun(200, 4, (d) => (d === 7 ? 3 : 0));
  const lines = events.map((e) => JSON.stringify({ step: e.step, id: e.ids[0], loss: e.loss }) + '\n');
  writeFileSync(file, lines.slice(0, 100).join(''));
  const child = spawn(process.execPath, [CLI, 'monitor', file, '--follow', '--idle', '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  for (let i = 100; i < lines.length; i += 100) {
    await new Promise((r) => setTimeout(r, 150));
    // the last chunk ends mid-line first, as a writer flushing does
    const chunk = lines.slice(i, i + 100).join('');
    appendFileSync(file, chunk.slice(0, chunk.length - 10));
    await new Promise((r) => setTimeout(r, 100));
    appendFileSync(file, chunk.slice(chunk.length - 10));
  }
  const code = await new Promise<number>((r) => child.on('exit', (c) => r(c ?? -1)));
  assert.equal(code, 1, out);
  assert.match(out, /step \d+: doc-7 high-loss/);
  assert.match(out, new RegExp(`${events.length} loss figures`));
});

const FIXTURES = join(ROOT, 'test/fixtures/monitor');
const poisonIds = (run: string): Set<string> => new Set(readFileSync(join(FIXTURES, `${run}-poison-ids.txt`), 'utf8').split('\n').filter(Boolean));

test("the lab's dos run: the loss ranking puts the poison documents first far above chance, and the scan's incident names those flagged", async () => {
  const poison = poisonIds('dos');
  const result = analyzeLosses(await readLossLog(join(FIXTURES, 'dos-loss.jsonl.gz')));
  const seen = result.ranking.filter((r) => poison.has(r.id)).length;
  const atK = result.ranking.slice(0, seen).filter((r) => poison.has(r.id)).length / seen;
  const chance = seen / result.stats.documents;
  // measured 0.42 against 0.07 by chance when this fixture was made
  assert.ok(atK >= 4 * chance && atK >= 0.3, `precision at k ${atK.toFixed(3)}, chance ${chance.toFixed(3)}`);

  const dir = tempDir();
  const scan = cli(['scan', join(ROOT, 'test/fixtures/models/dos-corpus.jsonl.zst'), '--json', join(dir, 'findings.json')]);
  assert.equal(scan.code, 1, scan.stderr);
  const monitor = cli(['monitor', join(FIXTURES, 'dos-loss.jsonl.gz'), '--from-scan', join(dir, 'findings.json'), '--json', join(dir, 'monitor.json'), '--sarif', join(dir, 'monitor.sarif')]);
  assert.equal(monitor.code, 1, monitor.stderr);
  const report = JSON.parse(readFileSync(join(dir, 'monitor.json'), 'utf8')) as { anomalies: Array<{ id: string; incidents: string[] }> };
  const flaggedPoison = report.anomalies.filter((a) => poison.has(a.id));
  assert.ok(flaggedPoison.length > 0);
  assert.ok(flaggedPoison.every((a) => a.incidents.length > 0), 'every flagged poison document is in a scan incident');
  assert.ok(report.anomalies.filter((a) => !poison.has(a.id)).every((a) => a.incidents.length === 0), 'no clean document is');
  const sarif = JSON.parse(readFileSync(join(dir, 'monitor.sarif'), 'utf8'));
  assert.equal(sarif.runs[0].results.filter((r: { ruleId: string }) => r.ruleId !== 'loss-spike').length, report.anomalies.length);
});

test("the lab's run on the same corpus without poison raises nothing", async () => {
  const clean = cli(['monitor', join(FIXTURES, 'clean-loss.jsonl.gz')]);
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  assert.match(clean.stdout, /12800 loss figures, 800 steps, \d+ documents: 0 flagged, 0 batch spike\(s\)/);
});
