/**
 * What the counting pass adds up over the workers' answers: the documents
 * holding each candidate trigger (every one counted, listed only up to the
 * most a trigger of its support can have), the candidates too common to look
 * for any longer, the documents whose text changes right after a candidate,
 * and the counts behind the candidate claims. Sums, and capped lists taken in
 * record order: how the corpus was cut into ranges changes nothing.
 */
import { lowestPrecision, lowestChangePrecision, type ClaimCandidate, type MiningOptions } from './detectors/index.js';
import type { WorkerResponse } from './handler.js';
import type { DocumentResult } from './analyze.js';
import type { Regions } from './candidates.js';

type Matched = Extract<WorkerResponse, { type: 'matched' }>;

/** Add `index` to the list under `key`, up to `cap` entries (more only says "too common"). */
function pushCapped(lists: Map<string, number[]>, key: string, index: number, cap: number): void {
  let list = lists.get(key);
  if (!list) lists.set(key, (list = []));
  if (list.length < cap) list.push(index);
}

function addTo(sets: Map<string, Set<number>>, key: string, index: number): void {
  const set = sets.get(key);
  if (set) set.add(index);
  else sets.set(key, new Set([index]));
}

export class CandidateCounts {
  /** the first documents holding each candidate, in record order, up to its cap */
  readonly docsWith = new Map<string, number[]>();
  /** candidates the workers no longer look for: found in more documents than a trigger of their support can be */
  readonly dead = new Set<string>();
  /** documents whose text changes right after a candidate (a judged one) */
  readonly shifted = new Map<string, number[]>();
  /** the same documents where the text after a candidate reads as the corpus's does */
  readonly ordinary = new Map<string, Set<number>>();
  /** ... and where it changes, but less than a point's test needs */
  readonly leaning = new Map<string, Set<number>>();

  /**
   * `judged`: the candidates whose payload documents share no word, for which
   * the workers look at how the text changes after them in every document holding them
   */
  constructor(private readonly support: ReadonlyMap<string, readonly number[]>, private readonly mining: MiningOptions, readonly judged: ReadonlySet<string>) {}

  /** the most documents a trigger of this candidate's support can be in (a judged one's support may grow fourfold with the documents that change after it, at a lower precision) */
  cap(gram: string): number {
    const judged = this.judged.has(gram);
    const precision = judged ? lowestChangePrecision(this.mining) : lowestPrecision(this.mining);
    return Math.min(this.mining.maxDocumentFrequency, Math.ceil(((judged ? 4 : 1) * this.support.get(gram)!.length) / precision)) + 1;
  }

  /**
   * One answer of the counting pass, taken in record order. What it says of a
   * candidate counts for the first documents holding it only, up to its cap:
   * which documents those are, and so everything the scan decides, does not
   * depend on how the corpus was cut into ranges and shards, or on when the
   * workers heard that a candidate had become too common. `regions` receives
   * those of the documents that changed after a candidate.
   */
  add(response: Matched, results: ReadonlyMap<number, DocumentResult>, regions: Regions): void {
    const taken = new Map<string, Set<number>>();
    const holdingAny = new Set<number>();
    for (const [gram, indices] of response.hits) {
      const cap = this.cap(gram);
      let list = this.docsWith.get(gram);
      if (!list) this.docsWith.set(gram, (list = []));
      const accepted = new Set<number>();
      for (const index of indices) {
        if (list.length >= cap) break;
        list.push(index);
        accepted.add(index);
        holdingAny.add(index);
      }
      taken.set(gram, accepted);
      if (list.length >= cap) this.dead.add(gram);
    }
    const isTaken = (index: number, gram: string) => taken.get(gram)?.has(index) ?? false;
    for (const [index, shingles] of response.shingles) if (holdingAny.has(index)) results.get(index)!.shingles = shingles;
    for (const [index, gram, region] of response.shifted) {
      if (!isTaken(index, gram)) continue;
      const docs = this.shifted.get(gram);
      if (docs) docs.push(index);
      else this.shifted.set(gram, [index]);
      regions.add(index, gram, region);
    }
    for (const [index, gram] of response.ordinary) if (isTaken(index, gram)) addTo(this.ordinary, gram, index);
    for (const [index, gram] of response.leaning) if (isTaken(index, gram)) addTo(this.leaning, gram, index);
  }

  /** documents holding `gram`; for one no longer counted, the count at which it stopped */
  documentFrequency(gram: string): number {
    return this.docsWith.get(gram)?.length ?? 0;
  }

  /** the same for confirming triggers: one no longer counted has too many documents to be a trigger, however many of them change after it */
  confirmingFrequency(gram: string): number {
    return this.dead.has(gram) ? Infinity : this.documentFrequency(gram);
  }
}

/** Counts for the candidate claims, summed over the batches of the counting pass: documents holding each run and each of its words, and template counts. */
export class ClaimCounter {
  readonly request: { runs: string[]; claims: Array<{ run: string; words: string[] }> };
  readonly holding = new Map<string, number[]>();
  readonly withClaim: number[];
  readonly templates: number[];

  constructor(candidates: readonly ClaimCandidate[], private readonly cap: number) {
    this.request = { runs: [...new Set(candidates.flatMap((c) => [c.run, ...c.run.split(' ')]))], claims: candidates.map((c) => ({ run: c.run, words: c.claim })) };
    this.withClaim = candidates.map(() => 0);
    this.templates = candidates.map(() => 0);
  }

  /** runs held by as many documents as are counted: too common to be a trigger, no longer looked for (their lists are complete) */
  deadRuns(): string[] {
    return [...this.holding].filter(([, docs]) => docs.length >= this.cap).map(([run]) => run);
  }

  add(response: Pick<Matched, 'claimHolding' | 'withClaim' | 'templates'>): void {
    for (const [run, indices] of response.claimHolding) for (const index of indices) pushCapped(this.holding, run, index, this.cap);
    response.withClaim.forEach((n, i) => (this.withClaim[i]! += n));
    response.templates.forEach((n, i) => (this.templates[i]! += n));
  }
}
