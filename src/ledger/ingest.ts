/**
 * `ledger add`: documents from corpus files become document records, then one
 * dataset record closes the version with its manifest, all in one
 * transaction: bad input or a killed process leaves the ledger as it was.
 * JSONL lines are parsed and hashed in worker threads; the main thread reads,
 * keeps the order, and writes.
 */
import { availableParallelism } from 'node:os';
import { AntidoteError } from '../errors/index.js';
import { readCorpus, type CorpusRecord, type InputSource, type ReadOptions } from '../corpus/index.js';
import { packLines, WorkerPool } from '../workers/index.js';
import { HASH_SIZE, RightEdge } from './merkle/index.js';
import { documentEntry, rejected, type DocumentContext } from './documents.js';
import type { DatasetRecord, Provenance } from './records.js';
import { describeFiles } from './files.js';
import type { Ledger, PreparedEntry } from './log.js';
import type { IngestRequest, IngestResponse, RawLines } from './worker.js';

export interface AddOptions extends ReadOptions {
  /** name, or name@version; the version defaults to the next number */
  dataset: string;
  /** provenance for records that do not state their own */
  defaults: Provenance;
  /** worker threads (default: up to 2) */
  workers?: number;
  /** documents prepared so far; nothing is durable until the add returns */
  onProgress?: (read: number) => void;
}

export interface AddResult {
  dataset: string;
  documents: number;
  firstEntry: number;
  size: number;
  root: string;
}

async function nextVersion(ledger: Ledger, name: string): Promise<string> {
  const existing = (await ledger.datasets()).map((d) => d.dataset);
  if (name.includes('@')) {
    if (existing.includes(name)) throw new AntidoteError('USAGE', `dataset ${name} is already in the ledger; versions are immutable, add a new version`);
    return name;
  }
  const taken = existing.filter((d) => d.startsWith(`${name}@`)).map((d) => Number(d.slice(name.length + 1))).filter(Number.isInteger);
  return `${name}@${Math.max(0, ...taken) + 1}`;
}

const BATCH_RECORDS = 1024;
const BATCH_BYTES = 1 << 20;

/**
 * Every document of the sources as prepared entries from position `first`,
 * in input order, batch by batch. JSONL lines go to the workers as raw bytes;
 * records other readers have parsed are prepared here.
 */
async function* preparedDocuments(sources: readonly InputSource[], options: ReadOptions, first: number, context: DocumentContext, workers: number): AsyncGenerator<PreparedEntry[]> {
  const pool = new WorkerPool<IngestRequest, IngestResponse>(new URL('./worker.js', import.meta.url), workers);
  // batches in flight, oldest first; each settles to its entries or its error
  const inFlight: Promise<PreparedEntry[]>[] = [];
  // A batch may fail while an earlier one is awaited: mark it handled now, its error still surfaces in order.
  const track = (batch: Promise<PreparedEntry[]>): void => {
    batch.catch(() => undefined);
    inFlight.push(batch);
  };
  let next = first;
  let lines: Buffer[] = [];
  let places: RawLines['places'] = [];
  let local: CorpusRecord[] = [];
  let bytes = 0;
  const flush = (): void => {
    const start = next;
    if (lines.length > 0) {
      const packed = packLines(lines);
      track(pool.submit<IngestResponse>({ type: 'documents', first: start, lines: { ...packed, places }, read: options, context }, [packed.bytes.buffer as ArrayBuffer]).then((r) => unpack(r, start, context.dataset)));
      next += lines.length;
    } else if (local.length > 0) {
      const records = local;
      track(Promise.resolve().then(() => records.map((r, i) => documentEntry(r, start + i, context))));
      next += records.length;
    }
    lines = [];
    places = [];
    local = [];
    bytes = 0;
  };
  try {
    const records = readCorpus(sources, { ...options, rawOnly: true }, ({ error }) => {
      throw error;
    });
    for await (const r of records) {
      if (r.error) throw rejected(r.error.code, r.error.message);
      // Keep batches homogeneous so that order is the order of the batches.
      const isLine = r.raw !== undefined && r.fields === undefined;
      if ((isLine && local.length > 0) || (!isLine && lines.length > 0)) flush();
      if (isLine) (lines.push(r.raw!), places.push(r.place));
      else local.push(r);
      bytes += r.bytes;
      if (lines.length + local.length >= BATCH_RECORDS || bytes >= BATCH_BYTES) flush();
      while (inFlight.length > workers * 2) yield await inFlight.shift()!;
    }
    flush();
    while (inFlight.length > 0) yield await inFlight.shift()!;
  } finally {
    // Settle what is still running before the workers go, so no rejection is left unhandled.
    await Promise.allSettled(inFlight);
    await pool.close();
  }
}

function unpack(response: IngestResponse, start: number, dataset: string): PreparedEntry[] {
  if (response.type === 'rejected') throw rejected(response.code, response.message);
  if (response.type !== 'documents') throw new Error(`unexpected worker response ${response.type}`);
  return response.records.map((record, i) => ({
    index: start + i,
    kind: 'document',
    record,
    leaf: Buffer.from(response.leaves.buffer, response.leaves.byteOffset + i * HASH_SIZE, HASH_SIZE),
    dataset,
    docId: response.docIds[i],
    sha256: response.sha256s[i],
  }));
}

export async function addDocuments(ledger: Ledger, sources: readonly InputSource[], options: AddOptions): Promise<AddResult> {
  const dataset = await nextVersion(ledger, options.dataset);
  const context: DocumentContext = { dataset, defaults: options.defaults, ingested: new Date().toISOString() };
  const workers = Math.max(1, options.workers ?? Math.min(2, availableParallelism()));
  const files = await describeFiles(sources);
  const { first, size, value: manifest } = await ledger.append(async (log) => {
      const first = log.size;
      // The dataset's own Merkle root, over its document leaves in order.
      const datasetTree = new RightEdge();
      for await (const entries of preparedDocuments(sources, { textField: options.textField, idField: options.idField }, first, context, workers)) {
        for (const e of entries) datasetTree.push(e.leaf);
        await log.addPrepared(entries);
        options.onProgress?.(log.size - first);
      }
      const documents = log.size - first;
      if (documents === 0) throw new AntidoteError('INPUT_FORMAT', 'no records in the input; nothing was added');
      const manifest: Omit<DatasetRecord, 'entry'> = { kind: 'dataset', dataset, documents, firstEntry: first, lastEntry: log.size - 1, root: datasetTree.root().toString('hex'), files, created: new Date().toISOString() };
      await log.add({ record: manifest, dataset });
      return manifest;
  });
  return { dataset, documents: manifest.documents, firstEntry: first, size, root: manifest.root };
}
