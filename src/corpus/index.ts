/**
 * Corpus readers: every supported input becomes one stream of records, in a
 * stable order, with unreadable records kept in place as errors so that
 * nothing is silently dropped.
 */
import { AntidoteError, isAntidoteError } from '../errors/index.js';
import { readerFor, parseJsonLine } from './readers/index.js';
import { shapeOf } from './shapes.js';
import type { CorpusRecord, InputSource, ReadOptions } from './types.js';

export * from './types.js';
export { expandInputs, globToRegExp } from './inputs.js';
export { READERS, readerFor, formatFromName, looksBinary, parseJsonLine, isBlankLine, parquetRowGroups, parquetRowsAsLines } from './readers/index.js';
export { shapeOf, MULTI_FIELD_KEYS, type ShapedText } from './shapes.js';
export { readBytes, splitLines, compressionOf } from './bytes.js';

export interface InputFailure {
  /** the error that stopped reading this input */
  error: AntidoteError;
  source: InputSource;
}

function idOf(fields: Record<string, unknown>, idField: string, fallback: string): string {
  const v = fields[idField];
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' ? String(v) : fallback;
}

/** Give a record its id and shape from its fields, or the error that prevents it. */
export function completeRecord(record: CorpusRecord, fields: Record<string, unknown>, options: ReadOptions): CorpusRecord {
  record.fields = fields;
  record.id = idOf(fields, options.idField, record.id);
  try {
    Object.assign(record, shapeOf(fields, options.textField, record.place));
  } catch (e) {
    if (!isAntidoteError(e)) throw e;
    record.error = e;
  }
  return record;
}

/** Parse a JSONL record read with `rawOnly` (done in scan workers, in parallel). */
export function completeRawRecord(record: CorpusRecord, options: ReadOptions): CorpusRecord {
  const parsed = parseJsonLine(record.raw!, record.place);
  if (parsed.error) {
    record.error = parsed.error;
    return record;
  }
  return completeRecord(record, parsed.fields!, options);
}

/**
 * Read all sources as one stream of records. A failure that ends one input
 * (truncated compression, unreadable file) is reported through `onInputFailure`
 * and reading goes on with the next input; record-level problems come as
 * records carrying `error`.
 */
export async function* readCorpus(
  sources: readonly InputSource[],
  options: ReadOptions,
  onInputFailure: (failure: InputFailure) => void,
): AsyncGenerator<CorpusRecord> {
  for await (const records of readCorpusBatches(sources, options, onInputFailure)) yield* records;
}

/** `readCorpus` in arrays of records, as the readers deliver them: the fast way through a large corpus. */
export async function* readCorpusBatches(
  sources: readonly InputSource[],
  options: ReadOptions,
  onInputFailure: (failure: InputFailure) => void,
): AsyncGenerator<CorpusRecord[]> {
  let index = 0;
  for (const source of sources) {
    const reader = readerFor(source.format);
    if (!reader) {
      onInputFailure({ source, error: new AntidoteError('INPUT_FORMAT', `unknown format '${source.format}'`, { file: source.name }) });
      continue;
    }
    try {
      for await (const items of reader.readBatches?.(source, options) ?? oneByOne(reader.read(source, options))) {
        yield items.map((item) => {
          const record: CorpusRecord = { index: index++, id: item.defaultId, place: item.place, bytes: item.bytes };
          if (item.raw) record.raw = item.raw;
          if (item.error) record.error = item.error;
          else if (item.fields) completeRecord(record, item.fields, options);
          return record;
        });
      }
    } catch (e) {
      if (!isAntidoteError(e)) throw e;
      onInputFailure({ source, error: e });
    }
  }
}

async function* oneByOne<T>(items: AsyncIterable<T>): AsyncGenerator<T[]> {
  for await (const item of items) yield [item];
}
