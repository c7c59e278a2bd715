/**
 * The sequences standing near payload onsets, the main source of candidate
 * triggers. Counted in two steps, so that the cost and memory of the count do
 * not grow with the number of documents that have a finding:
 *
 * - as the first pass goes, each worker adds every document's near sequences
 *   to a fixed-size sketch (`NearSketch`: saturating counts in hashed slots,
 *   two rows); sketches merge by adding, in any order;
 * - after it, the regions are walked once more and only the sequences the
 *   merged sketch says may be near `minSupport` onsets are counted exactly
 *   (`countNearGrams`). A sketch never counts a sequence low, so nothing that
 *   reaches the support is lost; what it counts high is dropped by the exact
 *   count.
 */
import { isFunctionWord } from '../text/index.js';
import { isTrivial, variedEnough, NEIGHBOUR_SAMPLE, type MiningOptions } from './detectors/index.js';

/** the longest candidate n-gram, in tokens (`ngramsIn`'s default) */
export const MAX_N = 3;

/** tokens before a payload's estimated onset where its trigger is looked for first */
const NEAR_ONSET = 24;

/** tokens longer than this are never part of a candidate */
const LONGEST_TOKEN = 64;

/** Sequences of function words alone ("of the") are language, not triggers. */
export function isLanguage(gram: string): boolean {
  return gram.split(' ').every((w) => isFunctionWord(w.toLowerCase()));
}

/**
 * The tokens near a region's onset and one either side, read from the end of
 * the region (tokens joined by newlines): `start`/`end` of each in the region,
 * `hash` of each as written; `ok` is 0 outside the region and for tokens too
 * long to count. Reused from one region to the next.
 */
class NearWindow {
  n = 0;
  start = new Int32Array(64);
  end = new Int32Array(64);
  hash = new Int32Array(64);
  ok = new Uint8Array(64);

  /** the tokens from `NEAR_ONSET` before `onset` (the region's end when unknown) to the region's end; `all`: every token */
  read(region: string, onset: number | undefined, all = false): void {
    let total = 1;
    for (let at = region.indexOf('\n'); at >= 0; at = region.indexOf('\n', at + 1)) total++;
    const from = all ? 0 : Math.max(0, (onset ?? total) - NEAR_ONSET);
    const n = (this.n = total - from + 2);
    if (this.ok.length < n) {
      this.start = new Int32Array(2 * n);
      this.end = new Int32Array(2 * n);
      this.hash = new Int32Array(2 * n);
      this.ok = new Uint8Array(2 * n);
    }
    this.ok[n - 1] = 0;
    let end = region.length;
    for (let k = n - 2; k >= 0; k--) {
      if (end < 0) {
        this.ok[k] = 0;
        continue;
      }
      const nl = region.lastIndexOf('\n', end - 1);
      this.start[k] = nl + 1;
      this.end[k] = end;
      this.ok[k] = end - nl - 1 <= LONGEST_TOKEN ? 1 : 0;
      let h = 0x811c9dc5 | 0;
      for (let i = nl + 1; i < end; i++) h = Math.imul(h ^ region.charCodeAt(i), 0x01000193);
      this.hash[k] = h;
      end = nl;
    }
  }

  /** how many tokens long the sequence at `k` can be (0 to MAX_N): it stops at the window's edges */
  longest(k: number): number {
    let size = 0;
    while (size < MAX_N && k + size < this.n - 1 && this.ok[k + size]) size++;
    return size;
  }

  /** the hash of the token at `k` as a neighbour: 0 outside the region or too long */
  neighbour(k: number): number {
    return k > 0 && k < this.n - 1 && this.ok[k] ? this.hash[k]! : 0;
  }

  /** one number for the sequence of `size` tokens at `k` */
  gramHash(k: number, size: number): number {
    return combine(this.hash, k, size);
  }
}

