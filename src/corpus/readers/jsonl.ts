import { isUtf8 } from 'node:buffer';
import { AntidoteError } from '../../errors/index.js';
import { readBytes, splitLines } from '../bytes.js';
import type { Reader, RawItem } from '../types.js';

function isBlank(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** JSON Lines: one JSON object per line; blank lines are not records. */
export const jsonlReader: Reader = {
  format: 'jsonl',
  description: 'JSON Lines, one object per line (also .gz and .zst)',
  extensions: ['.jsonl', '.ndjson', '.json'],
  async *read(source, options): AsyncGenerator<RawItem> {
    for await (const { bytes, line, offset } of splitLines(readBytes(source.path, source.name))) {
      if (isBlank(bytes)) continue;
      const place = { file: source.name, line };
      const item: RawItem = { place, bytes: bytes.length, raw: bytes, defaultId: `${source.name}:${line}` };
      if (options.rawOnly) {
        yield item;
        continue;
      }
      if (!isUtf8(bytes)) {
        const bad = firstInvalidUtf8(bytes);
        item.error = new AntidoteError('RECORD_ENCODING', `invalid UTF-8 at byte ${offset + bad} (column ${bad + 1}); expected UTF-8 text`, place);
        yield item;
        continue;
      }
      const text = bytes.toString('utf8');
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (cause) {
        const msg = (cause as Error).message.replace(/^JSON\.parse: /, '');
        item.error = new AntidoteError('RECORD_MALFORMED', `malformed JSON (${msg}); expected one JSON object per line`, place, { cause });
        yield item;
        continue;
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        item.error = new AntidoteError('RECORD_MALFORMED', `expected a JSON object, found ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`, place);
        yield item;
        continue;
      }
      item.fields = value as Record<string, unknown>;
      yield item;
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
