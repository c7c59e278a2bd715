/** Jobs run by this machine's worker threads, two requests per worker at a time (a worker never waits, and a slow range holds up no other). */
import { WorkerPool } from '../../workers/index.js';
import type { WorkerRequest, WorkerResponse } from '../handler.js';
import type { Executor, PassCallbacks, PassSpec } from './types.js';

export class LocalExecutor implements Executor {
  readonly kind = 'local';
  readonly pool: WorkerPool<WorkerRequest, WorkerResponse>;

  constructor(workers: number) {
    this.pool = new WorkerPool<WorkerRequest, WorkerResponse>(new URL('../worker.js', import.meta.url), workers);
  }

  get parallelism(): number {
    return this.pool.size;
  }

  async run(pass: PassSpec, { onJob, onFinish }: PassCallbacks): Promise<void> {
    for (const request of pass.setup) await this.pool.broadcast(request);
    // each request of each job, in job order; a job's answers are handed on once all are in
    const requests = pass.jobs.flatMap((job, j) => job.map((request, k) => ({ job: j, k, request })));
    const answers = pass.jobs.map((job) => new Array<WorkerResponse>(job.length));
    const waiting = pass.jobs.map((job) => job.length);
    pass.jobs.forEach((job, j) => {
      if (job.length === 0) onJob(j, []);
    });
    let next = 0;
    await Promise.all(Array.from({ length: this.pool.size * 2 }, async () => {
      while (next < requests.length) {
        const { job, k, request } = requests[next++]!;
        answers[job]![k] = await this.pool.submit(pass.refresh ? pass.refresh(request) : request);
        if (--waiting[job]! === 0) onJob(job, answers[job]!);
      }
    }));
    for (const request of pass.finish) onFinish(await this.pool.broadcast(request));
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
