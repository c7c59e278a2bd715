/** Worker thread entry: parses and analyses batches of documents for the pipeline. */
import { parentPort } from 'node:worker_threads';
import { analyzeDocument, matchCandidates, judgeAfter, reportClaims, buildMatcher, type AnalyzeOptions, type DocumentResult, type GramMatcher } from './analyze.js';
import { unpackBatch, type Batch, type RecordError } from './batches.js';
import { batchOfRange, type ByteRange } from './ranges.js';
import type { ReadOptions } from '../corpus/index.js';
import { isAntidoteError, type ErrorCode, type Place } from '../errors/index.js';
import { buildLineFilter, type LineFilter } from './line-filter.js';
import { packClaimKeys, type ClaimReport, type RecurringSentence } from './detectors/index.js';
import { shingleHashes } from './near-duplicates/index.js';
import { WordPairIndex, type WordPairTables } from '../text/index.js';
import { NearSketch } from './near-grams/index.js';

/** Candidate claims to count in the counting pass: each run (lower-cased) and each claim's words */
export interface ClaimCountRequest {
  runs: string[];
  claims: Array<{ run: string; words: string[] }>;
}

export type WorkerRequest =
  /** before the first pass: which words the corpus puts together */
  | { type: 'pairs'; id: number; tables: WordPairTables }
  | { type: 'analyze'; id: number; batch: Batch; read: ReadOptions; options: AnalyzeOptions }
  /** after the first pass: this worker's sketch of the sequences near payload onsets (the worker starts a new one) */
  | { type: 'near-sketch'; id: number }
  /** `sentences`: per document of the batch, its claim sentences whose band keys recur; a range is read for those documents only */
  | { type: 'report-claims'; id: number; batch: Batch | ByteRange; read: ReadOptions; maxChars: number; sentences: Array<[number, RecurringSentence[]]> }
  /**
   * before the counting pass: the candidate triggers and claims; `caps`, per
   * candidate, how many documents make it too common to be a trigger (it is
   * then no longer reported or looked for), and `cap` the same for every claim
   * run; `judged`, the candidates after which the text of every document
   * holding them is compared with the text before; `shingleDocs`, documents
   * whose shingles the counting pass works out when they hold a candidate (the
   * first pass leaves them out: most documents with a finding are in no incident)
   */
  | { type: 'candidates'; id: number; candidates: string[]; caps: number[]; judged: string[]; claims: ClaimCountRequest; cap: number; shingleDocs: number[] }
  /** `dead`: candidates the other workers' counts together made too common to look for */
  | { type: 'match'; id: number; batch: Batch | ByteRange; read: ReadOptions; maxChars: number; regionTokens: number; dead: string[] };

/** ids of documents the main thread keeps, and where each is */
type Ids = Array<[number, string, Place]>;

export type WorkerResponse =
  /** `claimKeys`: the band keys of claim sentences, packed by `packClaimKeys` */
  | { type: 'analyzed'; id: number; results: DocumentResult[]; errors: RecordError[]; ids: Ids; shapes: Record<string, number>; claimKeys: Uint32Array }
  | { type: 'ready'; id: number }
  | { type: 'near-sketch'; id: number; counts: Uint8Array }
  | { type: 'claims-reported'; id: number; claims: ClaimReport[]; ids: Ids }
  /** `hits`: documents holding each candidate; `claimHolding`: documents holding each claim run; `withClaim`, `templates`: per claim, documents holding its words with and without its run */
  | { type: 'matched'; id: number; hits: Array<[string, number[]]>; ids: Ids; claimHolding: Array<[string, number[]]>; withClaim: number[]; templates: number[]; shingles: Array<[number, Uint32Array]>;
      /** documents whose text changes right after a candidate (judged ones only): [document, candidate, region] */
      shifted: Array<[number, string, string]>;
      /** the same documents where the text after a candidate reads as the corpus's does: [document, candidate] */
      ordinary: Array<[number, string]>;
      /** the same documents where the text after a candidate changes, but less than a point's test needs: [document, candidate] */
      leaning: Array<[number, string]> }
  | { type: 'failed'; id: number; message: string; code?: ErrorCode };

let candidates: GramMatcher = buildMatcher([]);
let pairs: WordPairIndex | undefined;
/** the sequences near payload onsets in the documents this worker analysed (made on the first region) */
let nearSketch: NearSketch | undefined;

