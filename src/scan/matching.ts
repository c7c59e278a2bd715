/**
 * The counting pass in a worker: which documents of a range hold each
 * candidate trigger and claim, and how the text changes after the judged
 * candidates. A candidate the main thread found in as many documents as its
 * cap (summing the answers so far, in record order) is too common to be a
 * trigger: it is dropped from the matcher and the line filter, so that
 * common candidates (a technical term, a function word of a language the
 * lists lack) stop costing the pass anything.
 */
import { matchCandidates, judgeAfter, buildMatcher, type GramMatcher } from './analyze.js';
import { unpackBatch, type Batch } from './batches.js';
import { buildLineFilter, type LineFilter } from './line-filter/index.js';
import { shingleHashes } from './near-duplicates/index.js';
import type { WordPairIndex } from '../text/index.js';
import type { ReadOptions } from '../corpus/index.js';
import type { Place } from '../errors/index.js';

/** Candidate claims to count in the counting pass: each run (lower-cased) and each claim's words */
export interface ClaimCountRequest {
  runs: string[];
  claims: Array<{ run: string; words: string[] }>;
}

/** What the main thread sets up before the counting pass (see the `candidates` request). */
export interface CandidateSetup {
  candidates: string[];
  caps: number[];
  judged: string[];
  claims: ClaimCountRequest;
  cap: number;
  shingleDocs: number[];
}

/** One range's answer of the counting pass (the `matched` response, less its id and the ids of its documents). */
export interface MatchedRange {
  /** documents holding each candidate */
  hits: Array<[string, number[]]>;
  /** documents holding each claim run */
  claimHolding: Array<[string, number[]]>;
  /** per claim, documents holding its words with its run, and without it */
  withClaim: number[];
  templates: number[];
  shingles: Array<[number, Uint32Array]>;
  /** documents whose text changes right after a candidate (judged ones only): [document, candidate, region] */
  shifted: Array<[number, string, string]>;
  /** the same documents where the text after a candidate reads as the corpus's does: [document, candidate] */
  ordinary: Array<[number, string]>;
  /** the same documents where the text after a candidate changes, but less than a point's test needs: [document, candidate] */
  leaning: Array<[number, string]>;
  /** the documents the answer names, for their ids */
  holding: number[];
}

/** The candidates still looked for, and when the matcher is worth building again without the dead ones. */
class LiveCandidates {
  private readonly dead = new Set<string>();
  private deadWhenBuilt = 0;

  constructor(private readonly grams: readonly string[]) {}

  drop(grams: Iterable<string>): void {
    for (const g of grams) this.dead.add(g);
  }

  /** whether enough died since the matcher was built to build it again (a build costs about what a few megabytes of matching do) */
  stale(): boolean {
    const died = this.dead.size - this.deadWhenBuilt;
    return died > 0 && (died * 16 >= this.grams.length - this.deadWhenBuilt || this.grams.length - this.dead.size <= 64);
  }

  alive(): string[] {
    this.deadWhenBuilt = this.dead.size;
    return this.grams.filter((g) => !this.dead.has(g));
  }
}

/** Documents per gram in one range, at most its cap (more only says "too common"). */
class CappedPostings {
  readonly postings = new Map<string, number[]>();
  constructor(private readonly capOf: (gram: string) => number) {}

  /** whether the document was listed (the gram's list was not full yet) */
  add(gram: string, index: number): boolean {
    let list = this.postings.get(gram);
    if (!list) this.postings.set(gram, (list = []));
    if (list.length >= this.capOf(gram)) return false;
    list.push(index);
    return true;
  }
}

/** the claims to count; runs and claim words in one matcher, so one walk over each document finds both */
interface ClaimCounting {
  /** every claim (counts are answered by its index here) */
  request: ClaimCountRequest;
  /** the runs still counted, and the claims whose run is one of them */
  live: ClaimCountRequest;
  runs: Set<string>;
  matcher: GramMatcher;
  byFirstWord: Map<string, number[]>;
}

/** Counting for the claims whose run is among `alive`; none when no claim is left. */
function claimCounter(request: ClaimCountRequest, alive: ReadonlySet<string>): ClaimCounting | undefined {
  const claims = request.claims.map((c, i) => ({ c, i })).filter(({ c }) => alive.has(c.run));
  if (claims.length === 0) return undefined;
  // the runs of those claims and their words, less those already too common (their counts are complete)
  const runs = [...new Set(claims.flatMap(({ c }) => [c.run, ...c.run.split(' ')]))].filter((r) => alive.has(r));
  // a document is checked only against the claims whose first word it holds
  const byFirstWord = new Map<string, number[]>();
  for (const { c, i } of claims) {
    const list = byFirstWord.get(c.words[0]!);
    if (list) list.push(i);
    else byFirstWord.set(c.words[0]!, [i]);
  }
  const live = { runs, claims: claims.map(({ c }) => c) };
  return { request, live, runs: new Set(runs), matcher: buildMatcher([...runs, ...live.claims.flatMap((c) => c.words)], true), byFirstWord };
}

