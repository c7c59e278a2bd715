/**
 * Packed arrays kept in the order they came, in memory up to a limit and in
 * a temporary file past it, to be read back as often as needed. The claim
 * keys of every document (about a tenth of the input: 25 MB for 256 MB of
 * text, 100 GB for a terabyte) come in with the first pass and are swept
 * twice once all have come: past the limit, the coordinator's disk holds
 * them, not its memory.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AntidoteError } from '../errors/index.js';

/** bytes kept in memory before the spool goes to disk */
export const SPOOL_MEMORY_BYTES = 64 << 20;

export class Spool {
  private held: Uint32Array[] = [];
  private heldBytes = 0;
  private file?: { dir: string; path: string; fd: number; bytes: number };

  constructor(private readonly memoryBytes = SPOOL_MEMORY_BYTES) {}

  push(chunk: Uint32Array): void {
    if (!this.file && this.heldBytes + chunk.byteLength <= this.memoryBytes) {
      this.held.push(chunk);
      this.heldBytes += chunk.byteLength;
      return;
    }
    if (!this.file) {
      const dir = mkdtempSync(join(tmpdir(), 'antidote-spool-'));
      const path = join(dir, 'chunks');
      this.file = { dir, path, fd: openSync(path, 'w+'), bytes: 0 };
      for (const held of this.held) this.write(held);
      this.held = [];
      this.heldBytes = 0;
    }
    this.write(chunk);
  }

  /** the file it went to, once past the limit */
  get spilledTo(): string | undefined {
    return this.file?.path;
  }

  /** every chunk pushed, in order */
  *chunks(): Generator<Uint32Array> {
    if (!this.file) return yield* this.held;
    const length = new Uint32Array(1);
    for (let at = 0; at < this.file.bytes; ) {
      at += this.read(new Uint8Array(length.buffer), at);
      const chunk = new Uint32Array(length[0]!);
      at += this.read(new Uint8Array(chunk.buffer), at);
      yield chunk;
    }
  }

  /** forget every chunk and remove the file */
  close(): void {
    this.held = [];
    this.heldBytes = 0;
    if (!this.file) return;
    closeSync(this.file.fd);
    rmSync(this.file.dir, { recursive: true, force: true });
    this.file = undefined;
  }

  private write(chunk: Uint32Array): void {
    const file = this.file!;
    try {
      for (const bytes of [new Uint8Array(Uint32Array.of(chunk.length).buffer), new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)]) {
        for (let done = 0; done < bytes.length; ) done += writeSync(file.fd, bytes, done, bytes.length - done, file.bytes + done);
        file.bytes += bytes.length;
      }
    } catch (cause) {
      throw new AntidoteError('OUTPUT_FAILED', `cannot write the scan's temporary file (${(cause as Error).message}); free space in ${tmpdir()} or set TMPDIR`, { file: file.path }, { cause });
    }
  }

  private read(into: Uint8Array, at: number): number {
    for (let done = 0; done < into.length; ) {
      const n = readSync(this.file!.fd, into, done, into.length - done, at + done);
      if (n === 0) throw new AntidoteError('INPUT_UNREADABLE', `the scan's temporary file ended early at byte ${at + done}: was it removed or truncated while the scan ran?`, { file: this.file!.path, offset: at + done });
      done += n;
    }
    return into.length;
  }
}
