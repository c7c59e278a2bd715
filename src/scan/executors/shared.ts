/**
 * A pass through the work directory, for executors whose jobs run in other
 * processes: write the pass, start the jobs with no good result yet, wait,
 * look again, retry, then hand every job's result on, in job order, each
 * read once. A shard that still has no result after its retries stops the
 * scan with the shard named and its last error.
 */
import { statSync } from 'node:fs';
import { AntidoteError } from '../../errors/index.js';
import { PassFolder } from './workdir.js';
import type { PassCallbacks, PassSpec } from './types.js';

/** How a pass went: its wall time, the coordinator's share of it (reading and adding up the partial states), and their size on disk. */
export interface PassTiming {
  pass: string;
  shards: number;
  wallMs: number;
  mergeMs: number;
  partialBytes: number;
}

export interface FolderRunOptions {
  workDir: string;
  /** how many more times a failed job is started */
  retries: number;
  /** start these jobs and resolve once each has ended, well or not */
  runJobs: (folder: PassFolder, jobs: number[]) => Promise<void>;
  /** say something to the person waiting (a refused partial state, a retry) */
  log?: (message: string) => void;
}

export async function runInFolder(pass: PassSpec, { onJob, onFinish }: PassCallbacks, options: FolderRunOptions): Promise<PassTiming> {
  const started = Date.now();
  const folder = PassFolder.create(options.workDir, pass);
  const done = new Set<number>();
  pass.jobs.forEach((requests, job) => {
    if (requests.length === 0) done.add(job);
  });
  const why = new Map<number, string>();
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    for (let job = 0; job < pass.jobs.length; job++) {
      if (done.has(job)) continue;
      const read = folder.readResult(job);
      if ('body' in read) done.add(job);
      else if (read.refused !== 'missing') {
        options.log?.(`${pass.name} shard ${job} (${pass.labels[job]}): partial state refused (${read.refused}); running it again`);
        why.set(job, `its partial state was refused: ${read.refused}`);
      }
    }
    const pending = pass.jobs.map((_, job) => job).filter((job) => !done.has(job));
    if (pending.length === 0) break;
    if (attempt > 0) options.log?.(`${pass.name}: retrying ${pending.length} shard(s), attempt ${attempt + 1} of ${options.retries + 1}`);
    await options.runJobs(folder, pending);
    for (const job of pending) {
      if ('body' in folder.readResult(job)) done.add(job);
      else why.set(job, folder.lastError(job)?.trim() || why.get(job) || `no result was written; see ${folder.logPath(job)}`);
    }
  }
  const failed = pass.jobs.map((_, job) => job).filter((job) => !done.has(job));
  if (failed.length) {
    const job = failed[0]!;
    throw new AntidoteError('SHARD_FAILED', `${pass.name} shard ${job} (${pass.labels[job]}) failed ${options.retries + 1} time(s)${failed.length > 1 ? ` (and ${failed.length - 1} more shard(s))` : ''}: ${why.get(job)}; work directory ${folder.dir}`, { file: pass.labels[job]!.split(' bytes ')[0]! });
  }
  const merging = Date.now();
  let partialBytes = 0;
  for (let job = 0; job < pass.jobs.length; job++) {
    if (pass.jobs[job]!.length === 0) {
      onJob(job, []);
      continue;
    }
    const read = folder.readResult(job);
    if (!('body' in read)) throw new AntidoteError('SHARD_FAILED', `${pass.name} shard ${job} (${pass.labels[job]}): its partial state changed after it was checked (${read.refused}); work directory ${folder.dir}`, { file: folder.resultPath(job) });
    partialBytes += statSync(folder.resultPath(job)).size;
    onJob(job, read.body.responses);
    onFinish(read.body.finish);
  }
  const timing = { pass: pass.name, shards: pass.jobs.length, wallMs: Date.now() - started, mergeMs: Date.now() - merging, partialBytes };
  options.log?.(`${pass.name}: ${timing.shards} shard(s) in ${(timing.wallMs / 1000).toFixed(1)} s, of which merging ${(timing.mergeMs / 1000).toFixed(2)} s; partial states ${(partialBytes / 1e6).toFixed(1)} MB`);
  return timing;
}
