/**
 * The guard's traffic log, off the request path: records wait in memory and
 * are written in batches every second; the retention policy is applied at
 * start and every ten minutes. When the store falls behind, at most
 * `maxPending` records and `maxPendingChars` characters of prompts and
 * answers wait, and newer ones are dropped and counted, rather than the
 * guard's memory growing or its requests waiting on the disk.
 */
import type { Retention, TrafficRecord, TrafficSink } from './types.js';

export interface TrafficLogOptions {
  /** applied at start and every `pruneMs`, when the sink prunes */
  retention?: Retention;
  flushMs?: number;
  pruneMs?: number;
  maxPending?: number;
  maxPendingChars?: number;
  /** a write or prune that failed (the records stay pending until maxPending) */
  onError?: (error: Error) => void;
  now?: () => Date;
}

export class TrafficLog {
  private pending: TrafficRecord[] = [];
  private pendingChars = 0;
  private writing: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[];
  /** records dropped because the store fell behind */
  dropped = 0;

  constructor(readonly store: TrafficSink, private readonly options: TrafficLogOptions) {
    const flush = setInterval(() => void this.flush(), options.flushMs ?? 1000);
    const prune = setInterval(() => void this.prune(), options.pruneMs ?? 600_000);
    this.timers = [flush, prune];
    for (const t of this.timers) t.unref();
    void this.prune();
  }

  record(r: TrafficRecord): void {
    const chars = charsOf(r);
    if (this.pending.length >= (this.options.maxPending ?? 10_000) || this.pendingChars + chars > (this.options.maxPendingChars ?? 16 << 20)) {
      this.dropped++;
      return;
    }
    this.pending.push(r);
    this.pendingChars += chars;
  }

  /** Write what waits; resolves once it is written (one write at a time). */
  flush(): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (this.pending.length === 0) return;
      const batch = this.pending;
      this.pending = [];
      this.pendingChars = 0;
      try {
        await this.store.append(batch);
      } catch (e) {
        // kept for the next try, oldest first, within the bounds
        const waiting = this.pending;
        this.pending = [];
        this.pendingChars = 0;
        for (const r of [...batch, ...waiting]) this.record(r);
        this.options.onError?.(e as Error);
      }
    });
    return this.writing;
  }

  private prune(): Promise<void> {
    this.writing = this.writing.then(async () => {
      try {
        if (this.options.retention) await this.store.prune?.(this.options.retention, (this.options.now ?? (() => new Date()))());
      } catch (e) {
        this.options.onError?.(e as Error);
      }
    });
    return this.writing;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.flush();
    await this.store.close();
  }
}

function charsOf(r: TrafficRecord): number {
  return (r.prompt?.length ?? 0) + (r.response?.length ?? 0);
}
