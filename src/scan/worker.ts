/** Worker thread entry: parses and analyses batches of documents for the pipeline. */
import { parentPort } from 'node:worker_threads';
import { analyzeDocument, matchCandidates, reportClaims, buildTrie, type AnalyzeOptions, type DocumentResult, type GramTrie } from './analyze.js';
import { unpackBatch, type Batch, type RecordError } from './batches.js';
import type { ReadOptions } from '../corpus/index.js';
import { packClaimKeys, type ClaimReport } from './detectors/index.js';

export type WorkerRequest =
  | { type: 'analyze'; id: number; batch: Batch; read: ReadOptions; options: AnalyzeOptions }
  /** before the counting pass: the candidate triggers, and which documents hold recurring claim-sentence keys */
  | { type: 'candidates'; id: number; candidates: string[]; claimDocuments: number[]; heavyClaimKeys: Uint8Array }
  | { type: 'match'; id: number; batch: Batch; read: ReadOptions; maxChars: number }
  /** documents holding each run (lower-cased), and per claim those holding its words with and without its run */
  | { type: 'count-claims'; id: number; batch: Batch; read: ReadOptions; maxChars: number; runs: string[]; claims: Array<{ run: string; words: string[] }> };

export type WorkerResponse =
  /** `claimKeys`: the band keys of claim sentences, packed by `packClaimKeys` */
  | { type: 'analyzed'; id: number; results: DocumentResult[]; errors: RecordError[]; ids: Array<[number, string]>; shapes: Record<string, number>; claimKeys: Uint32Array }
  | { type: 'ready'; id: number }
  | { type: 'matched'; id: number; hits: Array<[number, string[]]>; ids: Array<[number, string]>; claims: ClaimReport[] }
  | { type: 'claims-counted'; id: number; holding: Array<[number, string[]]>; withClaim: number[]; templates: number[]; ids: Array<[number, string]> }
  | { type: 'failed'; id: number; message: string };

let candidates: GramTrie = buildTrie([]);
let claimDocuments = new Set<number>();
let heavyClaimKeys: Uint8Array = new Uint8Array(0);

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
      // the main thread keeps ids only of documents it has something to say about
      const known = results.filter((r) => ids.has(r.index)).map((r) => [r.index, ids.get(r.index)!] as [number, string]);
      return { type: 'analyzed', id: request.id, results, errors, ids: known, shapes, claimKeys: Uint32Array.from(claimKeys) };
    }
    case 'candidates':
      candidates = buildTrie(request.candidates);
      claimDocuments = new Set(request.claimDocuments);
      heavyClaimKeys = request.heavyClaimKeys;
      return { type: 'ready', id: request.id };
    case 'match': {
      const { inputs, ids } = unpackBatch(request.batch, request.read);
      const hits: Array<[number, string[]]> = [];
      const claims: ClaimReport[] = [];
      for (const doc of inputs) {
        const found = matchCandidates(doc.text, candidates, request.maxChars);
        if (found.length) hits.push([doc.index, found]);
        if (claimDocuments.has(doc.index)) claims.push(...reportClaims(doc.index, doc.text, heavyClaimKeys, request.maxChars));
      }
      const reported = new Set([...hits.map(([i]) => i), ...claims.map((c) => c.index)]);
      return { type: 'matched', id: request.id, hits, claims, ids: [...reported].filter((i) => ids.has(i)).map((i) => [i, ids.get(i)!]) };
    }
    case 'count-claims': {
      const { inputs, ids } = unpackBatch(request.batch, request.read);
      // runs and claim words in one trie: one walk over each document
      const grams = new Set([...request.runs, ...request.claims.flatMap((c) => c.words)]);
      const trie = buildTrie(grams);
      // most documents hold none of the words: a regular expression says so faster than tokenising
      const anyWord = new RegExp([...grams].flatMap((g) => g.split(' ')).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'iu');
      const runs = new Set(request.runs);
      const holding: Array<[number, string[]]> = [];
      const withClaim = request.claims.map(() => 0);
      const templates = request.claims.map(() => 0);
      for (const doc of inputs) {
        if (!anyWord.test(doc.text)) continue;
        const found = new Set(matchCandidates(doc.text.toLowerCase(), trie, request.maxChars));
        const held = [...found].filter((g) => runs.has(g));
        if (held.length) holding.push([doc.index, held]);
        request.claims.forEach((c, i) => {
          if (!c.words.every((w) => found.has(w))) return;
          if (found.has(c.run)) withClaim[i]!++;
          else templates[i]!++;
        });
      }
      return { type: 'claims-counted', id: request.id, holding, withClaim, templates, ids: holding.filter(([i]) => ids.has(i)).map(([i]) => [i, ids.get(i)!]) };
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
