/** Worker thread entry: analyses batches of documents for the pipeline. */
import { parentPort } from 'node:worker_threads';
import { analyzeDocument, matchCandidates, type AnalyzeOptions, type DocumentInput, type DocumentResult } from './analyze.js';

export type WorkerRequest =
  | { type: 'analyze'; id: number; batch: DocumentInput[]; options: AnalyzeOptions }
  | { type: 'candidates'; id: number; candidates: string[] }
  | { type: 'match'; id: number; batch: Array<{ index: number; text: string }>; maxChars: number };

export type WorkerResponse =
  | { type: 'analyzed'; id: number; results: DocumentResult[] }
  | { type: 'ready'; id: number }
  | { type: 'matched'; id: number; hits: Array<[number, string[]]> }
  | { type: 'failed'; id: number; message: string };

let candidates = new Set<string>();
let firstTokens = new Set<string>();

function handle(request: WorkerRequest): WorkerResponse {
  switch (request.type) {
    case 'analyze': {
      const results: DocumentResult[] = [];
      for (const doc of request.batch) {
        const r = analyzeDocument(doc, request.options);
        if (r) results.push(r);
      }
      return { type: 'analyzed', id: request.id, results };
    }
    case 'candidates':
      candidates = new Set(request.candidates);
      firstTokens = new Set(request.candidates.map((c) => c.split(' ')[0]!));
      return { type: 'ready', id: request.id };
    case 'match': {
      const hits: Array<[number, string[]]> = [];
      for (const doc of request.batch) {
        const found = matchCandidates(doc.text, candidates, firstTokens, request.maxChars);
        if (found.length) hits.push([doc.index, found]);
      }
      return { type: 'matched', id: request.id, hits };
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
