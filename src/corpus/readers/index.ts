import type { Reader } from '../types.js';
import { jsonlReader } from './jsonl.js';
import { csvReader, tsvReader } from './csv.js';
import { textReader } from './text.js';
import { parquetReader } from './parquet.js';

/** Every reader Antidote knows; adding a format means adding a file here. */
export const READERS: readonly Reader[] = [jsonlReader, csvReader, tsvReader, parquetReader, textReader];

export function readerFor(format: string): Reader | undefined {
  return READERS.find((r) => r.format === format);
}

/** Format from a file name, compression suffix ignored; undefined if unknown. */
export function formatFromName(name: string): string | undefined {
  const lower = name.toLowerCase().replace(/\.(gz|zst|zstd)$/, '');
  return READERS.find((r) => r.extensions.some((ext) => lower.endsWith(ext)))?.format;
}

export { firstInvalidUtf8, parseJsonLine, isBlankLine } from './jsonl.js';
export { looksBinary } from './text.js';
export { parquetRowGroups, parquetRowsAsLines } from './parquet.js';