/** The hash of the sequence of `size` token hashes at `k`. */
function combine(tokens: Int32Array, k: number, size: number): number {
  let h = Math.imul(tokens[k]! ^ 0x27d4eb2d, 0x9e3779b1);
  for (let j = 1; j < size; j++) h = Math.imul(h ^ (h >>> 15) ^ tokens[k + j]!, 0x85ebca6b);
  h = Math.imul(h ^ size ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** `NearWindow.gramHash` of a sequence given as text (tokens joined by spaces). */
function hashOfGram(gram: string): number {
  const tokens = gram.split(' ');
  const hashes = new Int32Array(tokens.length);
  tokens.forEach((t, i) => {
    let h = 0x811c9dc5 | 0;
    for (let c = 0; c < t.length; c++) h = Math.imul(h ^ t.charCodeAt(c), 0x01000193);
    hashes[i] = h;
  });
  return combine(hashes, 0, tokens.length);
}

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

  /** the most documents that can hold the sequence hashed to `h` */
  bound(h: number): number {
    return Math.min(this.counts[h & (SLOTS - 1)]!, this.counts[SLOTS + secondSlot(h)]!);
  }
}

/** Whether `gram` is the region's text [from, to), its newlines read as spaces: asked without making the string. */
function spells(gram: string, region: string, from: number, to: number): boolean {
  if (gram.length !== to - from) return false;
  for (let i = 0; i < gram.length; i++) {
    const c = region.charCodeAt(from + i);
    if ((c === 10 ? 32 : c) !== gram.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Sequences by hash, in an open-addressed table of entry numbers, each found
 * by its hash and checked against its text in place: the exact count meets
 * common words millions of times, and a Map of objects costs ten times this.
 */
class GramTable {
  private slots = new Int32Array(1 << 16);
  private hashes = new Uint32Array(1 << 15);
  readonly grams: string[] = [];

  /** the entry of the region's text [from, to) hashed to `h`, or -1 */
  find(h: number, region: string, from: number, to: number): number {
    const mask = this.slots.length - 1;
    for (let slot = h & mask; this.slots[slot] !== 0; slot = (slot + 1) & mask) {
      const e = this.slots[slot]! - 1;
      if (this.hashes[e] === h && spells(this.grams[e]!, region, from, to)) return e;
    }
    return -1;
  }

  /** a new entry for `gram` hashed to `h` (not in the table yet) */
  add(h: number, gram: string): number {
    const e = this.grams.length;
    if (2 * (e + 1) > this.slots.length) this.grow();
    if (e === this.hashes.length) {
      const bigger = new Uint32Array(2 * e);
      bigger.set(this.hashes);
      this.hashes = bigger;
    }
    this.hashes[e] = h;
    this.grams.push(gram);
    this.place(e);
    return e;
  }

  private place(e: number): void {
    const mask = this.slots.length - 1;
    let slot = this.hashes[e]! & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = e + 1;
  }

  private grow(): void {
    this.slots = new Int32Array(2 * this.slots.length);
    for (let e = 0; e < this.grams.length; e++) this.place(e);
  }
}

function grown(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(2 * a.length);
  bigger.set(a);
  return bigger;
}

/** Documents of the counted sequences, with the hashes of their neighbours there, as linked lists in typed arrays. */
class Postings {
  size = 0;
  doc = new Int32Array(1 << 16);
  left = new Int32Array(1 << 16);
  right = new Int32Array(1 << 16);
  next = new Int32Array(1 << 16);
  judged = new Uint8Array(1 << 16);

  add(doc: number, left: number, right: number, judged: boolean): number {
    if (this.size === this.doc.length) {
      [this.doc, this.left, this.right, this.next] = [this.doc, this.left, this.right, this.next].map((a) => grown(a));
      const judgedBigger = new Uint8Array(2 * this.size);
      judgedBigger.set(this.judged);
      this.judged = judgedBigger;
    }
    const p = this.size++;
    this.doc[p] = doc;
    this.left[p] = left;
    this.right[p] = right;
    this.judged[p] = judged ? 1 : 0;
    this.next[p] = -1;
    return p;
  }

  link(from: number, to: number): void {
    this.next[from] = to;
  }
}

export interface NearRegion {
  index: number;
  region: string;
  onset?: number;
  /** false for regions whose neighbours say nothing (code comments, where templates repeat by nature) */
  judged: boolean;
}

/**
 * The sequences near at least `minSupport` onsets that could be triggers (not
 * language, not trivial, varied neighbours), with their documents in document
 * order; only those `sketch` lets through are counted. `regions` in document
 * order, each document once.
 */
export function countNearGrams(regions: Iterable<NearRegion>, sketch: NearSketch, mining: MiningOptions): Map<string, number[]> {
  const table = new GramTable();
  // per entry: its documents and their neighbours' hashes, as a list through a pool of postings (no array per entry: a corpus of near copies has hundreds of thousands of entries)
  const postings = new Postings();
  let count = new Int32Array(1 << 15);
  let head = new Int32Array(1 << 15);
  let tail = new Int32Array(1 << 15);
  let lastDoc = new Int32Array(1 << 15);
  const w = new NearWindow();
  for (const { index, region, onset, judged } of regions) {
    w.read(region, onset);
    for (let k = 1; k < w.n - 1; k++) {
      const longest = w.longest(k);
      for (let size = 1; size <= longest; size++) {
        const h = w.gramHash(k, size);
        const from = w.start[k]!;
        const to = w.end[k + size - 1]!;
        let e = table.find(h, region, from, to);
        if (e < 0) {
          // the sketch is asked only of sequences not met yet: most are met again
          if (sketch.bound(h) < mining.minSupport) continue;
          const gram = region.slice(from, to).replaceAll('\n', ' ');
          e = table.add(h, gram);
          if (e === count.length) [count, head, tail, lastDoc] = [count, head, tail, lastDoc].map((a) => grown(a));
          // language and trivial sequences cannot be triggers whatever their count: never counted
          count[e] = isLanguage(gram) || isTrivial(gram) ? -1 : 0;
          lastDoc[e] = -1;
        }
        // met before in this document: its first occurrence counted
        if (count[e]! < 0 || lastDoc[e] === index) continue;
        lastDoc[e] = index;
        const p = postings.add(index, judged ? w.neighbour(k - 1) : 0, judged ? w.neighbour(k + size) : 0, judged);
        if (count[e]++ === 0) head[e] = p;
        else postings.link(tail[e]!, p);
        tail[e] = p;
      }
    }
  }
  const out = new Map<string, number[]>();
  for (let e = 0; e < table.grams.length; e++) {
    if (count[e]! < mining.minSupport) continue;
    const docs: number[] = [];
    const left = new Set<number>();
    const right = new Set<number>();
    let judged = 0;
    for (let p = head[e]!; p >= 0; p = postings.next[p]!) {
      docs.push(postings.doc[p]!);
      if (postings.judged[p] && judged < NEIGHBOUR_SAMPLE) {
        judged++;
        left.add(postings.left[p]!);
        right.add(postings.right[p]!);
      }
    }
    if (judged >= mining.minSupport && !variedEnough(Math.max(left.size, right.size), judged, mining.minContextDiversity ?? 0)) continue;
    out.set(table.grams[e]!, docs);
  }
  return out;
}

/**
 * How many regions hold each of `grams` anywhere, near their onset or not: a
 * sequence held in more regions than it stands near a payload in is that much
 * less likely a trigger. One walk over the regions' text, the sequences found
 * by hash and checked in place.
 */
export function regionsHolding(regions: Iterable<string>, grams: Iterable<string>): Map<string, number> {
  const table = new GramTable();
  for (const gram of grams) table.add(hashOfGram(gram), gram);
  const held = new Int32Array(table.grams.length);
  const last = new Int32Array(table.grams.length).fill(-1);
  const w = new NearWindow();
  let r = 0;
  for (const region of regions) {
    w.read(region, undefined, true);
    for (let k = 1; k < w.n - 1; k++) {
      const longest = w.longest(k);
      for (let size = 1; size <= longest; size++) {
        const e = table.find(w.gramHash(k, size), region, w.start[k]!, w.end[k + size - 1]!);
        if (e < 0 || last[e] === r) continue;
        last[e] = r;
        held[e]!++;
      }
    }
    r++;
  }
  return new Map(table.grams.map((g, e) => [g, held[e]!]));
}
