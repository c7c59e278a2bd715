/** Worker thread entry: parses and analyses batches of documents for the pipeline. */
import { parentPort } from 'node:worker_threads';
import { analyzeDocument, matchCandidates, reportClaims, buildMatcher, type AnalyzeOptions, type DocumentResult, type GramMatcher } from './analyze.js';
import { unpackBatch, type Batch, type RecordError } from './batches.js';
import type { ReadOptions } from '../corpus/index.js';
import { packClaimKeys, type ClaimReport, type RecurringSentence } from './detectors/index.js';

/** Candidate claims to count in the counting pass: each run (lower-cased) and each claim's words */
export interface ClaimCountRequest {
  runs: string[];
  claims: Array<{ run: string; words: string[] }>;
}

export type WorkerRequest =
  | { type: 'analyze'; id: number; batch: Batch; read: ReadOptions; options: AnalyzeOptions }
  /** `sentences`: per document of the batch, its claim sentences whose band keys recur */
  | { type: 'report-claims'; id: number; batch: Batch; read: ReadOptions; maxChars: number; sentences: Array<[number, RecurringSentence[]]> }
  /** before the counting pass: the candidate triggers and claims */
  | { type: 'candidates'; id: number; candidates: string[]; claims: ClaimCountRequest }
  | { type: 'match'; id: number; batch: Batch; read: ReadOptions; maxChars: number };

export type WorkerResponse =
  /** `claimKeys`: the band keys of claim sentences, packed by `packClaimKeys` */
  | { type: 'analyzed'; id: number; results: DocumentResult[]; errors: RecordError[]; ids: Array<[number, string]>; shapes: Record<string, number>; claimKeys: Uint32Array }
  | { type: 'ready'; id: number }
  | { type: 'claims-reported'; id: number; claims: ClaimReport[]; ids: Array<[number, string]> }
  /** `claimHolding`: documents holding claim runs; `withClaim`, `templates`: per claim, documents holding its words with and without its run */
  | { type: 'matched'; id: number; hits: Array<[number, string[]]>; ids: Array<[number, string]>; claimHolding: Array<[number, string[]]>; withClaim: number[]; templates: number[] }
  | { type: 'failed'; id: number; message: string };

let candidates: GramMatcher = buildMatcher([]);
/** the claims to count; runs and claim words in one matcher, so one walk over each document finds both */
let claimCounting: { request: ClaimCountRequest; runs: Set<string>; matcher: GramMatcher } | undefined;

function claimCounter(request: ClaimCountRequest): typeof claimCounting {
  if (request.claims.length === 0) return undefined;
  return { request, runs: new Set(request.runs), matcher: buildMatcher([...request.runs, ...request.claims.flatMap((c) => c.words)], true) };
}

/** The ids of these documents, for those whose id the main thread does not know (raw JSONL records); the main thread keeps ids only of documents it has something to say about. */
function idsOf(indices: Iterable<number>, ids: ReadonlyMap<number, string>): Array<[number, string]> {
  return [...new Set(indices)].filter((i) => ids.has(i)).map((i) => [i, ids.get(i)!]);
}

function handle(request: WorkerRequest): WorkerResponse {
  switch (request.type) {
    case 'analyze': {
      const { inputs, errors, ids, shapes } = unpackBatch(request.batch, request.read);
      const results: DocumentResult[] = [];
      const claimKeys: number[] = [];
      for (const doc of inputs) {
        const r = analyzeDocument(doc, request.options, (sentences) => packClaimKeys(claimKeys, doc.index, sentences));
        if (r) results.push(r);
      }
      return { type: 'analyzed', id: request.id, results, errors, ids: idsOf(results.map((r) => r.index), ids), shapes, claimKeys: Uint32Array.from(claimKeys) };
    }
    case 'report-claims': {
      const { inputs, ids } = unpackBatch(request.batch, request.read);
      const sentences = new Map(request.sentences);
      const claims = inputs.flatMap((doc) => reportClaims(doc.index, doc.text, sentences.get(doc.index) ?? [], request.maxChars));
      return { type: 'claims-reported', id: request.id, claims, ids: idsOf(claims.map((c) => c.index), ids) };
    }
    case 'candidates':
      candidates = buildMatcher(request.candidates);
      claimCounting = claimCounter(request.claims);
      return { type: 'ready', id: request.id };
    case 'match': {
      const { inputs, ids } = unpackBatch(request.batch, request.read);
      const hits: Array<[number, string[]]> = [];
      const claimHolding: Array<[number, string[]]> = [];
      const withClaim = claimCounting?.request.claims.map(() => 0) ?? [];
      const templates = claimCounting?.request.claims.map(() => 0) ?? [];
      const matchers = claimCounting ? [candidates, claimCounting.matcher] : [candidates];
      for (const doc of inputs) {
        const [found, claimWords] = matchCandidates(doc.text, matchers, request.maxChars);
        if (found!.length) hits.push([doc.index, found!]);
        if (!claimCounting) continue;
        const words = new Set(claimWords);
        if (words.size === 0) continue;
        const held = [...words].filter((g) => claimCounting!.runs.has(g));
        if (held.length) claimHolding.push([doc.index, held]);
        claimCounting.request.claims.forEach((c, i) => {
          if (!c.words.every((w) => words.has(w))) return;
          if (words.has(c.run)) withClaim[i]!++;
          else templates[i]!++;
        });
      }
      return { type: 'matched', id: request.id, hits, claimHolding, withClaim, templates, ids: idsOf([...hits, ...claimHolding].map(([i]) => i), ids) };
    }
  }
}

parentPort!.on('message', (request: WorkerRequest) => {
  try {
    parentPort!.postMessage(handle(request));
  } catch (e) {
    parentPort!.postMessage({ type: 'failed', id: request.id, message: (e as Error).stack ?? String(e) } satisfies WorkerResponse);
  }
});
