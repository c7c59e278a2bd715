/**
 * Who runs the jobs of a scan's passes: this machine's worker threads
 * (`local`), a Slurm job array per pass (`slurm`), or workers on any number
 * of machines pulling jobs from a Redis queue (`queue`). The last two share
 * a work directory with the coordinator, where each job's answers are
 * written; a rerun takes the jobs already done.
 */
export type { Executor, PassSpec, PassCallbacks, ShardRequest } from './types.js';
export { LocalExecutor } from './local.js';
export { runJob } from './task.js';
export { PassFolder, type JobResult } from './workdir.js';
export { SlurmExecutor, type SlurmOptions } from './slurm.js';
export { QueueExecutor, startQueueWorker, QUEUE_NAME, type QueueOptions, type WorkerOptions } from './queue.js';
export type { PassTiming } from './shared.js';
