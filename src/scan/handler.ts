/**
 * What a scan worker does with each request, whichever process runs it: a
 * worker thread of this machine's scan, or a shard task started by Slurm or
 * taken from a queue. A handler holds what the requests before set up (the
 * word pairs, the candidates, the sketch of payload onsets).
 */
import { analyzeDocument, reportClaims, type AnalyzeOptions, type DocumentResult } from './analyze.js';
import { CandidateMatching, type CandidateSetup, type MatchedRange } from './matching.js';
import { unpackBatch, type Batch, type RecordError } from './batches.js';
import { batchOfRange, countPiece, loadRows, unloadRows, type ByteRange } from './ranges.js';
import type { Piece, PieceCounts } from './plan.js';
import { SplitParts, type PartStats } from './outputs/parts.js';
import type { DocumentVerdict } from './report.js';
import type { ReadOptions } from '../corpus/index.js';
import { isAntidoteError, type ErrorCode, type Place } from '../errors/index.js';
import { packClaimKeys, packClaimReports, type PackedClaimReports, type RecurringSentence } from './detectors/index.js';
import { WordPairIndex, type WordPairTables } from '../text/index.js';
import { NearSketch, type SparseCounts } from './near-grams/index.js';

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
  | ({ type: 'candidates'; id: number } & CandidateSetup)
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
  | { type: 'claims-reported'; id: number; claims: PackedClaimReports; ids: Ids }
  /** the counting pass's answer for a range (`MatchedRange`) */
  | ({ type: 'matched'; id: number; ids: Ids } & Omit<MatchedRange, 'holding'>)
  | { type: 'failed'; id: number; message: string; code?: ErrorCode };

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
  let pairs: WordPairIndex | undefined;
  /** the sequences near payload onsets in the documents this worker analysed (made on the first region) */
  let nearSketch: NearSketch | undefined;

  /** the counting pass's candidates, once set up */
  let matching: CandidateMatching | undefined;
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
        return { type: 'claims-reported', id: request.id, claims: packClaimReports(claims), ids: idsOf(claims.map((c) => c.index), ids) };
      }
      case 'candidates':
        matching = new CandidateMatching(request);
        return { type: 'ready', id: request.id };
      case 'match': {
        if (!matching) throw new Error('a match request came before the candidates were set up');
        const { holding, ids, ...matched } = matching.match(batchOf(request.batch), request, pairs);
        return { type: 'matched', id: request.id, ...matched, ids: idsOf(holding, ids) };
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
