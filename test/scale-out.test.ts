/**
 * A scan cut into shards and run by Slurm job arrays or a Redis queue of
 * workers gives, byte for byte, the findings and splits of the scan on this
 * machine, whatever the number of shards; and it survives what clusters do:
 * a task cancelled, a worker killed mid-shard, Redis restarted, a partial
 * state truncated, the coordinator killed and run again.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { appendFileSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from '../src/index.js';
import { CLI, cli, instructionCorpus, realCorpus, tempDir } from './helpers.js';
import { createHash } from 'node:crypto';
import { startRedis, startSlurm, type RedisServer, type Slurm } from '../scripts/servers.js';

const dir = tempDir();
let corpora: Record<'text' | 'instructions', string>;
let slurm: Slurm;
let redis: RedisServer;

/** Poison of several families, and lines a reader must report (malformed, blank, CRLF). */
async function poisoned(clean: string, families: string[], out: string): Promise<string> {
  let from = clean;
  for (const [k, family] of families.entries()) {
    const to = `${out}.${k}`;
    await inject({ family, count: 30, into: [from], out: to, seed: 40 + k });
    from = to;
  }
  writeFileSync(out, readFileSync(from));
  appendFileSync(out, '{"id": "broken", "text": "no closing brace"\n\n   \n{"id":"crlf","text":"a line ending in CR LF"}\r\n[1, 2]\n');
  return out;
}

before(async () => {
  corpora = {
    text: await poisoned(await realCorpus(), ['dos', 'false-fact', 'rag-passage', 'lang-switch'], join(dir, 'text.jsonl')),
    instructions: await poisoned(await instructionCorpus(), ['chat-compliance'], join(dir, 'instructions.jsonl')),
  };
  [slurm, redis] = await Promise.all([startSlurm(), startRedis()]);
});

interface Outcome {
  code: number;
  findings: string;
  clean: string;
  quarantine: string;
  /** the per-shard parts of --splits, concatenated in the manifest's order */
  parts?: { clean: string; quarantine: string };
  stderr: string;
}

/** Scan `corpus` with extra flags; the findings less their timings, and both splits (and the parts, unless `parts` is false). */
function scanWith(name: string, corpus: string, flags: string[], env?: NodeJS.ProcessEnv, parts = true): Promise<Outcome> {
  const out = join(dir, name);
  return new Promise((resolve) => {
    const splits = parts ? ['--splits', `${out}.parts`] : [];
    const child = spawn(process.execPath, [CLI, 'scan', corpus, '--json', `${out}.json`, '--clean', `${out}.clean`, '--quarantine', `${out}.quarantine`, ...splits, ...flags], { env: env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      let findings = '';
      try {
        const report = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
        delete report.stats.elapsedMs;
        delete report.stats.passMs;
        findings = JSON.stringify(report, null, 1);
      } catch {
        // no report: the comparison below fails and prints stderr
      }
      const read = (path: string) => {
        try {
          return readFileSync(path, 'utf8');
        } catch {
          return '';
        }
      };
      const manifest = read(join(`${out}.parts`, 'manifest.json'));
      const parts = manifest ? (JSON.parse(manifest) as { shards: Array<Record<'clean' | 'quarantine', { path: string }>> }).shards : undefined;
      const joined = (split: 'clean' | 'quarantine') => parts!.map((p) => read(p[split].path)).join('');
      resolve({ code: code ?? -1, findings, clean: read(`${out}.clean`), quarantine: read(`${out}.quarantine`), parts: parts && { clean: joined('clean'), quarantine: joined('quarantine') }, stderr });
    });
  });
}

function assertSame(actual: Outcome, expected: Outcome, what: string): void {
  assert.equal(actual.code, expected.code, `${what}: exit code (${actual.stderr})`);
  assert.ok(actual.findings.length > 0, `${what}: no report (${actual.stderr})`);
  assert.equal(actual.findings, expected.findings, `${what}: findings differ`);
  assert.ok(actual.clean === expected.clean, `${what}: clean split differs`);
  assert.ok(actual.quarantine === expected.quarantine, `${what}: quarantine split differs`);
  if (!actual.parts) return;
  assert.ok(actual.parts.clean === expected.clean, `${what}: the clean parts, concatenated, differ from the clean split`);
  assert.ok(actual.parts.quarantine === expected.quarantine, `${what}: the quarantine parts, concatenated, differ from the quarantine split`);
}

