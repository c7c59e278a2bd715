/** A queue job, in one of the worker's threads (BullMQ loads this file). */
import type { Job } from 'bullmq';
import { runJob } from './task.js';
import type { QueueJobData } from './queue.js';

export default async function process(job: Job<QueueJobData>): Promise<void> {
  await runJob(job.data.passDir, job.data.job);
}
