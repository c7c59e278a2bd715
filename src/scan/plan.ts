/**
 * The plan of a scan over JSONL and Parquet files: pieces of each plain JSONL
 * file that start and end at line starts (about 16 MiB each, so a worker
 * reads one at a time), each compressed file whole (a gzip or zstd stream is
 * read from its start: the worker that reads it decompresses it), and runs of
 * a Parquet file's row groups (about 16 MiB as stored), grouped into shards
 * of about equal size. A first pass counts the
 * lines and records of every piece, which numbers every record before any is
 * analysed: each piece then becomes a byte range whose first record and
 * first line are known, and any worker anywhere reads it and numbers its
 * records as a single reader of the whole corpus would.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { compressionOf, parquetRowGroups, type InputSource } from '../corpus/index.js';
import { AntidoteError, isAntidoteError } from '../errors/index.js';
import type { ByteRange } from './ranges.js';

/** a stretch of file per request: enough to keep a worker busy, little to hold */
export const PIECE_BYTES = 16 << 20;

/** Bytes of one file, from a line start to a line start (or the end); or, with `rows`, rows [start, end) of a Parquet file. */
export interface Piece {
  path: string;
  file: string;
  start: number;
  end: number;
  /** the piece is rows of a Parquet file, this many bytes as stored */
  rows?: { bytes: number };
}

/** How much of its input a piece is, for shards of about equal size. */
export function sizeOfPiece(piece: Piece): number {
  return piece.rows ? piece.rows.bytes : piece.end - piece.start;
}

/** What the lines pass finds in a piece. */
export interface PieceCounts {
  lines: number;
  records: number;
  bytes: number;
  /** why a compressed file could be read only up to some point (its records before that point are counted) */
  damaged?: string;
}

/**
 * Whether these inputs are planned: plain JSONL files; compressed ones too
 * when the scan runs on other machines. On this machine the main thread
 * decompresses them and hands out batches, which keeps every worker busy on
 * a corpus of one large compressed file (planned, it is one worker's piece).
 */
export function plannable(sources: readonly InputSource[], distributed: boolean): boolean {
  return sources.length > 0 && sources.every((s) => (s.format === 'jsonl' && (distributed || !compressionOf(s.path))) || (s.format === 'parquet' && distributed && !compressionOf(s.path)));
}

/** The first line start at or after `offset` (the file's size when none). */
function lineStartFrom(fd: number, offset: number, size: number): number {
  const window = Buffer.allocUnsafe(64 << 10);
  // a line starts at `offset` when the byte before it ends a line
  for (let at = offset - 1; at < size; ) {
    const n = readSync(fd, window, 0, Math.min(window.length, size - at), at);
    if (n === 0) break;
    const nl = window.subarray(0, n).indexOf(10);
    if (nl >= 0) return at + nl + 1;
    at += n;
  }
  return size;
}

/** Consecutive row groups of a Parquet file, about `pieceBytes` as stored per piece (a row group is never cut). */
async function parquetPieces(source: InputSource, pieceBytes: number): Promise<Piece[]> {
  const pieces: Piece[] = [];
  let start = 0;
  let end = 0;
  let bytes = 0;
  for (const group of await parquetRowGroups(source.path, source.name)) {
    end += group.rows;
    bytes += group.bytes;
    if (bytes < pieceBytes) continue;
    pieces.push({ path: resolve(source.path), file: source.name, start, end, rows: { bytes } });
    start = end;
    bytes = 0;
  }
  if (end > start) pieces.push({ path: resolve(source.path), file: source.name, start, end, rows: { bytes } });
  return pieces;
}

/**
 * Cut every file into pieces of at most `pieceBytes` (longer where a line or
 * a row group is), each starting at a line start (a row group's first row).
 * `onUnreadable` hears of a file that cannot be opened; its records are left
 * out.
 */
export async function planPieces(sources: readonly InputSource[], pieceBytes: number, onUnreadable: (source: InputSource, error: AntidoteError) => void): Promise<Piece[]> {
  const pieces: Piece[] = [];
  for (const source of sources) {
    if (source.format === 'parquet') {
      try {
        pieces.push(...(await parquetPieces(source, pieceBytes)));
      } catch (e) {
        onUnreadable(source, isAntidoteError(e) ? e : new AntidoteError('INPUT_UNREADABLE', (e as Error).message, { file: source.name }, { cause: e }));
      }
      continue;
    }
    let fd: number;
    let size: number;
    try {
      fd = openSync(source.path, 'r');
      size = statSync(source.path).size;
    } catch (e) {
      onUnreadable(source, new AntidoteError('INPUT_UNREADABLE', (e as Error).message, { file: source.name }, { cause: e }));
      continue;
    }
    try {
      if (compressionOf(source.path)) {
        if (size > 0) pieces.push({ path: resolve(source.path), file: source.name, start: 0, end: size });
        continue;
      }
      for (let start = 0; start < size; ) {
        const end = start + pieceBytes >= size ? size : lineStartFrom(fd, start + pieceBytes, size);
        // absolute: the workers that read it may run in another directory
        pieces.push({ path: resolve(source.path), file: source.name, start, end });
        start = end;
      }
    } finally {
      closeSync(fd);
    }
  }
  return pieces;
}

/** Consecutive pieces grouped into at most `shards` groups of about equal bytes. */
export function groupPieces(pieces: readonly Piece[], shards: number): number[][] {
  const total = pieces.reduce((n, p) => n + sizeOfPiece(p), 0);
  const groups: number[][] = [];
  let done = 0;
  let last = -1;
  pieces.forEach((piece, i) => {
    // the shard this piece's middle falls in
    const shard = Math.min(shards - 1, Math.floor(((done + sizeOfPiece(piece) / 2) * shards) / Math.max(1, total)));
    done += sizeOfPiece(piece);
    if (shard !== last) groups.push([]);
    last = shard;
    groups[groups.length - 1]!.push(i);
  });
  return groups;
}

/** The pieces as ranges numbered from their counts: records and lines before each piece. */
export function rangesOf(pieces: readonly Piece[], counts: readonly PieceCounts[]): ByteRange[] {
  let index = 0;
  let line = 1;
  return pieces.map((piece, k) => {
    if (k > 0 && pieces[k - 1]!.path !== piece.path) line = 1;
    const range: ByteRange = { ...piece, firstIndex: index, endIndex: index + counts[k]!.records, firstLine: line };
    index += counts[k]!.records;
    line += counts[k]!.lines;
    return range;
  });
}
