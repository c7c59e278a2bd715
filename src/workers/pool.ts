/**
 * A small pool of worker threads with typed messages. Requests go to the
 * least busy worker; `submit` resolves with that request's response. Every
 * message carries an `id`; a response of type 'failed' rejects.
 */
import { Worker } from 'node:worker_threads';
import { AntidoteError, type ErrorCode } from '../errors/index.js';

/** A request before the pool numbers it (Omit distributed over the union). */
export type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Message {
  id: number;
  type: string;
}

type Pending<Res> = { resolve: (r: Res) => void; reject: (e: Error) => void };

/** The error a 'failed' response stands for: it carries `code` when the worker met a user's problem (an input that changed), not a bug. */
export function failureOf(response: { code?: ErrorCode; message?: string }): Error {
  return response.code ? new AntidoteError(response.code, response.message ?? '') : new Error(`worker failed: ${response.message}`);
}

export class WorkerPool<WorkerRequest extends Message, WorkerResponse extends Message & { message?: string; code?: ErrorCode }> {
  private readonly workers: Worker[] = [];
  private readonly load: number[] = [];
  private readonly pending = new Map<number, Pending<WorkerResponse> & { worker: number }>();
  private nextId = 1;

  /** `script`: the worker's module, answering each request with one response of the same id. */
  constructor(script: URL, size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(script);
      worker.on('message', (response: WorkerResponse) => {
        const p = this.pending.get(response.id);
        if (!p) return;
        this.pending.delete(response.id);
        this.load[p.worker]!--;
        if (response.type === 'failed') p.reject(failureOf(response));
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
  broadcast<T extends WorkerResponse>(request: Unnumbered<WorkerRequest>): Promise<T[]> {
    return Promise.all(this.workers.map((_, i) => this.send<T>(i, request)));
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