/**
 * The candidates still looked for. One found in as many documents as its cap
 * (by this worker alone, as its postings say, or by all of them as the main
 * thread sums their counts) is too common to be a trigger: it is dropped from
 * the matcher and the line filter, so that common candidates (a technical
 * term, a function word of a language the lists lack) stop costing the pass
 * anything.
 */
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
let live = new LiveCandidates([]);
let shingleDocs = new Set<number>();
let judged = new Set<string>();

/**
 * Documents per gram for the counting pass, at most its cap over the
 * whole pass: a gram in more documents than a trigger may be is common, and
 * which documents hold it no longer matters (a clean corpus has candidates
 * such as "The" that most documents hold).
 */
class CappedPostings {
  private readonly reported = new Map<string, number>();

  constructor(private readonly capOf: (gram: string) => number) {}

  /** whether `gram` has been reported as often as its cap */
  full(gram: string): boolean {
    return (this.reported.get(gram) ?? 0) >= this.capOf(gram);
  }

  /** This batch's postings, each document added with `add`. */
  batch(): { add: (gram: string, index: number) => void; postings: Map<string, number[]> } {
    const postings = new Map<string, number[]>();
    const add = (gram: string, index: number) => {
      const n = this.reported.get(gram) ?? 0;
      if (n >= this.capOf(gram)) return;
      this.reported.set(gram, n + 1);
      let list = postings.get(gram);
      if (!list) postings.set(gram, (list = []));
      list.push(index);
    };
    return { add, postings };
  }
}
let triggerPostings = new CappedPostings(() => 0);
let claimPostings = new CappedPostings(() => 0);
/** the claims to count; runs and claim words in one matcher, so one walk over each document finds both */
let claimCounting: { request: ClaimCountRequest; runs: Set<string>; matcher: GramMatcher; byFirstWord: Map<string, number[]> } | undefined;
/** records that can hold a candidate trigger or claim; undefined: all */
let lineFilter: LineFilter | undefined;

function lineFilterFor(grams: readonly string[], claims: ClaimCountRequest): LineFilter | undefined {
  return buildLineFilter([
    ...grams.map((gram) => ({ all: [gram], caseless: false })),
    ...claims.runs.map((run) => ({ all: [run], caseless: true })),
    ...claims.claims.map((c) => ({ all: c.words, caseless: true })),
  ]);
}

function claimCounter(request: ClaimCountRequest): typeof claimCounting {
  if (request.claims.length === 0) return undefined;
  // a document is checked only against the claims whose first word it holds
  const byFirstWord = new Map<string, number[]>();
  request.claims.forEach((c, i) => {
    const list = byFirstWord.get(c.words[0]!);
    if (list) list.push(i);
    else byFirstWord.set(c.words[0]!, [i]);
  });
  return { request, runs: new Set(request.runs), matcher: buildMatcher([...request.runs, ...request.claims.flatMap((c) => c.words)], true), byFirstWord };
}

/** The ids of these documents, for those whose id the main thread does not know (raw JSONL records); the main thread keeps ids only of documents it has something to say about. */
function idsOf(indices: Iterable<number>, ids: ReadonlyMap<number, [string, Place]>): Ids {
  return [...new Set(indices)].filter((i) => ids.has(i)).map((i) => [i, ...ids.get(i)!]);
}

/** The batch itself, or the records of a range read from its file. */
function batchOf(source: Batch | ByteRange, keep?: (index: number) => boolean): Batch {
  return 'path' in source ? batchOfRange(source, keep) : source;
}

