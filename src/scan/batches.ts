/**
 * Batches of documents for the workers. JSONL lines travel as raw bytes in
 * one transferred buffer and are parsed in the workers, so the main thread
 * only reads and splits lines; other formats are parsed by their readers on
 * the main thread and travel as text.
 */
import type { Place } from '../errors/index.js';
import { completeRawRecord, readCorpus, readCorpusBatches, type CorpusRecord, type InputSource, type ReadOptions } from '../corpus/index.js';
import type { DocumentInput } from './analyze.js';
import { packLines, type PackedLines, type WorkerPool } from '../workers/index.js';
import type { LineFilter } from './line-filter/index.js';
import type { WorkerRequest, WorkerResponse } from './handler.js';

export interface Batch {
  /** documents already parsed on the main thread */
  docs: DocumentInput[];
  /** JSONL records to parse in the worker: their bytes back to back, or from `starts` when lines lie apart (a range read from a file) */
  raw?: PackedLines & { starts?: number[]; records: Array<{ index: number; place: Place; bytes: number }> };
}

export interface RecordError {
  index: number;
  id: string;
  place: Place;
  code: string;
  message: string;
}

/** What a worker makes of a batch before analysing it. */
export interface UnpackedBatch {
  inputs: DocumentInput[];
  errors: RecordError[];
  /** ids of raw records, known only once parsed, with where each record is */
  ids: Map<number, [string, Place]>;
  shapes: Record<string, number>;
}

/** Parse the batch's raw records; with `filter`, only the documents and records it passes. */
export function unpackBatch(batch: Batch, options: ReadOptions, filter?: LineFilter): UnpackedBatch {
  const docs = filter ? batch.docs.filter((d) => filter.text(d.text)) : batch.docs;
  const out: UnpackedBatch = { inputs: [...docs], errors: [], ids: new Map(), shapes: {} };
  for (const d of docs) out.shapes[d.shape] = (out.shapes[d.shape] ?? 0) + 1;
  if (!batch.raw) return out;
  const { bytes, ends, starts } = batch.raw;
  batch.raw.records.forEach((r, i) => {
    const start = starts ? starts[i]! : i ? ends[i - 1]! : 0;
    if (filter && !filter.bytes(bytes, start, ends[i]!)) return;
    const raw = Buffer.from(bytes.buffer, bytes.byteOffset + start, ends[i]! - start);
    const record: CorpusRecord = { index: r.index, id: `${r.place.file}:${r.place.line}`, place: r.place, bytes: r.bytes, raw };
    completeRawRecord(record, options);
    out.ids.set(r.index, [record.id, r.place]);
    if (record.error) {
      out.errors.push({ index: r.index, id: record.id, place: r.place, code: record.error.code, message: record.error.message });
      return;
    }
    out.shapes[record.shape!] = (out.shapes[record.shape!] ?? 0) + 1;
    out.inputs.push({ index: r.index, shape: record.shape!, text: record.text!, prompt: record.prompt, response: record.response });
  });
  return out;
}

/**
 * A `send` for `dispatch` whose answers are taken in the order the batches
 * were read, whichever worker answers first: `ask` sends and returns what
 * to do with the answer.
 */
export function inBatchOrder(ask: (batch: Batch, transfer: ArrayBuffer[]) => Promise<() => void>): (batch: Batch, transfer: ArrayBuffer[]) => Promise<void> {
  let previous: Promise<unknown> = Promise.resolve();
  return async (batch, transfer) => {
    const answered = ask(batch, transfer);
    const before = previous;
    const taken = (async () => {
      const take = await answered;
      await before.catch(() => undefined);
      take();
    })();
    previous = taken;
    await taken;
  };
}

const BATCH_RECORDS = 256;
const BATCH_BYTES = 1 << 20;
const IN_FLIGHT_PER_WORKER = 4;

/**
 * Read every record and hand batches to `send`, keeping at most four batches
 * per worker in flight (enough that a worker never waits while the main
 * thread collects garbage or handles answers; at most 1 MiB each).
 * `onRecord` sees every record first (for counting and for records whose
 * reader already failed them) and says whether to send it.
 */
export async function dispatch(
  sources: readonly InputSource[],
  readOptions: ReadOptions,
  pool: WorkerPool<WorkerRequest, WorkerResponse>,
  onRecord: (record: CorpusRecord) => boolean,
  send: (batch: Batch, transfer: ArrayBuffer[]) => Promise<void>,
  onInputFailure: Parameters<typeof readCorpus>[2],
): Promise<void> {
  let docs: DocumentInput[] = [];
  let raws: Buffer[] = [];
  let rawRecords: NonNullable<Batch['raw']>['records'] = [];
  let size = 0;
  const queue: Promise<void>[] = [];
  // the first failure of any batch; later batches are not sent
  let failure: { error: unknown } | undefined;
  const flush = async () => {
    if (docs.length === 0 && raws.length === 0) return;
    const batch: Batch = { docs };
    const transfer: ArrayBuffer[] = [];
    if (raws.length) {
      batch.raw = { ...packLines(raws), records: rawRecords };
      transfer.push(batch.raw.bytes.buffer as ArrayBuffer);
    }
    queue.push(send(batch, transfer).catch((error: unknown) => {
      failure ??= { error };
    }));
    docs = [];
    raws = [];
    rawRecords = [];
    size = 0;
    while (queue.length >= pool.size * IN_FLIGHT_PER_WORKER) await queue.shift();
    if (failure) throw failure.error;
  };
  for await (const records of readCorpusBatches(sources, { ...readOptions, rawOnly: true }, onInputFailure)) {
    for (const record of records) {
      if (!onRecord(record)) continue;
      if (record.raw && !record.fields) {
        raws.push(record.raw);
        rawRecords.push({ index: record.index, place: record.place, bytes: record.bytes });
        size += record.raw.length;
      } else {
        docs.push({ index: record.index, shape: record.shape!, text: record.text!, prompt: record.prompt, response: record.response });
        size += record.text!.length;
      }
      if (docs.length + raws.length >= BATCH_RECORDS || size >= BATCH_BYTES) await flush();
    }
  }
  await flush();
  await Promise.all(queue);
  if (failure) throw failure.error;
}
