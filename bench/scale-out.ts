/**
 * Scale-out figures: the same input scanned by 1, 2 and 4 `antidote worker`
 * processes on this machine through a Redis queue (the coordinator in this
 * process), beside the single-process scan. Printed: wall time, each pass's
 * time, the coordinator's merge (reading and adding up partial states) and
 * its share of the scan, the partial states' size; then what those figures
 * say for 10 TB and 100 TB.
 */
import { spawn } from 'node:child_process';
import { rmSync, statSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scan, QueueExecutor, type PassTiming } from '../src/index.js';
import { startRedis } from '../scripts/servers.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const s = (ms: number) => (ms / 1000).toFixed(1);

interface Run {
  workers: number;
  shards: number;
  wallMs: number;
  timings: PassTiming[];
}

async function queueRun(file: string, url: string, workers: number, shards: number): Promise<Run> {
  const children = Array.from({ length: workers }, () => spawn(process.execPath, [CLI, 'worker', '--queue', url], { stdio: 'ignore' }));
  const workDir = mkdtempSync(join(tmpdir(), 'antidote-bench-work-'));
  const executor = new QueueExecutor({ url, workDir, shards });
  try {
    const started = Date.now();
    await scan({ inputs: [file], executor });
    return { workers, shards, wallMs: Date.now() - started, timings: executor.timings };
  } finally {
    await executor.close();
    for (const c of children) c.kill();
    rmSync(workDir, { recursive: true, force: true });
  }
}

export async function scaleOutBench(file: string, localMs: number, write: (text: string) => void): Promise<void> {
  const gb = statSync(file).size / 1e9;
  const redis = await startRedis();
  write(`## Scale-out (${(gb * 1000).toFixed(0)} MB JSONL, a Redis queue and N worker processes on this ${process.env.ANTIDOTE_BENCH_CPUS ?? '2'}-core machine; the coordinator in the same machine)\n\n`);
  write('| workers | shards | wall s | MB/s | lines / analyse / claims / count s | merge s (after the last shard) | merge share (after the last shard) | partial states MB |\n|---:|---:|---:|---:|---|---:|---:|---:|\n');
  write(`| local (2 threads) | - | ${s(localMs)} | ${(gb * 1000 / (localMs / 1000)).toFixed(1)} | | | | |\n`);
  const runs: Run[] = [];
  try {
    for (const workers of [1, 2, 4]) {
      const run = await queueRun(file, redis.url, workers, 16);
      runs.push(run);
      const pass = (name: string) => run.timings.find((t) => t.pass === name)?.wallMs ?? 0;
      const merge = run.timings.reduce((n, t) => n + t.mergeMs, 0);
      const tail = run.timings.reduce((n, t) => n + t.tailMs, 0);
      const partial = run.timings.reduce((n, t) => n + t.partialBytes, 0);
      write(`| ${workers} | ${run.shards} | ${s(run.wallMs)} | ${(gb * 1000 / (run.wallMs / 1000)).toFixed(1)} | ${['lines', 'analyse', 'claims', 'count'].map((p) => s(pass(p))).join(' / ')} | ${s(merge)} (${s(tail)}) | ${((100 * merge) / run.wallMs).toFixed(1)}% (${((100 * tail) / run.wallMs).toFixed(1)}%) | ${(partial / 1e6).toFixed(1)} |\n`);
    }
  } finally {
    redis.kill();
  }
  // what one worker does per second, what merging costs and how much it holds per GB of input
  const one = runs[0]!;
  const merge = one.timings.reduce((n, t) => n + t.mergeMs, 0) / 1000 / gb;
  const perWorker = gb / ((one.wallMs / 1000) - merge * gb);
  const partial = one.timings.reduce((n, t) => n + t.partialBytes, 0) / gb;
  write(`\nOne worker process: ${(perWorker * 1000).toFixed(1)} MB/s; merge: ${merge.toFixed(2)} s per GB of input; partial states: ${(partial / 1e6).toFixed(1)} MB per GB (${(partial * 1000 / 1e9).toFixed(1)} GB per TB).\n`);
  // the coordinator merges while shards run, but it must keep up: its merge rate bounds the whole scan, however many workers there are
  for (const tb of [10, 100]) {
    const workers = 1000;
    const workHours = (tb * 1000) / perWorker / 3600 / workers;
    const mergeHours = (tb * 1000 * merge) / 3600;
    write(`${tb} TB: 1,000 worker processes (500 two-core machines) do the shard work in about ${workHours.toFixed(1)} h; the one coordinator needs about ${mergeHours.toFixed(1)} h to merge it, so the scan takes at least ${Math.max(workHours, mergeHours).toFixed(1)} h; partial states ${((partial * tb * 1000) / 1e12).toFixed(2)} TB.\n`);
  }
  write('\n');
}
