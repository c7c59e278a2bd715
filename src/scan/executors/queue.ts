/**
 * Jobs through a Redis queue (BullMQ): the coordinator adds one queue job
 * per shard and waits for the partial states in the shared work directory;
 * `antidote worker --queue URL`, on any number of machines, takes jobs and
 * runs each in a worker thread (so that its lock on the job is renewed while
 * it works). A worker killed mid-shard lets its lock lapse and the job goes
 * back to the queue; a job lost with a Redis restart is added again.
 */
import { basename } from 'node:path';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { AntidoteError } from '../../errors/index.js';
import { FolderExecutor, type FolderExecutorOptions } from './shared.js';
import type { PassFolder } from './workdir.js';

export const QUEUE_NAME = 'antidote-scan';
const POLL_MS = 250;

export interface QueueJobData {
  passDir: string;
  job: number;
}

export interface QueueOptions extends FolderExecutorOptions {
  /** redis://host:port[/db] */
  url: string;
  queueName?: string;
}

/**
 * A worker's commands wait through a reconnect (BullMQ needs that); the
 * coordinator's fail after one retry, so that it can say the queue is down.
 */
function connect(url: string, waitThroughReconnects: boolean): Redis {
  if (!/^rediss?:\/\//.test(url)) throw new AntidoteError('USAGE', `--queue expects a redis:// URL; got '${url}'`);
  return new Redis(url, { maxRetriesPerRequest: waitThroughReconnects ? null : 1 });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class QueueExecutor extends FolderExecutor {
  readonly kind = 'queue';
  private readonly connection: Redis;
  private readonly queue: Queue<QueueJobData>;
  private round = 0;

  constructor(private readonly options: QueueOptions) {
    super(options);
    this.connection = connect(options.url, false);
    // said once per outage by the polling loop, not by ioredis on every reconnect
    this.connection.on('error', () => undefined);
    this.queue = new Queue<QueueJobData>(options.queueName ?? QUEUE_NAME, { connection: this.connection });
  }

  /** Add the jobs (a job of the same id already queued, by a coordinator that was stopped, is not added twice) and wait until each has a result or has failed. */
  protected async runJobs(folder: PassFolder, jobs: number[], merge: () => void): Promise<void> {
    const round = this.round++;
    const idOf = (job: number) => `${basename(folder.dir)}-${job}-${round}`;
    const add = (list: number[]) => this.queue.addBulk(list.map((job) => ({
      name: folder.pass.name,
      data: { passDir: folder.dir, job },
      opts: { jobId: idOf(job), attempts: 1, removeOnComplete: true, removeOnFail: { age: 24 * 3600 } },
    })));
    const open = new Set(jobs);
    // jobs to add: all at first, then any the queue lost
    let unqueued = [...jobs];
    let warned = false;
    const unreachable = (e: unknown) => {
      if (!warned) this.options.log?.(`queue ${this.options.url} unreachable (${(e as Error).message}); waiting for it`);
      warned = true;
    };
    while (open.size) {
      try {
        if (unqueued.length) await add(unqueued);
        unqueued = [];
      } catch (e) {
        unreachable(e);
      }
      await sleep(POLL_MS);
      merge();
      for (const job of [...open]) {
        if (folder.resultReady(job)) {
          open.delete(job);
          continue;
        }
        try {
          const queued = await this.queue.getJob(idOf(job));
          // gone with its data (a Redis restart without persistence), or finished a moment ago: its result decides
          if (!queued && !folder.resultReady(job)) unqueued.push(job);
          else if (queued && (await queued.getState()) === 'failed') {
            if (!folder.lastError(job)) folder.writeError(job, queued.failedReason || 'the queue worker failed it');
            open.delete(job);
          }
          warned = false;
        } catch (e) {
          unreachable(e);
        }
      }
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}

export interface WorkerOptions {
  url: string;
  concurrency?: number;
  queueName?: string;
  /** how long a job's lock lasts without renewal: a killed worker's job goes back to the queue after this */
  lockMs?: number;
}

/** Take jobs until stopped; resolves with a function that stops taking them and waits for the jobs under way. */
export async function startQueueWorker(options: WorkerOptions, onEvent?: (event: string, job: Job<QueueJobData> | undefined) => void): Promise<() => Promise<void>> {
  const connection = connect(options.url, true);
  connection.on('error', () => undefined);
  const lockDuration = options.lockMs ?? 30_000;
  const worker = new Worker<QueueJobData>(options.queueName ?? QUEUE_NAME, new URL('./queue-processor.js', import.meta.url), {
    connection,
    concurrency: options.concurrency ?? 1,
    useWorkerThreads: true,
    lockDuration,
    stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
    // a shard whose workers keep dying is retried this often before it fails (the coordinator then retries it too)
    maxStalledCount: 3,
  });
  worker.on('completed', (job) => onEvent?.('completed', job));
  worker.on('failed', (job) => onEvent?.('failed', job));
  worker.on('error', () => undefined); // connection errors: ioredis reconnects
  await worker.waitUntilReady();
  return async () => {
    await worker.close();
    connection.disconnect();
  };
}
