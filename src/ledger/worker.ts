/** Ingest worker: parses JSONL lines and builds their document entries, leaf hashes included. */
import { parentPort } from 'node:worker_threads';
import { completeRawRecord, type CorpusRecord, type ReadOptions } from '../corpus/index.js';
import { isAntidoteError, type ErrorCode, type Place } from '../errors/index.js';
import { documentEntry, type DocumentContext } from './documents.js';
import { HASH_SIZE } from './merkle/index.js';
import { unpackLines, type PackedLines } from '../workers/index.js';

/** JSONL lines back to back in one transferred buffer, with where each was read. */
export interface RawLines extends PackedLines {
  places: Place[];
}

export type IngestRequest = { type: 'documents'; id: number; first: number; lines: RawLines; read: ReadOptions; context: DocumentContext };

export type IngestResponse =
  | { type: 'documents'; id: number; records: string[]; docIds: string[]; sha256s: string[]; leaves: Uint8Array }
  | { type: 'rejected'; id: number; code: ErrorCode; message: string }
  | { type: 'failed'; id: number; message: string };

function handle(request: IngestRequest): IngestResponse {
  const { places } = request.lines;
  const lines = unpackLines(request.lines);
  const out = { records: [] as string[], docIds: [] as string[], sha256s: [] as string[], leaves: new Uint8Array(lines.length * HASH_SIZE) };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const place = places[i]!;
    const record: CorpusRecord = { index: 0, id: `${place.file}:${place.line}`, place, bytes: raw.length, raw };
    const entry = documentEntry(completeRawRecord(record, request.read), request.first + i, request.context);
    out.records.push(entry.record);
    out.docIds.push(entry.docId!);
    out.sha256s.push(entry.sha256!);
    out.leaves.set(entry.leaf, i * HASH_SIZE);
  }
  return { type: 'documents', id: request.id, ...out };
}

parentPort!.on('message', (request: IngestRequest) => {
  try {
    const response = handle(request);
    parentPort!.postMessage(response, response.type === 'documents' ? [response.leaves.buffer as ArrayBuffer] : []);
  } catch (e) {
    if (isAntidoteError(e)) parentPort!.postMessage({ type: 'rejected', id: request.id, code: e.code, message: e.message } satisfies IngestResponse);
    else parentPort!.postMessage({ type: 'failed', id: request.id, message: (e as Error).stack ?? String(e) } satisfies IngestResponse);
  }
});
