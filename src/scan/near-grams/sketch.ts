import { MAX_N, NearWindow } from './window.js';

/** slots per sketch row: 2^24, so that even a corpus whose every document has a finding leaves few unrelated sequences colliding up to the support */
const SLOT_BITS = 24;
const SLOTS = 1 << SLOT_BITS;

function secondSlot(h: number): number {
  const x = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (x ^ (x >>> 15)) & (SLOTS - 1);
}

/**
 * How many documents hold each near sequence, at most: two rows of 2^24
 * saturating byte counts (32 MiB), one slot per row for each sequence. A
 * document adds one to the slots of its distinct sequences.
 */
export class NearSketch {
  readonly counts: Uint8Array;
  private readonly window = new NearWindow();
  private hashes = new Uint32Array(256);

  constructor(counts?: Uint8Array) {
    this.counts = counts ?? new Uint8Array(2 * SLOTS);
  }

  /** a document's region (tokens joined by newlines) and the payload's onset in it (its end when unknown) */
  add(region: string, onset: number | undefined): void {
    const w = this.window;
    w.read(region, onset);
    if (this.hashes.length < w.n * MAX_N) this.hashes = new Uint32Array(2 * w.n * MAX_N);
    let m = 0;
    for (let k = 1; k < w.n - 1; k++) {
      const longest = w.longest(k);
      for (let size = 1; size <= longest; size++) this.hashes[m++] = w.gramHash(k, size);
    }
    const distinct = this.hashes.subarray(0, m).sort();
    const counts = this.counts;
    for (let i = 0; i < m; i++) {
      const h = distinct[i]!;
      if (i > 0 && distinct[i - 1] === h) continue;
      const a = h & (SLOTS - 1);
      const b = SLOTS + secondSlot(h);
      if (counts[a]! < 255) counts[a]!++;
      if (counts[b]! < 255) counts[b]!++;
    }
  }

  /** Add another sketch's counts to this one's. */
  merge(other: Uint8Array): void {
    const counts = this.counts;
    for (let i = 0; i < counts.length; i++) {
      const sum = counts[i]! + other[i]!;
      counts[i] = sum > 255 ? 255 : sum;
    }
  }

  /** Add counts given as `sparseCounts` gives them. */
  mergeSparse({ slots, values }: SparseCounts): void {
    const counts = this.counts;
    for (let i = 0; i < slots.length; i++) {
      const sum = counts[slots[i]!]! + values[i]!;
      counts[slots[i]!] = sum > 255 ? 255 : sum;
    }
  }

  /** the most documents that can hold the sequence hashed to `h` */
  bound(h: number): number {
    return Math.min(this.counts[h & (SLOTS - 1)]!, this.counts[SLOTS + secondSlot(h)]!);
  }
}

/** The slots that hold a count, and their counts. */
export interface SparseCounts {
  slots: Uint32Array;
  values: Uint8Array;
}

/**
 * A shard's sketch as its non-zero slots: what a shard's partial state
 * carries, since a shard's sketch is mostly empty and the coordinator reads
 * and adds one per shard.
 */
export function sparseCounts(counts: Uint8Array): SparseCounts {
  let n = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i]) n++;
  const slots = new Uint32Array(n);
  const values = new Uint8Array(n);
  for (let i = 0, k = 0; i < counts.length; i++) {
    if (!counts[i]) continue;
    slots[k] = i;
    values[k++] = counts[i]!;
  }
  return { slots, values };
}
