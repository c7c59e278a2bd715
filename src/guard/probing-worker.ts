/** The worker of ProbeThread: owns the probing watch, counts each batch in order, and answers with its alerts. */
import { parentPort, workerData } from 'node:worker_threads';
import { ProbeWatch, type ProbeSettings } from './probing.js';
import type { Observation } from './probing-thread.js';

const watch = new ProbeWatch(workerData as ProbeSettings);
parentPort!.on('message', (batch: Observation[]) => {
  for (const [ends, client, now] of batch) {
    const alert = watch.observe(ends, client, now);
    if (alert) parentPort!.postMessage({ alert });
  }
  parentPort!.postMessage({ counted: true });
});
