/**
 * A GGUF header reader (versions 2 and 3): metadata, tensor table, and a check
 * that every tensor's bytes lie inside the file. A model is read here before
 * llama.cpp sees it, so a truncated or corrupt file is a clear error naming
 * the byte offset instead of a crash in native code.
 */
import { openSync, readSync, fstatSync, closeSync } from 'node:fs';
import { AntidoteError } from '../../errors/index.js';

export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufTensor {
  name: string;
  /** innermost dimension first, as GGUF stores them */
  dims: number[];
  type: number;
  /** offset from the start of the tensor data */
  offset: number;
  /** bytes, when the type is one this reader knows */
  size?: number;
}

export interface GgufFile {
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensor[];
  /** file offset where tensor data starts */
  dataOffset: number;
  fileSize: number;
}

/** [elements per block, bytes per block] of ggml's tensor types. */
const TYPE_SIZES: Record<number, [number, number]> = {
  0: [1, 4], 1: [1, 2], 2: [32, 18], 3: [32, 20], 6: [32, 22], 7: [32, 24], 8: [32, 34], 9: [32, 36],
  10: [256, 84], 11: [256, 110], 12: [256, 144], 13: [256, 176], 14: [256, 210], 15: [256, 292],
  16: [256, 66], 17: [256, 74], 18: [256, 98], 19: [256, 50], 20: [32, 18], 21: [256, 110], 22: [256, 82],
  23: [256, 136], 24: [1, 1], 25: [1, 2], 26: [1, 4], 27: [1, 8], 28: [1, 8], 29: [256, 56], 30: [1, 2],
  34: [256, 54], 35: [256, 66], 39: [32, 17],
};

const MAX_COUNT = 1 << 24;
const WINDOW = 1 << 20;

/** Buffered little-endian reads from a file, with the offset of every failure. */
class Cursor {
  private buffer = Buffer.alloc(WINDOW);
  private start = 0;
  private end = 0;
  offset = 0;

  constructor(private readonly fd: number, readonly size: number, readonly file: string) {}

  fail(expected: string, at = this.offset): never {
    throw new AntidoteError('MODEL_FORMAT', `not a valid GGUF model: ${expected}`, { file: this.file, offset: at });
  }

  bytes(n: number, what: string): Buffer {
    return this.take(n, what);
  }

  private take(n: number, what: string): Buffer {
    if (this.offset + n > this.size) this.fail(`${what} needs ${n} bytes but the file ends at byte ${this.size} (truncated?)`);
    if (this.offset < this.start || this.offset + n > this.end) {
      if (n > this.buffer.length) this.buffer = Buffer.alloc(n);
      this.start = this.offset;
      this.end = this.start + readSync(this.fd, this.buffer, 0, this.buffer.length, this.start);
    }
    const at = this.offset - this.start;
    this.offset += n;
    return this.buffer.subarray(at, at + n);
  }

  u32(what: string): number { return this.take(4, what).readUInt32LE(0); }
  u64(what: string): number {
    const at = this.offset;
    const value = this.take(8, what).readBigUInt64LE(0);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`${what} is ${value}, beyond any real file`, at);
    return Number(value);
  }
  count(what: string, limit: number): number {
    const at = this.offset;
    const n = this.u64(what);
    if (n > limit) this.fail(`${what} is ${n}, more than ${limit}`, at);
    return n;
  }
  string(what: string): string {
    const n = this.count(`length of ${what}`, this.size - this.offset);
    return this.take(n, what).toString('utf8');
  }

  value(type: number, what: string): GgufValue {
    switch (type) {
      case 0: return this.take(1, what).readUInt8(0);
      case 1: return this.take(1, what).readInt8(0);
      case 2: return this.take(2, what).readUInt16LE(0);
      case 3: return this.take(2, what).readInt16LE(0);
      case 4: return this.u32(what);
      case 5: return this.take(4, what).readInt32LE(0);
      case 6: return this.take(4, what).readFloatLE(0);
      case 7: return this.take(1, what).readUInt8(0) !== 0;
      case 8: return this.string(what);
      case 9: {
        const itemType = this.u32(`element type of ${what}`);
        const n = this.count(`length of ${what}`, this.size - this.offset);
        const items: GgufValue[] = [];
        for (let i = 0; i < n; i++) items.push(this.value(itemType, `${what}[${i}]`));
        return items;
      }
      case 10: return this.take(8, what).readBigUInt64LE(0);
      case 11: return this.take(8, what).readBigInt64LE(0);
      case 12: return this.take(8, what).readDoubleLE(0);
      default: return this.fail(`${what} has unknown value type ${type}`, this.offset - 4);
    }
  }
}

/** Reads and checks a GGUF file's header; tensor data is not read. */
export function readGguf(file: string): GgufFile {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new AntidoteError('INPUT_NOT_FOUND', `cannot open model: ${(error as Error).message}`, { file });
  }
  try {
    const c = new Cursor(fd, fstatSync(fd).size, file);
    const tag = c.bytes(4, 'the magic "GGUF"').toString('latin1');
    if (tag !== 'GGUF') c.fail(`expected magic "GGUF" at the start, found ${JSON.stringify(tag)}`, 0);
    const version = c.u32('version');
    if (version !== 2 && version !== 3) c.fail(`version ${version} is not supported (expected 2 or 3)`, 4);
    const tensorCount = c.count('tensor count', MAX_COUNT);
    const kvCount = c.count('metadata count', MAX_COUNT);
    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < kvCount; i++) {
      const key = c.string(`metadata key ${i}`);
      metadata.set(key, c.value(c.u32(`type of ${key}`), key));
    }
    const tensors: GgufTensor[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = c.string(`tensor name ${i}`);
      const at = c.offset;
      const nDims = c.u32(`dimension count of ${name}`);
      if (nDims < 1 || nDims > 4) c.fail(`tensor ${name} has ${nDims} dimensions (expected 1 to 4)`, at);
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(c.count(`dimension ${d} of ${name}`, 1 << 30));
      const type = c.u32(`type of ${name}`);
      const offset = c.u64(`data offset of ${name}`);
      const block = TYPE_SIZES[type];
      const elements = dims.reduce((a, b) => a * b, 1);
      const size = block ? (elements / block[0]) * block[1] : undefined;
      tensors.push({ name, dims, type, offset, size });
    }
    const alignment = Number(metadata.get('general.alignment') ?? 32);
    const dataOffset = Math.ceil(c.offset / alignment) * alignment;
    for (const t of tensors) {
      if (t.offset % alignment !== 0) c.fail(`tensor ${t.name} starts at data offset ${t.offset}, not a multiple of the alignment ${alignment}`, dataOffset);
      const end = dataOffset + t.offset + (t.size ?? 0);
      if (end > c.size) c.fail(`tensor ${t.name} needs bytes up to ${end} but the file ends at byte ${c.size} (truncated?)`, dataOffset + t.offset);
    }
    return { version, metadata, tensors, dataOffset, fileSize: c.size };
  } finally {
    closeSync(fd);
  }
}
