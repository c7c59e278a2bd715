/**
 * A small pool of worker threads with typed messages. Requests go to the
 * least busy worker; `submit` resolves with that request's response.
 */
import { Worker } from 'node:worker_threads';
import type { WorkerRequest, WorkerResponse } from './worker.js';

/** A request before the pool numbers it (Omit distributed over the union). */
export type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;

type Pending = { resolve: (r: WorkerResponse) => void; reject: (e: Error) => void };

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly load: number[] = [];
  private readonly pending = new Map<number, Pending & { worker: number }>();
  private nextId = 1;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('./worker.js', import.meta.url));
      worker.on('message', (response: WorkerResponse) => {
        const p = this.pending.get(response.id);
        if (!p) return;
        this.pending.delete(response.id);
        this.load[p.worker]!--;
        if (response.type === 'failed') p.reject(new Error(`worker failed: ${response.message}`));
        else p.resolve(response);
      });
      worker.on('error', (e) => {
        for (const [id, p] of this.pending) {
          if (p.worker !== i) continue;
          this.pending.delete(id);
          p.reject(e);
        }
      });
      this.workers.push(worker);
      this.load.push(0);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** requests sent and not yet answered */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Send to the least busy worker; `transfer` buffers move instead of being copied. */
  submit<T extends WorkerResponse>(request: Unnumbered<WorkerRequest>, transfer: ArrayBuffer[] = []): Promise<T> {
    let target = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.load[i]! < this.load[target]!) target = i;
    return this.send<T>(target, request, transfer);
  }

  /** the same request to every worker (configuration) */
  broadcast(request: Unnumbered<WorkerRequest>): Promise<WorkerResponse[]> {
    return Promise.all(this.workers.map((_, i) => this.send(i, request)));
  }

  private send<T extends WorkerResponse>(target: number, request: Unnumbered<WorkerRequest>, transfer: ArrayBuffer[] = []): Promise<T> {
    const id = this.nextId++;
    this.load[target]!++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: WorkerResponse) => void, reject, worker: target });
      this.workers[target]!.postMessage({ ...request, id }, transfer);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
