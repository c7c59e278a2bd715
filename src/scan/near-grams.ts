/**
 * The sequences standing near payload onsets, counted as the first pass's
 * results arrive: the main thread is otherwise idle then, and this is most of
 * the work of choosing candidate triggers. Each sequence keeps its documents
 * and, for its first documents, the tokens beside it, so that copies and
 * boilerplate (the same neighbours everywhere) are dropped without searching
 * any region again.
 */
import { isFunctionWord } from '../text/index.js';
import { isTrivial, variedEnough, NEIGHBOUR_SAMPLE, type MiningOptions } from './detectors/index.js';

/** the longest candidate n-gram, in tokens (`ngramsIn`'s default) */
export const MAX_N = 3;

/** tokens before a payload's estimated onset where its trigger is looked for first */
const NEAR_ONSET = 24;

/** Sequences of function words alone ("of the") are language, not triggers. */
export function isLanguage(gram: string): boolean {
  return gram.split(' ').every((w) => isFunctionWord(w.toLowerCase()));
}

interface Seen {
  docs: number[];
  /** token ids of the left and right neighbour of each of the first judged documents' first occurrence, in pairs (-1: none) */
  beside: number[];
}

/** 2^26: token ids below it; two of them make one exact number key */
const ID_SPAN = 67_108_864;

/**
 * Tokens are interned to ids and sequences keyed by numbers (a pair of ids is
 * one exact number; a third id keys a map below it): joining and hashing
 * strings for every sequence at every onset cost more than the rest of the
 * selection.
 */
export class NearGrams {
  private readonly ids = new Map<string, number>();
  private readonly tokens: string[] = [];
  private readonly ones = new Map<number, Seen>();
  private readonly twos = new Map<number, Seen>();
  private readonly threes = new Map<number, Map<number, Seen>>();
  private window = new Int32Array(64);

  private idOf(token: string): number {
    let id = this.ids.get(token);
    if (id === undefined) {
      id = this.tokens.length;
      if (id >= ID_SPAN) throw new Error('more distinct tokens near payloads than the candidate counter holds');
      this.ids.set(token, id);
      this.tokens.push(token);
    }
    return id;
  }

  /**
   * A payload document's region (tokens joined by newlines) and the payload's
   * onset in it (its end when unknown). `judged` is false for regions whose
   * neighbours say nothing (code comments, where templates repeat by nature).
   * Documents come once each.
   */
  add(index: number, region: string, onset: number | undefined, judged: boolean): void {
    let total = 1;
    for (let at = region.indexOf('\n'); at >= 0; at = region.indexOf('\n', at + 1)) total++;
    const from = Math.max(0, (onset ?? total) - NEAR_ONSET);
    // ids of the window and one token either side, read from the end of the region:
    // -1 before the start and after the end, -2 for tokens too long to count
    const n = total - from + 2;
    if (this.window.length < n) this.window = new Int32Array(2 * n);
    const w = this.window;
    w[n - 1] = -1;
    let end = region.length;
    for (let k = n - 2; k >= 0; k--) {
      if (end < 0) {
        w[k] = -1;
        continue;
      }
      const nl = region.lastIndexOf('\n', end - 1);
      const length = end - nl - 1;
      w[k] = length > 64 ? -2 : this.idOf(region.slice(nl + 1, end));
      end = nl;
    }
    const count = (seen: Seen, k: number, size: number) => {
      // met before in this document: its first occurrence counted
      if (seen.docs[seen.docs.length - 1] === index) return;
      seen.docs.push(index);
      if (judged && seen.beside.length < 2 * NEIGHBOUR_SAMPLE) seen.beside.push(w[k - 1]!, w[k + size]!);
    };
    const seenIn = <K>(map: Map<K, Seen>, key: K): Seen => {
      let seen = map.get(key);
      if (!seen) map.set(key, (seen = { docs: [], beside: [] }));
      return seen;
    };
    for (let k = 1; k < n - 1; k++) {
      const a = w[k]!;
      if (a < 0) continue;
      count(seenIn(this.ones, a), k, 1);
      const b = w[k + 1]!;
      if (k + 1 >= n - 1 || b < 0) continue;
      const pair = a * ID_SPAN + b;
      count(seenIn(this.twos, pair), k, 2);
      const c = w[k + 2]!;
      if (k + 2 >= n - 1 || c < 0) continue;
      let thirds = this.threes.get(pair);
      if (!thirds) this.threes.set(pair, (thirds = new Map()));
      count(seenIn(thirds, c), k, 3);
    }
  }

  /**
   * The sequences near at least `minSupport` onsets that could be triggers
   * (not language, not trivial, varied neighbours), with their documents in
   * document order. Empties this counter.
   */
  select(mining: MiningOptions): Map<string, number[]> {
    const out = new Map<string, number[]>();
    const name = (id: number) => (id < 0 ? '' : this.tokens[id]!);
    const consider = (gram: string, { docs, beside: pairs }: Seen) => {
      if (docs.length < mining.minSupport || isLanguage(gram) || isTrivial(gram)) return;
      const judged = pairs.length / 2;
      if (judged >= mining.minSupport) {
        const left = new Set<number>();
        const right = new Set<number>();
        for (let k = 0; k < pairs.length; k += 2) {
          left.add(pairs[k]!);
          right.add(pairs[k + 1]!);
        }
        if (!variedEnough(Math.max(left.size, right.size), judged, mining.minContextDiversity ?? 0)) return;
      }
      out.set(gram, docs.sort((a, b) => a - b));
    };
    // in the order ngramsIn makes them does not matter here: callers look candidates up by name
    for (const [a, seen] of this.ones) consider(name(a), seen);
    for (const [pair, seen] of this.twos) consider(`${name(Math.floor(pair / ID_SPAN))} ${name(pair % ID_SPAN)}`, seen);
    for (const [pair, thirds] of this.threes) {
      const head = `${name(Math.floor(pair / ID_SPAN))} ${name(pair % ID_SPAN)}`;
      for (const [c, seen] of thirds) consider(`${head} ${name(c)}`, seen);
    }
    this.ones.clear();
    this.twos.clear();
    this.threes.clear();
    this.ids.clear();
    this.tokens.length = 0;
    return out;
  }
}
