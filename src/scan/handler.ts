/**
 * What a scan worker does with each request, whichever process runs it: a
 * worker thread of this machine's scan, or a shard task started by Slurm or
 * taken from a queue. A handler holds what the requests before set up (the
 * word pairs, the candidates, the sketch of payload onsets).
 */
import { analyzeDocument, matchCandidates, judgeAfter, reportClaims, buildMatcher, type AnalyzeOptions, type DocumentResult, type GramMatcher } from './analyze.js';
import { unpackBatch, type Batch, type RecordError } from './batches.js';
import { batchOfRange, countPiece, loadRows, unloadRows, type ByteRange } from './ranges.js';
import type { Piece, PieceCounts } from './plan.js';
import { SplitParts, type PartStats } from './outputs/parts.js';
import type { DocumentVerdict } from './report.js';
import type { ReadOptions } from '../corpus/index.js';
import { isAntidoteError, type ErrorCode, type Place } from '../errors/index.js';
import { buildLineFilter, type LineFilter } from './line-filter.js';
import { packClaimKeys, type ClaimReport, type RecurringSentence } from './detectors/index.js';
import { shingleHashes } from './near-duplicates/index.js';
import { WordPairIndex, type WordPairTables } from '../text/index.js';
import { NearSketch, type SparseCounts } from './near-grams/index.js';

/** Candidate claims to count in the counting pass: each run (lower-cased) and each claim's words */
export interface ClaimCountRequest {
  runs: string[];
  claims: Array<{ run: string; words: string[] }>;
}

export type WorkerRequest =
  /** before the first pass: which words the corpus puts together */
  | { type: 'pairs'; id: number; tables: WordPairTables }
  /** a piece's lines and records, which number the records of the pieces after it */
  | { type: 'lines'; id: number; piece: Piece }
  | { type: 'analyze'; id: number; batch: Batch | ByteRange; read: ReadOptions; options: AnalyzeOptions }
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
  /** the range's records into its shard's clean and quarantine parts; `first`: the shard's first range, which creates them */
  | { type: 'split'; id: number; batch: ByteRange; quarantined: Array<[number, DocumentVerdict]>; clean: string; quarantine: string; first: boolean }
  /** `dead`: candidates the other workers' counts together made too common to look for; `deadRuns` the same for claim runs (a claim whose run is that common is no trigger's) */
  | { type: 'match'; id: number; batch: Batch | ByteRange; read: ReadOptions; maxChars: number; regionTokens: number; dead: string[]; deadRuns: string[] };

/** ids of documents the main thread keeps, and where each is */
type Ids = Array<[number, string, Place]>;

export type WorkerResponse =
  /** `claimKeys`: the band keys of claim sentences, packed by `packClaimKeys` */
  | { type: 'analyzed'; id: number; results: DocumentResult[]; errors: RecordError[]; ids: Ids; shapes: Record<string, number>; claimKeys: Uint32Array }
  | { type: 'ready'; id: number }
  | { type: 'split'; id: number; clean: PartStats; quarantine: PartStats }
  | ({ type: 'lines'; id: number } & PieceCounts)
  /** `sparse` instead of `counts` where it was read from a shard's partial state */
  | { type: 'near-sketch'; id: number; counts: Uint8Array; sparse?: SparseCounts }
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

/**
 * The candidates still looked for. One found in as many documents as its cap
 * (as the main thread sums the answers so far, in record order) is too
 * common to be a trigger: it is dropped from
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

/**
 * Documents per gram in one request of the counting pass, at most its cap: a
 * gram in more documents than a trigger may be is common, and which
 * documents hold it no longer matters (a clean corpus has candidates such as
 * "The" that most documents hold).
 */
function cappedPostings(capOf: (gram: string) => number): { add: (gram: string, index: number) => void; postings: Map<string, number[]> } {
  const postings = new Map<string, number[]>();
  const add = (gram: string, index: number) => {
    let list = postings.get(gram);
    if (!list) postings.set(gram, (list = []));
    if (list.length < capOf(gram)) list.push(index);
  };
  return { add, postings };
}

