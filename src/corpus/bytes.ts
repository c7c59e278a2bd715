/**
 * Byte streams from files, transparently decompressing `.gz` and `.zst`,
 * and a line splitter that copes with lines of any length.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { AntidoteError } from '../errors/index.js';

export function compressionOf(path: string): 'gzip' | 'zstd' | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.gz')) return 'gzip';
  if (lower.endsWith('.zst') || lower.endsWith('.zstd')) return 'zstd';
  return undefined;
}

export function stripCompression(path: string): string {
  return path.replace(/\.(gz|zst|zstd)$/i, '');
}

const CHUNK = 1 << 20;

async function* zstdChunks(path: string, name: string): AsyncGenerator<Buffer> {
  const out: Buffer[] = [];
  const stream = new Decompress((chunk) => out.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
  let consumed = 0;
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) {
      stream.push(chunk as Buffer);
      consumed += (chunk as Buffer).length;
      yield* out.splice(0);
    }
    // fzstd keeps an incomplete frame buffered without complaint; finishing
    // with `final` makes a truncated frame an error instead of lost data.
    stream.push(new Uint8Array(0), true);
    yield* out.splice(0);
  } catch (cause) {
    if (cause instanceof AntidoteError) throw cause;
    throw new AntidoteError('DECOMPRESSION', `zstd stream is corrupt or truncated after ${consumed} compressed bytes (${(cause as Error).message}); the records before this point were read`, { file: name, offset: consumed }, { cause });
  }
}

/** Decompressed bytes of a file, in chunks of about 1 MiB. */
export async function* readBytes(path: string, name: string): AsyncGenerator<Buffer> {
  const compression = compressionOf(path);
  if (compression === 'zstd') {
    yield* zstdChunks(path, name);
    return;
  }
  const file = createReadStream(path, { highWaterMark: CHUNK });
  const source = compression === 'gzip' ? file.pipe(createGunzip({ chunkSize: 256 * 1024 })) : file;
  if (compression === 'gzip') file.on('error', (e) => source.destroy(e));
  try {
    for await (const chunk of source) yield chunk as Buffer;
  } catch (cause) {
    const err = cause as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new AntidoteError('INPUT_NOT_FOUND', 'no such file', { file: name }, { cause });
    if (err.code === 'EISDIR' || err.code === 'EACCES') throw new AntidoteError('INPUT_UNREADABLE', err.message, { file: name }, { cause });
    if (compression === 'gzip') {
      throw new AntidoteError('DECOMPRESSION', `gzip stream is corrupt or truncated (${err.message}); the records before this point were read`, { file: name, offset: file.bytesRead }, { cause });
    }
    throw new AntidoteError('INPUT_UNREADABLE', err.message, { file: name }, { cause });
  } finally {
    file.destroy();
  }
}

export interface Line {
  /** line bytes without the trailing `\n` (a `\r` before it is kept) */
  bytes: Buffer;
  /** 1-based line number */
  line: number;
  /** byte offset of the line's first byte in the decompressed stream */
  offset: number;
}

/**
 * Split a byte stream into lines without limiting line length: the lines
 * completed by each chunk come as one array, since handing them over one at a
 * time through an async generator costs more than finding them.
 */
export async function* splitLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<Line[]> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 1;
  let offset = 0;
  for await (const chunk of chunks) {
    const lines: Line[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      let bytes = chunk.subarray(start, nl);
      if (pendingBytes > 0) {
        pending.push(bytes);
        bytes = Buffer.concat(pending, pendingBytes + bytes.length);
        pending = [];
        pendingBytes = 0;
      }
      lines.push({ bytes, line, offset });
      offset += bytes.length + 1;
      line++;
      start = nl + 1;
    }
    if (start < chunk.length) {
      pending.push(chunk.subarray(start));
      pendingBytes += chunk.length - start;
    }
    if (lines.length) yield lines;
  }
  if (pendingBytes > 0) yield [{ bytes: Buffer.concat(pending, pendingBytes), line, offset }];
}
