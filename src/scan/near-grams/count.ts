/** The exact count of the near sequences a sketch lets through, and of the regions holding candidates anywhere. */
import { isFunctionWord } from '../../text/index.js';
import { isTrivial, variedEnough, NEIGHBOUR_SAMPLE, type MiningOptions } from '../detectors/index.js';
import { NearWindow, hashOfGram, spells } from './window.js';
import type { NearSketch } from './sketch.js';

/** Sequences of function words alone ("of the") are language, not triggers. */
export function isLanguage(gram: string): boolean {
  return gram.split(' ').every((w) => isFunctionWord(w.toLowerCase()));
}

/**
 * Sequences by hash, in an open-addressed table of entry numbers, each found
 * by its hash and checked against its text in place: the exact count meets
 * common words millions of times, and on a corpus of near copies a Map with
 * an object per sequence made the whole scan 12% slower.
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
    if (e === this.hashes.length) this.hashes = grown(this.hashes);
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

/** `a` copied into an array of its kind twice as long */
function grown<T extends Int32Array<ArrayBuffer> | Uint32Array<ArrayBuffer> | Uint8Array<ArrayBuffer>>(a: T): T {
  const bigger = new (a.constructor as new (length: number) => T)(2 * a.length);
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
      this.judged = grown(this.judged);
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