function lineFilterFor(grams: readonly string[], claims: ClaimCountRequest): LineFilter | undefined {
  return buildLineFilter([
    ...grams.map((gram) => ({ all: [gram], caseless: false })),
    ...claims.runs.map((run) => ({ all: [run], caseless: true })),
    ...claims.claims.map((c) => ({ all: c.words, caseless: true })),
  ]);
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

/** Counting for the claims whose run is among `alive` (all by default); none when no claim is left. */
function claimCounter(request: ClaimCountRequest, alive: ReadonlySet<string> = new Set(request.runs)): ClaimCounting | undefined {
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

/** The ids of these documents, for those whose id the main thread does not know (raw JSONL records); the main thread keeps ids only of documents it has something to say about. */
function idsOf(indices: Iterable<number>, ids: ReadonlyMap<number, [string, Place]>): Ids {
  return [...new Set(indices)].filter((i) => ids.has(i)).map((i) => [i, ...ids.get(i)!]);
}

/** The batch itself, or the records of a range read from its file. */
function batchOf(source: Batch | ByteRange, keep?: (index: number) => boolean): Batch {
  return 'path' in source ? batchOfRange(source, keep) : source;
}

/** A handler with nothing set up yet. */
export function createHandler(): (request: WorkerRequest) => WorkerResponse {
  let candidates: GramMatcher = buildMatcher([]);
  let pairs: WordPairIndex | undefined;
  /** the sequences near payload onsets in the documents this worker analysed (made on the first region) */
  let nearSketch: NearSketch | undefined;

  let live = new LiveCandidates([]);
  let liveRuns = new LiveCandidates([]);
  let claimRequest: ClaimCountRequest = { runs: [], claims: [] };
  let shingleDocs = new Set<number>();
  let judged = new Set<string>();

  let triggerCap: (gram: string) => number = () => 0;
  let claimCap = 0;
  let claimCounting: ClaimCounting | undefined;
  /** records that can hold a candidate trigger or claim; undefined: all */
  let lineFilter: LineFilter | undefined;
  const parts = new SplitParts();

  return function handle(request: WorkerRequest): WorkerResponse {
    switch (request.type) {
      case 'pairs':
        pairs = new WordPairIndex(request.tables);
        return { type: 'ready', id: request.id };
      case 'split':
        return { type: 'split', id: request.id, ...parts.write(request.batch, new Map(request.quarantined), request, request.first) };
      case 'lines':
        return { type: 'lines', id: request.id, ...countPiece(request.piece) };
      case 'analyze': {
        const { inputs, errors, ids, shapes } = unpackBatch(batchOf(request.batch), request.read);
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
        liveRuns = new LiveCandidates(request.claims.runs);
        claimRequest = request.claims;
        claimCounting = claimCounter(request.claims);
        triggerCap = (gram) => caps.get(gram)!;
        claimCap = request.cap;
        lineFilter = lineFilterFor(request.candidates, request.claims);
        shingleDocs = new Set(request.shingleDocs);
        judged = new Set(request.judged);
        return { type: 'ready', id: request.id };
      }
      case 'match': {
        live.drop(request.dead);
        liveRuns.drop(request.deadRuns);
        if (live.stale() || liveRuns.stale()) {
          const alive = live.alive();
          candidates = buildMatcher(alive);
          claimCounting = claimCounter(claimRequest, new Set(liveRuns.alive()));
          lineFilter = lineFilterFor(alive, claimCounting?.live ?? { runs: [], claims: [] });
        }
        const { inputs, ids } = unpackBatch(batchOf(request.batch), request.read, lineFilter);
        // capped per request: what a request reports depends on its records only, not on what the same worker read before
        const hits = cappedPostings(triggerCap);
        const claimHolding = cappedPostings(() => claimCap);
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
          for (const gram of found!) hits.add(gram, doc.index);
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
  };
}

/**
 * The request's answer, or what failed as an answer (the caller turns it back
 * into an error). Rows of a Parquet file that the request reads are read
 * first.
 */
export async function answer(handle: (request: WorkerRequest) => WorkerResponse, request: WorkerRequest): Promise<WorkerResponse> {
  try {
    const piece = request.type === 'lines' ? request.piece : 'batch' in request && 'path' in request.batch ? request.batch : undefined;
    if (piece) await loadRows(piece);
    return handle(request);
  } catch (e) {
    const failure = isAntidoteError(e) ? { message: e.message, code: e.code } : { message: (e as Error).stack ?? String(e) };
    return { type: 'failed', id: request.id, ...failure };
  } finally {
    unloadRows();
  }
}
