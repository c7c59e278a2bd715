/**
 * TensorBoard event files: TFRecord framing (length, masked CRC32C of the
 * length, data, masked CRC32C of the data) around Event protobufs. Only the
 * fields the monitor needs are decoded: step, and the summary's scalar
 * values (simple_value, or a scalar tensor as TF2 writes them).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AntidoteError } from '../errors/index.js';
import type { LossEvent } from './types.js';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function maskedCrc(data: Uint8Array): number {
  const c = crc32c(data);
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

/** The data of each record, with its offset; a cut-off or damaged record is an error naming its byte offset. */
export function tfRecords(buffer: Buffer, file: string): Array<{ offset: number; data: Buffer }> {
  const out: Array<{ offset: number; data: Buffer }> = [];
  let at = 0;
  while (at < buffer.length) {
    if (buffer.length - at < 12) throw new AntidoteError('INPUT_FORMAT', `the record header at byte ${at} is cut short (${buffer.length - at} of 12 bytes): the event file is truncated or still being written`, { file, offset: at });
    const header = buffer.subarray(at, at + 8);
    if (buffer.readUInt32LE(at + 8) !== maskedCrc(header)) throw new AntidoteError('INPUT_FORMAT', `the record header at byte ${at} fails its CRC32C check: not a TensorBoard event file, or damaged`, { file, offset: at });
    const length = Number(buffer.readBigUInt64LE(at));
    if (buffer.length - at - 12 < length + 4) throw new AntidoteError('INPUT_FORMAT', `the record at byte ${at} is cut short (needs ${length + 16} bytes, the file has ${buffer.length - at} left): the event file is truncated or still being written`, { file, offset: at });
    const data = buffer.subarray(at + 12, at + 12 + length);
    if (buffer.readUInt32LE(at + 12 + length) !== maskedCrc(data)) throw new AntidoteError('INPUT_FORMAT', `the record at byte ${at} fails its CRC32C check: the event file is damaged`, { file, offset: at });
    out.push({ offset: at, data });
    at += 16 + length;
  }
  return out;
}

/** Protobuf fields of a message: number, wire type, and the value (a number for varints and fixed, the bytes for length-delimited). */
function* fields(buf: Buffer): Generator<{ field: number; wire: number; value: number; bytes?: Buffer; at: number }> {
  let at = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (at >= buf.length) throw new Error('varint runs past the end');
      const b = buf[at++]!;
      result += (b & 0x7f) * scale;
      if (!(b & 0x80)) return result;
      scale *= 128;
    }
  };
  while (at < buf.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    const start = at;
    if (wire === 0) yield { field, wire, value: varint(), at: start };
    else if (wire === 1) {
      if (at + 8 > buf.length) throw new Error('fixed64 runs past the end');
      yield { field, wire, value: buf.readDoubleLE(at), bytes: buf.subarray(at, at + 8), at: start };
      at += 8;
    } else if (wire === 5) {
      if (at + 4 > buf.length) throw new Error('fixed32 runs past the end');
      yield { field, wire, value: buf.readFloatLE(at), at: start };
      at += 4;
    } else if (wire === 2) {
      const length = varint();
      if (at + length > buf.length) throw new Error('a length-delimited field runs past the end');
      yield { field, wire, value: length, bytes: buf.subarray(at, at + length), at: start };
      at += length;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
}

/** A scalar tensor's value (TensorProto: float_val 5, double_val 6, or 4-byte tensor_content 4). */
function tensorScalar(buf: Buffer): number | undefined {
  for (const f of fields(buf)) {
    if (f.field === 5) return f.wire === 2 ? f.bytes!.readFloatLE(0) : f.value;
    if (f.field === 6) return f.wire === 2 ? f.bytes!.readDoubleLE(0) : f.value;
    if (f.field === 4 && f.bytes!.length === 4) return f.bytes!.readFloatLE(0);
  }
  return undefined;
}

/** Each scalar of an Event: [step, tag, value]. */
function scalarsOf(data: Buffer): Array<[number, string, number]> {
  let step = 0;
  const out: Array<[string, number]> = [];
  for (const f of fields(data)) {
    if (f.field === 2 && f.wire === 0) step = f.value;
    if (f.field !== 5 || f.wire !== 2) continue;
    for (const v of fields(f.bytes!)) {
      if (v.field !== 1 || v.wire !== 2) continue;
      let tag: string | undefined;
      let value: number | undefined;
      for (const part of fields(v.bytes!)) {
        if (part.field === 1 && part.wire === 2) tag = part.bytes!.toString('utf8');
        else if (part.field === 2 && part.wire === 5) value = part.value;
        else if (part.field === 8 && part.wire === 2) value = tensorScalar(part.bytes!);
      }
      if (tag !== undefined && value !== undefined) out.push([tag, value]);
    }
  }
  return out.map(([tag, value]) => [step, tag, value]);
}

/** The event files of a path: the file itself, or a folder's files whose name holds 'tfevents', in name order. */
function eventFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  const files = readdirSync(path).filter((n) => n.includes('tfevents')).sort().map((n) => join(path, n));
  if (files.length === 0) throw new AntidoteError('INPUT_NOT_FOUND', "no TensorBoard event files (events.out.tfevents.*) in the folder", { file: path });
  return files;
}

/** Per-example losses: scalars tagged `KEY/<document id>`. */
export function readTensorBoard(path: string, key: string): LossEvent[] {
  const events: LossEvent[] = [];
  const tags = new Set<string>();
  for (const file of eventFiles(path)) {
    for (const record of tfRecords(readFileSync(file), file)) {
      let scalars: Array<[number, string, number]>;
      try {
        scalars = scalarsOf(record.data);
      } catch (error) {
        throw new AntidoteError('INPUT_FORMAT', `the event at byte ${record.offset} is not a valid Event protobuf (${(error as Error).message})`, { file, offset: record.offset });
      }
      for (const [step, tag, loss] of scalars) {
        if (tag.startsWith(`${key}/`) && tag.length > key.length + 1) events.push({ step, ids: [tag.slice(key.length + 1)], loss });
        else if (tags.size < 20) tags.add(tag);
      }
    }
  }
  if (events.length === 0) {
    throw new AntidoteError('RECORD_MISSING_FIELD', `no per-example losses with document ids: the monitor needs scalars tagged '${key}/<document id>' (or give --loss-key PREFIX), and the event files hold ${tags.size ? `only ${[...tags].join(', ')}` : 'no scalars'}`, { file: path });
  }
  return events;
}
