/**
 * The trigger-probing watch in a worker thread of its own. Its counting (a
 * thousand sketch cells per long prompt, most of them cache misses) held up
 * the request thread: at concurrency 1 the next request waited for it.
 * Prompts' ends are handed over in batches, once per turn of the event loop,
 * and counted in the order they came; alerts come back.
 */
import { Worker } from 'node:worker_threads';
import { promptEnds, type ProbeAlert, type ProbeSettings, type PromptEnds } from './probing.js';

/** one prompt, as handed over: what the watch reads of it, its client, its time (ms) */
export type Observation = readonly [PromptEnds, string, number];

export class ProbeThread {
  private readonly worker: Worker;
  private batch: Observation[] = [];
  /** batches handed over and not yet counted, and who waits for none to be left */
  private pending = 0;
  private idle: Array<() => void> = [];

  constructor(settings: ProbeSettings, onAlert: (alert: ProbeAlert) => void) {
    this.worker = new Worker(new URL('./probing-worker.js', import.meta.url), { workerData: settings });
    this.worker.unref();
    this.worker.on('message', (m: { alert?: ProbeAlert; counted?: true }) => {
      if (m.alert) onAlert(m.alert);
      if (m.counted && --this.pending === 0) for (const resolve of this.idle.splice(0)) resolve();
    });
  }

  observe(prompt: string, client: string, now: number): void {
    this.batch.push([promptEnds(prompt), client, now]);
    if (this.batch.length === 1) setImmediate(() => this.flush());
  }

  /** Resolves once every prompt handed over so far has been counted (and its alert delivered). */
  settled(): Promise<void> {
    this.flush();
    return this.pending === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    this.pending++;
    this.worker.postMessage(this.batch);
    this.batch = [];
  }
}
