import { isUtf8 } from 'node:buffer';
import { AntidoteError, type Place } from '../../errors/index.js';
import { readBytes, splitLines } from '../bytes.js';
import type { Reader, RawItem } from '../types.js';

/** A line of only spaces, tabs and a carriage return: not a record. */
export function isBlankLine(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/**
 * Parse one JSONL line into a record's fields, or say precisely what is wrong.
 * Shared by the reader and the scan workers, which parse lines in parallel.
 */
export function parseJsonLine(bytes: Uint8Array, place: Place): { fields?: Record<string, unknown>; error?: AntidoteError } {
  if (!isUtf8(bytes)) {
    const bad = firstInvalidUtf8(bytes);
    const at = place.offset !== undefined ? `byte ${place.offset + bad} (column ${bad + 1})` : `column ${bad + 1}`;
    return { error: new AntidoteError('RECORD_ENCODING', `invalid UTF-8 at ${at}; expected UTF-8 text`, place) };
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (cause) {
    const msg = (cause as Error).message.replace(/^JSON\.parse: /, '');
    return { error: new AntidoteError('RECORD_MALFORMED', `malformed JSON (${msg}); expected one JSON object per line`, place, { cause }) };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { error: new AntidoteError('RECORD_MALFORMED', `expected a JSON object, found ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`, place) };
  }
  return { fields: value as Record<string, unknown> };
}

/** JSON Lines: one JSON object per line; blank lines are not records. */
export const jsonlReader: Reader = {
  format: 'jsonl',
  description: 'JSON Lines, one object per line (also .gz and .zst)',
  extensions: ['.jsonl', '.ndjson', '.json'],
  async *read(source, options): AsyncGenerator<RawItem> {
    for await (const items of this.readBatches!(source, options)) yield* items;
  },
  async *readBatches(source, options): AsyncGenerator<RawItem[]> {
    for await (const lines of splitLines(readBytes(source.path, source.name))) {
      const items: RawItem[] = [];
      for (const { bytes, line, offset } of lines) {
        if (isBlankLine(bytes)) continue;
        const place = { file: source.name, line, offset };
        const item: RawItem = { place, bytes: bytes.length, raw: bytes, defaultId: `${source.name}:${line}` };
        if (!options.rawOnly) {
          const parsed = parseJsonLine(bytes, place);
          if (parsed.error) item.error = parsed.error;
          else item.fields = parsed.fields;
        }
        items.push(item);
      }
      if (items.length) yield items;
    }
  },
};

/** Byte index of the first invalid UTF-8 sequence, for error messages. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) if (i + k >= bytes.length || (bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += need + 1;
  }
  return -1;
}
