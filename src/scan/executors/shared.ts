/**
 * A pass through the work directory, for executors whose jobs run in other
 * processes: write the pass, start the jobs with no result yet, merge the
 * results in job order as they come in (each read once), retry the jobs
 * with none. A shard that still has no result after its retries stops the
 * scan with the shard named and its last error.
 */
import { AntidoteError } from '../../errors/index.js';
import { PassFolder } from './workdir.js';
import type { Executor, PassCallbacks, PassSpec } from './types.js';

/** How a pass went: its wall time, the coordinator's work in it (reading and adding up the partial states, mostly while jobs still run), and their size on disk. */
export interface PassTiming {
  pass: string;
  shards: number;
  wallMs: number;
  mergeMs: number;
  /** the part of the merge that came after the last job had ended: what merging added to the wall time */
  tailMs: number;
  partialBytes: number;
}

export interface FolderRunOptions {
  workDir: string;
  /** how many more times a failed job is started */
  retries: number;
  /** start these jobs and resolve once each has ended, well or not; call `merge` while waiting, to take the results already in */
  runJobs: (folder: PassFolder, jobs: number[], merge: () => void) => Promise<void>;
  /** say something to the person waiting (a refused partial state, a retry) */
  log?: (message: string) => void;
}

export async function runInFolder(pass: PassSpec, { onJob, onFinish }: PassCallbacks, options: FolderRunOptions): Promise<PassTiming> {
  const started = Date.now();
  const folder = PassFolder.create(options.workDir, pass);
  const jobs = pass.jobs.map((_, job) => job);
  const why = new Map<number, string>();
  // jobs merge in order, each as soon as it and those before it are in, while later ones still run
  let next = 0;
  let mergeMs = 0;
  let partialBytes = 0;
  const merge = () => {
    const from = Date.now();
    for (; next < pass.jobs.length; next++) {
      if (pass.jobs[next]!.length === 0) {
        onJob(next, []);
        continue;
      }
      if (!folder.resultReady(next)) break;
      const read = folder.readResult(next);
      if (!('body' in read)) {
        options.log?.(`${pass.name} shard ${next} (${pass.labels[next]}): partial state refused (${read.refused}); running it again`);
        why.set(next, `its partial state was refused: ${read.refused}`);
        folder.setAside(next);
        break;
      }
      partialBytes += read.bytes;
      onJob(next, read.body.responses);
      onFinish(read.body.finish);
    }
    mergeMs += Date.now() - from;
  };
  const waiting = () => jobs.filter((job) => job >= next && pass.jobs[job]!.length > 0 && !folder.resultReady(job));
  for (let attempt = 0; attempt <= options.retries; attempt++) {
    merge();
    const pending = waiting();
    if (pending.length === 0) break;
    if (attempt > 0) options.log?.(`${pass.name}: retrying ${pending.length} shard(s), attempt ${attempt + 1} of ${options.retries + 1}`);
    await options.runJobs(folder, pending, merge);
    for (const job of pending) if (!folder.resultReady(job)) why.set(job, folder.lastError(job)?.trim() || why.get(job) || `no result was written; see ${folder.logPath(job)}`);
  }
  const jobsEnded = Date.now();
  merge();
  if (next < pass.jobs.length) {
    const failed = waiting();
    throw new AntidoteError('SHARD_FAILED', `${pass.name} shard ${next} (${pass.labels[next]}) failed ${options.retries + 1} time(s)${failed.length > 1 ? ` (and ${failed.length - 1} more shard(s))` : ''}: ${why.get(next)}; work directory ${folder.dir}`, { file: pass.labels[next]!.split(/ (?:bytes|rows) /)[0]! });
  }
  const timing = { pass: pass.name, shards: pass.jobs.length, wallMs: Date.now() - started, mergeMs, tailMs: Date.now() - jobsEnded, partialBytes };
  options.log?.(`${pass.name}: ${timing.shards} shard(s) in ${(timing.wallMs / 1000).toFixed(1)} s; merging took ${(timing.mergeMs / 1000).toFixed(2)} s, ${(timing.tailMs / 1000).toFixed(2)} s of it after the last shard; partial states ${(partialBytes / 1e6).toFixed(1)} MB`);
  return timing;
}

/** What the executors whose jobs run in other processes, through the work directory, all take. */
export interface FolderExecutorOptions {
  workDir: string;
  /** shards per pass */
  shards: number;
  /** how many more times a failed shard is run (default 2) */
  retries?: number;
  log?: (message: string) => void;
}

/** Such an executor: it says how to run a list of a pass's jobs; `runInFolder` does the rest. */
export abstract class FolderExecutor implements Executor {
  abstract readonly kind: string;
  /** how each pass went, in order */
  readonly timings: PassTiming[] = [];

  constructor(private readonly folderOptions: FolderExecutorOptions) {}

  get parallelism(): number {
    return this.folderOptions.shards;
  }

  async run(pass: PassSpec, callbacks: PassCallbacks): Promise<void> {
    const { workDir, retries, log } = this.folderOptions;
    this.timings.push(await runInFolder(pass, callbacks, { workDir, retries: retries ?? 2, log, runJobs: (folder, jobs, merge) => this.runJobs(folder, jobs, merge) }));
  }

  /** start these jobs and resolve once each has ended, well or not; call `merge` while waiting */
  protected abstract runJobs(folder: PassFolder, jobs: number[], merge: () => void): Promise<void>;

  abstract close(): Promise<void>;
}