function handle(request: WorkerRequest): WorkerResponse {
  switch (request.type) {
    case 'pairs':
      pairs = new WordPairIndex(request.tables);
      return { type: 'ready', id: request.id };
    case 'analyze': {
      const { inputs, errors, ids, shapes } = unpackBatch(request.batch, request.read);
      const results: DocumentResult[] = [];
      const claimKeys: number[] = [];
      const mineTriggers = request.options.detectors.includes('trigger-mining');
      for (const doc of inputs) {
        const r = analyzeDocument(doc, request.options, (sentences) => packClaimKeys(claimKeys, doc.index, sentences), pairs);
        if (!r) continue;
        results.push(r);
        if (r.region && mineTriggers) (nearSketch ??= new NearSketch()).add(r.region, r.onset);
      }
      return { type: 'analyzed', id: request.id, results, errors, ids: idsOf(results.map((r) => r.index), ids), shapes, claimKeys: Uint32Array.from(claimKeys) };
    }
    case 'near-sketch': {
      const counts = nearSketch?.counts ?? new Uint8Array(0);
      nearSketch = undefined;
      return { type: 'near-sketch', id: request.id, counts };
    }
    case 'report-claims': {
      const sentences = new Map(request.sentences);
      const { inputs, ids } = unpackBatch(batchOf(request.batch, (i) => sentences.has(i)), request.read);
      const claims = inputs.flatMap((doc) => reportClaims(doc.index, doc.text, sentences.get(doc.index) ?? [], request.maxChars));
      return { type: 'claims-reported', id: request.id, claims, ids: idsOf(claims.map((c) => c.index), ids) };
    }
    case 'candidates': {
      const caps = new Map(request.candidates.map((g, i) => [g, request.caps[i]!]));
      candidates = buildMatcher(request.candidates);
      live = new LiveCandidates(request.candidates);
      claimCounting = claimCounter(request.claims);
      triggerPostings = new CappedPostings((gram) => caps.get(gram)!);
      claimPostings = new CappedPostings(() => request.cap);
      lineFilter = lineFilterFor(request.candidates, request.claims);
      shingleDocs = new Set(request.shingleDocs);
      judged = new Set(request.judged);
      return { type: 'ready', id: request.id };
    }
    case 'match': {
      live.drop(request.dead);
      if (live.stale()) {
        const alive = live.alive();
        candidates = buildMatcher(alive);
        lineFilter = lineFilterFor(alive, claimCounting?.request ?? { runs: [], claims: [] });
      }
      const { inputs, ids } = unpackBatch(batchOf(request.batch), request.read, lineFilter);
      const hits = triggerPostings.batch();
      const claimHolding = claimPostings.batch();
      const withClaim = claimCounting?.request.claims.map(() => 0) ?? [];
      const templates = claimCounting?.request.claims.map(() => 0) ?? [];
      const matchers = claimCounting ? [candidates, claimCounting.matcher] : [candidates];
      const shingles: Array<[number, Uint32Array]> = [];
      const shifted: Array<[number, string, string]> = [];
      const ordinary: Array<[number, string]> = [];
      const leaning: Array<[number, string]> = [];
      for (const doc of inputs) {
        const offsets = new Map<string, number>();
        const [found, claimWords] = matchCandidates(doc.text, matchers, request.maxChars, offsets);
        for (const gram of found!) {
          hits.add(gram, doc.index);
          if (triggerPostings.full(gram)) live.drop([gram]);
        }
        if (found!.length && shingleDocs.has(doc.index)) shingles.push([doc.index, shingleHashes(doc.text.slice(0, request.maxChars))]);
        // (a document whose payload the first pass saw elsewhere is judged too: a page of a multilingual corpus switches language, and still holds an ordinary phrase in its ordinary place)
        if (found!.some((g) => judged.has(g))) {
          for (const gram of offsets.keys()) if (!judged.has(gram)) offsets.delete(gram);
          const judgement = judgeAfter(doc.text, offsets, request, pairs);
          for (const s of judgement.shifted) shifted.push([doc.index, s.gram, s.region]);
          for (const gram of judgement.ordinary) ordinary.push([doc.index, gram]);
          for (const gram of judgement.leaning) leaning.push([doc.index, gram]);
        }
        if (!claimCounting) continue;
        const words = new Set(claimWords);
        if (words.size === 0) continue;
        for (const word of words) if (claimCounting.runs.has(word)) claimHolding.add(word, doc.index);
        for (const word of words) {
          for (const i of claimCounting.byFirstWord.get(word) ?? []) {
            const c = claimCounting.request.claims[i]!;
            if (!c.words.every((w) => words.has(w))) continue;
            if (words.has(c.run)) withClaim[i]!++;
            else templates[i]!++;
          }
        }
      }
      const holding = [...hits.postings.values(), ...claimHolding.postings.values()].flat();
      return { type: 'matched', id: request.id, hits: [...hits.postings], claimHolding: [...claimHolding.postings], withClaim, templates, ids: idsOf(holding, ids), shingles, shifted, ordinary, leaning };
    }
  }
}

parentPort!.on('message', (request: WorkerRequest) => {
  try {
    const response = handle(request);
    // the sketch is large and no longer needed here: moved, not copied
    parentPort!.postMessage(response, response.type === 'near-sketch' ? [response.counts.buffer as ArrayBuffer] : []);
  } catch (e) {
    const failure = isAntidoteError(e) ? { message: e.message, code: e.code } : { message: (e as Error).stack ?? String(e) };
    parentPort!.postMessage({ type: 'failed', id: request.id, ...failure } satisfies WorkerResponse);
  }
});
