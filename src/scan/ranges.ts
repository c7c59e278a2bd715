/**
 * JSONL and Parquet files, read by the workers themselves, a planned piece at
 * a time (see plan.ts): when the main thread reads, splits lines and sends
 * them, the main thread is what the workers wait for. A compressed file is
 * one piece, decompressed whole by the worker that reads it. The rows of a
 * Parquet piece become the JSON lines its local reader makes of them, so
 * everything after reading is the same for both.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { constants, gunzipSync } from 'node:zlib';
import { Decompress } from 'fzstd';
import { compressionOf, isBlankLine, parquetRowsAsLines } from '../corpus/index.js';
import { AntidoteError } from '../errors/index.js';
import type { Batch } from './batches.js';
import type { Piece, PieceCounts } from './plan.js';

/** Bytes of one file holding whole records (or rows of a Parquet file): the first is record `firstIndex`, on line `firstLine`; `endIndex` is one past the last. */
export interface ByteRange extends Piece {
  firstIndex: number;
  endIndex: number;
  firstLine: number;
}

function changed(range: Piece): AntidoteError {
  return new AntidoteError('INPUT_UNREADABLE', `changed while it was being scanned (bytes ${range.start}-${range.end} no longer hold the records first read there); scan it again once nothing writes to it`, { file: range.file });
}

/**
 * One buffer per worker for the ranges it reads, used again for the next:
 * a fresh buffer of several MiB per range makes the collector run for it.
 */
let buffer = Buffer.allocUnsafe(0);

/** The rows of the Parquet piece a request reads, as JSON lines, read ahead of it (`loadRows`): DuckDB answers asynchronously, requests are answered synchronously. */
let loaded: { piece: Piece; lines: Buffer } | undefined;

/** Read a Parquet piece's rows for the request about to read it (nothing to do for other pieces). */
export async function loadRows(piece: Piece): Promise<void> {
  loaded = piece.rows ? { piece, lines: await parquetRowsAsLines(piece.path, piece.start, piece.end, piece.file) } : undefined;
}

/** Forget the rows read ahead, once their request is answered. */
export function unloadRows(): void {
  loaded = undefined;
}

/**
 * A piece's bytes (valid until the next piece is read): read into the
 * worker's buffer, or decompressed, or the rows read ahead. A compressed
 * stream damaged part way is read up to the last whole line before the
 * damage, and `damaged` says why.
 */
function readPiece(range: Piece): { bytes: Buffer; damaged?: string } {
  if (range.rows) {
    const { piece, lines } = loaded ?? {};
    if (piece?.path !== range.path || piece.start !== range.start || piece.end !== range.end) throw new Error(`rows ${range.start}-${range.end} of ${range.file} were not read ahead of their request`);
    return { bytes: lines! };
  }
  const compression = compressionOf(range.path);
  const bytes = readBytes(range, compression !== undefined);
  return compression ? decompress(range, bytes, compression) : { bytes };
}

function decompress(range: Piece, compressed: Buffer, compression: 'gzip' | 'zstd'): { bytes: Buffer; damaged?: string } {
  const out: Buffer[] = [];
  try {
    if (compression === 'gzip') return { bytes: gunzipSync(compressed) };
    new Decompress((chunk) => out.push(Buffer.from(chunk))).push(compressed, true);
    return { bytes: Buffer.concat(out) };
  } catch (cause) {
    if (cause instanceof RangeError) throw new AntidoteError('INPUT_UNREADABLE', `decompressed, this file is larger than a worker can hold (${cause.message}); split it into smaller files`, { file: range.file }, { cause });
    let partial = Buffer.concat(out);
    if (compression === 'gzip') {
      try {
        partial = gunzipSync(compressed, { finishFlush: constants.Z_SYNC_FLUSH });
      } catch {
        partial = Buffer.alloc(0);
      }
    }
    return { bytes: partial.subarray(0, partial.lastIndexOf(10) + 1), damaged: `${compression} stream is corrupt or truncated (${(cause as Error).message}); the records before this point were read` };
  }
}

/** A piece's bytes as stored, into the worker's buffer; `whole`: the piece is the whole file (a compressed one). */
function readBytes(range: Piece, whole: boolean): Buffer {
  if (buffer.length < range.end - range.start) buffer = Buffer.allocUnsafe(range.end - range.start);
  const bytes = buffer.subarray(0, range.end - range.start);
  const fd = openSync(range.path, 'r');
  try {
    // (a file read whole that grew or shrank has changed)
    if (whole && fstatSync(fd).size !== range.end) throw changed(range);
    for (let at = 0; at < bytes.length; ) {
      const n = readSync(fd, bytes, at, bytes.length - at, range.start + at);
      if (n === 0) throw changed(range);
      at += n;
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/**
 * The lines that are records, as the JSONL reader splits them (on \n; blank
 * lines are not records): `visit` gets each one's bytes [from, to) and its
 * line within `bytes` (0 for the first). Returns how many lines there are.
 */
function forEachRecordLine(bytes: Buffer, visit: (from: number, to: number, line: number) => void): number {
  let line = 0;
  for (let from = 0; from < bytes.length; line++) {
    const nl = bytes.indexOf(10, from);
    const to = nl < 0 ? bytes.length : nl;
    // most lines open with "{": blank lines are told without a view of them
    if (bytes[from] === 0x7b || !isBlankLine(bytes.subarray(from, to))) visit(from, to, line);
    from = to + 1;
  }
  return line;
}

/** Lines, records and record bytes of a piece, as the JSONL reader would find them. */
export function countPiece(piece: Piece): PieceCounts {
  const { bytes, damaged } = readPiece(piece);
  const counts: PieceCounts = { lines: 0, records: 0, bytes: 0, ...(damaged ? { damaged } : {}) };
  counts.lines = forEachRecordLine(bytes, (from, to) => {
    counts.records++;
    counts.bytes += to - from;
  });
  return counts;
}

/**
 * The records of a range (those `keep` keeps), read from its file, as a batch
 * of raw records (in a worker). The batch is a view of a buffer the next range
 * reuses: it is valid until then.
 */
export function batchOfRange(range: ByteRange, keep: (index: number) => boolean = () => true): Batch {
  const { bytes } = readPiece(range);
  const starts: number[] = [];
  const ends: number[] = [];
  const records: NonNullable<Batch['raw']>['records'] = [];
  let index = range.firstIndex;
  forEachRecordLine(bytes, (from, to, line) => {
    if (keep(index)) {
      starts.push(from);
      ends.push(to);
      // (a Parquet record's place is its row, as its reader on one machine says)
      records.push({ index, place: range.rows ? { file: range.file, line: range.firstLine + line } : { file: range.file, line: range.firstLine + line, offset: range.start + from }, bytes: to - from });
    }
    index++;
  });
  if (index !== range.endIndex) throw changed(range);
  return { docs: [], raw: { bytes, starts, ends, records } };
}