/** What the counting pass matches with: the live candidates, and the matchers and line filter built from them. */
class Matchers {
  candidates!: GramMatcher;
  claims?: ClaimCounting;
  /** records that can hold a candidate trigger or claim; undefined: all */
  lineFilter?: LineFilter;

  constructor(private readonly live: LiveCandidates, private readonly liveRuns: LiveCandidates, private readonly claimRequest: ClaimCountRequest) {
    this.build();
  }

  /** drop these candidates and runs; the matchers are built again when enough died */
  drop(dead: Iterable<string>, deadRuns: Iterable<string>): void {
    this.live.drop(dead);
    this.liveRuns.drop(deadRuns);
    if (this.live.stale() || this.liveRuns.stale()) this.build();
  }

  private build(): void {
    const alive = this.live.alive();
    this.candidates = buildMatcher(alive);
    this.claims = claimCounter(this.claimRequest, new Set(this.liveRuns.alive()));
    const claims = this.claims?.live ?? { runs: [], claims: [] };
    this.lineFilter = buildLineFilter([
      ...alive.map((gram) => ({ all: [gram], caseless: false })),
      ...claims.runs.map((run) => ({ all: [run], caseless: true })),
      ...claims.claims.map((c) => ({ all: c.words, caseless: true })),
    ]);
  }
}

/** The counting pass's state in one worker: the candidates set up, less those the main thread said are too common. */
export class CandidateMatching {
  private readonly matchers: Matchers;
  private readonly caps: Map<string, number>;
  private readonly judged: Set<string>;
  private readonly shingleDocs: Set<number>;

  constructor(private readonly setup: CandidateSetup) {
    this.caps = new Map(setup.candidates.map((g, i) => [g, setup.caps[i]!]));
    this.judged = new Set(setup.judged);
    this.shingleDocs = new Set(setup.shingleDocs);
    this.matchers = new Matchers(new LiveCandidates(setup.candidates), new LiveCandidates(setup.claims.runs), setup.claims);
  }

  /**
   * One range's answer, capped per range: what it reports depends on its
   * records and on the candidates the main thread said were dead, not on what
   * the same worker read before (a queue worker may take a later range first).
   */
  match(batch: Batch, request: { read: ReadOptions; maxChars: number; regionTokens: number; dead: string[]; deadRuns: string[] }, pairs: WordPairIndex | undefined): MatchedRange & { ids: Map<number, [string, Place]> } {
    const m = this.matchers;
    m.drop(request.dead, request.deadRuns);
    const hits = new CappedPostings((gram) => this.caps.get(gram)!);
    const claimHolding = new CappedPostings(() => this.setup.cap);
    const withClaim = this.setup.claims.claims.map(() => 0);
    const templates = this.setup.claims.claims.map(() => 0);
    const out = { shingles: [] as MatchedRange['shingles'], shifted: [] as MatchedRange['shifted'], ordinary: [] as MatchedRange['ordinary'], leaning: [] as MatchedRange['leaning'] };
    const { inputs, ids } = unpackBatch(batch, request.read, m.lineFilter);
    for (const doc of inputs) {
      const offsets = new Map<string, number>();
      const [found, claimWords] = matchCandidates(doc.text, m.claims ? [m.candidates, m.claims.matcher] : [m.candidates], request.maxChars, offsets);
      // the main thread takes each candidate's first documents only, up to its cap: a document past the cap of every candidate it holds (in this range already) is neither shingled nor judged
      const listed = found!.filter((gram) => hits.add(gram, doc.index));
      if (listed.length && this.shingleDocs.has(doc.index)) out.shingles.push([doc.index, shingleHashes(doc.text.slice(0, request.maxChars))]);
      // (a document whose payload the first pass saw elsewhere is judged too: a page of a multilingual corpus switches language, and still holds an ordinary phrase in its ordinary place)
      const judged = listed.filter((g) => this.judged.has(g));
      if (judged.length) {
        for (const gram of offsets.keys()) if (!judged.includes(gram)) offsets.delete(gram);
        const judgement = judgeAfter(doc.text, offsets, request, pairs);
        for (const s of judgement.shifted) out.shifted.push([doc.index, s.gram, s.region]);
        for (const gram of judgement.ordinary) out.ordinary.push([doc.index, gram]);
        for (const gram of judgement.leaning) out.leaning.push([doc.index, gram]);
      }
      if (!m.claims || !claimWords!.length) continue;
      const words = new Set(claimWords);
      for (const word of words) if (m.claims.runs.has(word)) claimHolding.add(word, doc.index);
      for (const word of words) {
        for (const i of m.claims.byFirstWord.get(word) ?? []) {
          const c = m.claims.request.claims[i]!;
          if (!c.words.every((w) => words.has(w))) continue;
          if (words.has(c.run)) withClaim[i]!++;
          else templates[i]!++;
        }
      }
    }
    const holding = [...hits.postings.values(), ...claimHolding.postings.values()].flat();
    return { hits: [...hits.postings], claimHolding: [...claimHolding.postings], withClaim, templates, ...out, holding, ids };
  }
}
