/**
 * A SQLite traffic log written from a worker thread. better-sqlite3 writes
 * synchronously: a batch of long prompts written on the guard's own thread
 * would stall every request in flight for as long as the disk takes. The
 * guard only hands batches over; the worker owns the database.
 */
import { Worker } from 'node:worker_threads';
import type { Retention, TrafficRecord, TrafficSink } from './types.js';

type Reply = { id: number; value?: unknown; error?: string };

export class ThreadedTrafficWriter implements TrafficSink {
  private readonly worker: Worker;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly ready: Promise<unknown>;

  constructor(readonly location: string) {
    this.worker = new Worker(new URL('./thread-worker.js', import.meta.url), { workerData: { location } });
    this.worker.on('message', (m: Reply) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.error !== undefined) w?.reject(new Error(m.error));
      else w?.resolve(m.value);
    });
    this.worker.on('error', (e) => {
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    });
    this.ready = this.call('open');
  }

  private call(op: string, ...args: unknown[]): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  /** Resolves once the database is open; rejects with why it could not be. */
  opened(): Promise<unknown> {
    return this.ready;
  }

  async append(records: readonly TrafficRecord[]): Promise<void> {
    await this.call('append', records);
  }

  async prune(retention: Retention, now: Date): Promise<number> {
    return (await this.call('prune', retention, now.toISOString())) as number;
  }

  async close(): Promise<void> {
    try {
      await this.call('close');
    } finally {
      await this.worker.terminate();
    }
  }
}