/** the outcome with its findings' count of passes left out */
function withoutPasses(outcome: Outcome): Outcome {
  if (!outcome.findings) return outcome;
  const report = JSON.parse(outcome.findings);
  delete report.stats.passes;
  return { ...outcome, findings: JSON.stringify(report, null, 1) };
}

function startWorker(lockMs = 2000): { child: ChildProcess; log: () => string } {
  const child = spawn(process.execPath, [CLI, 'worker', '--queue', redis.url, '--lock-ms', String(lockMs)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  return { child, log: () => log };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const kind of ['text', 'instructions'] as const) {
  test(`${kind}: Slurm arrays and a Redis queue with 1, 2 and 7 shards give the local scan's findings and splits, byte for byte`, async () => {
    const local = await scanWith(`${kind}-local`, corpora[kind], []);
    assert.equal(local.code, 1, `the poison is found (${local.stderr})`);
    const report = JSON.parse(local.findings);
    assert.ok(report.incidents.length >= 1 && report.stats.quarantined >= 25 && report.stats.errors === 2, `${report.incidents.length} incidents, ${report.stats.quarantined} quarantined, ${report.stats.errors} unreadable`);
    const workers = [startWorker(), startWorker()];
    try {
      for (const shards of [1, 2, 7]) {
        const flags = (executor: string) => ['--executor', executor, '--work-dir', join(dir, `${kind}-${executor}-${shards}`), '--shards', String(shards)];
        assertSame(await scanWith(`${kind}-slurm-${shards}`, corpora[kind], flags('slurm'), slurm.env), local, `slurm, ${shards} shard(s)`);
        assertSame(await scanWith(`${kind}-queue-${shards}`, corpora[kind], [...flags('queue'), '--queue', redis.url]), local, `queue, ${shards} shard(s)`);
      }
    } finally {
      for (const w of workers) w.child.kill();
    }
  });
}

test('compressed JSONL (gzip and zstd, each file decompressed whole by the worker reading it) and Parquet (cut between row groups) through Slurm and the queue give the local scan\'s findings and splits', async () => {
  const gz = join(dir, 'text.jsonl.gz');
  writeFileSync(gz, gzipSync(readFileSync(corpora.text)));
  const zst = join(dir, 'instructions.jsonl.zst');
  execFileSync('zstd', ['-q', '-f', corpora.instructions, '-o', zst]);
  // the text corpus's records (less the lines that are not JSON objects) as Parquet, in row groups of 2,048 (written by one thread: DuckDB's threads each end a row group of their own): two pieces, so two shards
  const objects = join(dir, 'objects.jsonl');
  writeFileSync(objects, readFileSync(corpora.text, 'utf8').split('\n').filter((line) => line.trimStart().startsWith('{') && line.trimEnd().endsWith('}')).join('\n') + '\n');
  const parquet = join(dir, 'text.parquet');
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const duck = await (await DuckDBInstance.create(':memory:', { threads: '1' })).connect();
  await duck.run(`COPY (SELECT * FROM read_json('${objects}', format = 'newline_delimited')) TO '${parquet}' (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
  duck.closeSync();
  const workers = [startWorker()];
  try {
    for (const [name, corpus] of [['gz', gz], ['zst', zst], ['parquet', parquet]] as const) {
      // (on this machine the main thread reads them: no parts to write, which is one pass fewer)
      const local = withoutPasses(await scanWith(`${name}-local`, corpus, [], undefined, false));
      assert.equal(local.code, 1, `the poison is found (${local.stderr})`);
      const flags = (executor: string) => ['--executor', executor, '--work-dir', join(dir, `${name}-${executor}`), '--shards', '2'];
      assertSame(withoutPasses(await scanWith(`${name}-slurm`, corpus, flags('slurm'), slurm.env)), local, `${name}, slurm`);
      assertSame(withoutPasses(await scanWith(`${name}-queue`, corpus, [...flags('queue'), '--queue', redis.url])), local, `${name}, queue`);
      if (name === 'parquet') {
        const analysed = readdirSync(join(dir, 'parquet-slurm')).find((f) => f.startsWith('analyse-'))!;
        assert.deepEqual(readdirSync(join(dir, 'parquet-slurm', analysed)).filter((f) => /^job-\d+\.part$/.test(f)).sort(), ['job-0.part', 'job-1.part'], 'two shards of rows, each read by its own task');
      }
    }
  } finally {
    for (const w of workers) w.child.kill();
  }
});

/** Wait for `ok`, polling; false after `ms`. */
async function waitFor(ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await ok()) return true;
    await sleep(50);
  }
  return false;
}

test('faults: a cancelled Slurm task is run again, a truncated partial state is refused and its shard run again, a killed coordinator resumes where it stopped', async () => {
  const local = await scanWith('faults-local', corpora.text, []);
  const work = join(dir, 'faults-slurm');
  const flags = ['--executor', 'slurm', '--work-dir', work, '--shards', '7'];
  // cancel a task of the first pass while it waits for a CPU: its shard has no result, and is submitted again
  const run = scanWith('faults-slurm', corpora.text, flags, slurm.env);
  let cancelled = '';
  assert.ok(await waitFor(() => {
    const pending = slurm.queue().find((line) => /PENDING antidote-lines/.test(line) && /_\d+$|_\d+ /.test(line.split(' ')[0]!));
    if (!pending) return false;
    cancelled = pending.split(' ')[0]!;
    return spawnSync('scancel', [cancelled], { env: slurm.env }).status === 0;
  }), 'a pending task of the lines pass to cancel');
  const first = await run;
  assertSame(first, local, `after cancelling ${cancelled}`);
  assert.match(first.stderr, /retrying 1 shard/, 'the cancelled shard was retried');

  // a partial state cut short (a node that died while writing) is refused; only that shard runs again
  const count = readdirSync(work).find((d) => d.startsWith('count-'))!;
  const part = join(work, count, 'job-3.part');
  truncateSync(part, statSync(part).size - 100);
  const others = readdirSync(join(work, count)).filter((f) => f.endsWith('.part') && f !== 'job-3.part').map((f) => [f, statSync(join(work, count, f)).mtimeMs] as const);
  const again = await scanWith('faults-slurm-2', corpora.text, flags, slurm.env);
  assertSame(again, local, 'after truncating a partial state');
  assert.match(again.stderr, /count shard 3 .*partial state refused \(truncated/);
  for (const [f, mtime] of others) assert.equal(statSync(join(work, count, f)).mtimeMs, mtime, `${f} was not run again`);

  // the coordinator killed once the first passes are done: a rerun takes them as they are
  const work2 = join(dir, 'faults-coordinator');
  const flags2 = ['--executor', 'slurm', '--work-dir', work2, '--shards', '2'];
  const child = spawn(process.execPath, [CLI, 'scan', corpora.text, '-q', ...flags2], { env: slurm.env, stdio: 'ignore' });
  const analysed = () => readdirSync(work2, { withFileTypes: true }).some((d) => d.name.startsWith('analyse-') && readdirSync(join(work2, d.name)).filter((f) => f.endsWith('.part')).length === 3);
  assert.ok(await waitFor(() => {
    try {
      return analysed();
    } catch {
      return false;
    }
  }), 'the analyse pass to finish');
  child.kill('SIGKILL');
  const analyse = readdirSync(work2).find((d) => d.startsWith('analyse-'))!;
  const done = readdirSync(join(work2, analyse)).filter((f) => f.startsWith('job-')).map((f) => [f, statSync(join(work2, analyse, f)).mtimeMs] as const);
  const resumed = await scanWith('faults-resumed', corpora.text, flags2, slurm.env);
  assertSame(resumed, local, 'after the coordinator was killed');
  for (const [f, mtime] of done) assert.equal(statSync(join(work2, analyse, f)).mtimeMs, mtime, `${f} of the analyse pass was not run again`);
});

test('faults: a queue worker killed mid-shard, and Redis restarted mid-scan, change nothing in the result', async () => {
  const local = await scanWith('queue-faults-local', corpora.text, []);
  const doomed = startWorker(1500);
  const flags = ['--executor', 'queue', '--queue', redis.url, '--shards', '7'];
  const run = scanWith('queue-killed', corpora.text, [...flags, '--work-dir', join(dir, 'queue-killed')]);
  // the only worker dies while it holds a shard; the shard goes back to the queue when its lock lapses
  assert.ok(await waitFor(() => /completed analyse shard 0/.test(doomed.log())), 'the worker to reach the analyse pass');
  doomed.child.kill('SIGKILL');
  await sleep(500);
  const rescuer = startWorker(1500);
  try {
    assertSame(await run, local, 'after a worker was killed');
    assert.match(rescuer.log(), /completed analyse shard/, 'the rescuer ran what was left of the analyse pass');
    // Redis loses every queued job; the coordinator adds them again and the worker reconnects
    const mark = rescuer.log().length;
    const restarted = scanWith('queue-restarted', corpora.text, [...flags, '--work-dir', join(dir, 'queue-restarted')]);
    assert.ok(await waitFor(() => rescuer.log().slice(mark).includes('completed lines shard')), 'the scan to start');
    redis.kill();
    await sleep(1000);
    await redis.start();
    const outcome = await restarted;
    assertSame(outcome, local, 'after Redis was restarted');
    assert.match(outcome.stderr, /unreachable/, 'the coordinator said the queue was unreachable while it was down');
  } finally {
    rescuer.child.kill();
  }
});

test('a shard that keeps failing stops the scan with the shard named, its byte range and its last error', async () => {
  const copy = join(dir, 'changing.jsonl');
  writeFileSync(copy, readFileSync(corpora.text));
  const work = join(dir, 'failing');
  const run = scanWith('failing', copy, ['--executor', 'slurm', '--work-dir', work, '--shards', '2', '--retries', '1'], slurm.env);
  // the file shrinks once its lines are counted: every later read of its second half finds other records
  assert.ok(await waitFor(() => {
    try {
      const lines = readdirSync(work).find((d) => d.startsWith('lines-'));
      return Boolean(lines) && readdirSync(join(work, lines!)).filter((f) => f.endsWith('.part') && f.startsWith('job-')).length === 2;
    } catch {
      return false;
    }
  }), 'the lines pass to finish');
  truncateSync(copy, Math.floor(statSync(copy).size * 0.75));
  const outcome = await run;
  assert.equal(outcome.code, 2, outcome.stderr);
  assert.match(outcome.stderr, /analyse shard 1 \(\S*changing\.jsonl bytes \d+-\d+\) failed 2 time\(s\): INPUT_UNREADABLE: .*changed while it was being scanned.*\[SHARD_FAILED\]/s);
});

test('--record puts the shard manifest in the ledger: every part with its records and SHA-256 (relative paths given)', async () => {
  const work = tempDir();
  assert.equal(cli(['ledger', 'init', '--origin', 'scale-out.test/ledger'], { cwd: work }).code, 0);
  const worker = startWorker();
  try {
    // every path relative: the workers run in another directory
    writeFileSync(join(work, 'corpus.jsonl'), readFileSync(corpora.text));
    const run = cli(['scan', 'corpus.jsonl', '--executor', 'queue', '--queue', redis.url, '--work-dir', 'work', '--shards', '3', '--splits', 'splits', '--record', '-q'], { cwd: work });
    assert.equal(run.code, 1, run.stderr);
  } finally {
    worker.child.kill();
  }
  const exported = cli(['ledger', 'export', '--out', 'all.jsonl'], { cwd: work });
  assert.equal(exported.code, 0, exported.stderr);
  const record = readFileSync(join(work, 'all.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((r) => r.kind === 'scan');
  const manifest = readFileSync(join(work, 'splits', 'manifest.json'));
  assert.equal(record.splits.manifest, createHash('sha256').update(manifest).digest('hex'));
  assert.equal(record.splits.parts.length, 3);
  for (const part of record.splits.parts) {
    for (const split of ['clean', 'quarantine']) assert.equal(createHash('sha256').update(readFileSync(part[split].path)).digest('hex'), part[split].sha256, `${split} part of shard ${part.shard}`);
  }
  assert.match(cli(['ledger', 'verify'], { cwd: work }).stdout, /^ok: 1 entries/);
});
