/** Worker thread entry: parses and analyses batches of documents for the pipeline. */
import { parentPort } from 'node:worker_threads';
import { analyzeDocument, matchCandidates, buildTrie, type AnalyzeOptions, type DocumentResult, type GramTrie } from './analyze.js';
import { unpackBatch, type Batch, type RecordError } from './batches.js';
import type { ReadOptions } from '../corpus/index.js';

export type WorkerRequest =
  | { type: 'analyze'; id: number; batch: Batch; read: ReadOptions; options: AnalyzeOptions }
  | { type: 'candidates'; id: number; candidates: string[] }
  | { type: 'match'; id: number; batch: Batch; read: ReadOptions; maxChars: number };

export type WorkerResponse =
  | { type: 'analyzed'; id: number; results: DocumentResult[]; errors: RecordError[]; ids: Array<[number, string]>; shapes: Record<string, number> }
  | { type: 'ready'; id: number }
  | { type: 'matched'; id: number; hits: Array<[number, string[]]>; ids: Array<[number, string]> }
  | { type: 'failed'; id: number; message: string };

let candidates: GramTrie = buildTrie([]);

function handle(request: WorkerRequest): WorkerResponse {
  switch (request.type) {
    case 'analyze': {
      const { inputs, errors, ids, shapes } = unpackBatch(request.batch, request.read);
      const results: DocumentResult[] = [];
      for (const doc of inputs) {
        const r = analyzeDocument(doc, request.options);
        if (r) results.push(r);
      }
      // the main thread keeps ids only of documents it has something to say about
      const known = results.filter((r) => ids.has(r.index)).map((r) => [r.index, ids.get(r.index)!] as [number, string]);
      return { type: 'analyzed', id: request.id, results, errors, ids: known, shapes };
    }
    case 'candidates':
      candidates = buildTrie(request.candidates);
      return { type: 'ready', id: request.id };
    case 'match': {
      const { inputs, ids } = unpackBatch(request.batch, request.read);
      const hits: Array<[number, string[]]> = [];
      for (const doc of inputs) {
        const found = matchCandidates(doc.text, candidates, request.maxChars);
        if (found.length) hits.push([doc.index, found]);
      }
      return { type: 'matched', id: request.id, hits, ids: hits.filter(([i]) => ids.has(i)).map(([i]) => [i, ids.get(i)!]) };
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
