/** A region's tokens near its payload onset, hashed without making strings: shared by the sketch and the exact count. */
import { fnv1a } from '../../text/index.js';

/** the longest candidate n-gram, in tokens (`ngramsIn`'s default) */
export const MAX_N = 3;

/** tokens before a payload's estimated onset where its trigger is looked for first */
const NEAR_ONSET = 24;

/** tokens longer than this are never part of a candidate */
const LONGEST_TOKEN = 64;

/**
 * The tokens near a region's onset and one either side, read from the end of
 * the region (tokens joined by newlines): `start`/`end` of each in the region,
 * `hash` of each as written; `ok` is 0 outside the region and for tokens too
 * long to count. Reused from one region to the next.
 */
export class NearWindow {
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
      this.hash[k] = fnv1a(region, nl + 1, end);
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
export function hashOfGram(gram: string): number {
  const hashes = Int32Array.from(gram.split(' '), (t) => fnv1a(t));
  return combine(hashes, 0, hashes.length);
}

/** Whether `gram` is the region's text [from, to), its newlines read as spaces: asked without making the string. */
export function spells(gram: string, region: string, from: number, to: number): boolean {
  if (gram.length !== to - from) return false;
  for (let i = 0; i < gram.length; i++) {
    const c = region.charCodeAt(from + i);
    if ((c === 10 ? 32 : c) !== gram.charCodeAt(i)) return false;
  }
  return true;
}
