import { readFile } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { AntidoteError } from '../../errors/index.js';
import { readBytes, compressionOf } from '../bytes.js';
import { firstInvalidUtf8 } from './jsonl.js';
import type { Reader, RawItem } from '../types.js';

/** A file is binary when its first 8 KiB hold a NUL byte, as git decides. */
export function looksBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 8192).includes(0);
}

/** Plain text: the whole file is one document, its path is its id. */
export const textReader: Reader = {
  format: 'text',
  description: 'plain text, one document per file',
  extensions: ['.txt', '.md', '.rst', '.text', '.html', '.htm', '.xml', '.tex'],
  async *read(source, options): AsyncGenerator<RawItem> {
    let bytes: Buffer;
    if (compressionOf(source.path)) {
      const parts: Buffer[] = [];
      for await (const chunk of readBytes(source.path, source.name)) parts.push(chunk);
      bytes = Buffer.concat(parts);
    } else {
      try {
        bytes = await readFile(source.path);
      } catch (cause) {
        throw new AntidoteError('INPUT_UNREADABLE', (cause as Error).message, { file: source.name }, { cause });
      }
    }
    const place = { file: source.name };
    const item: RawItem = { place, bytes: bytes.length, defaultId: source.name };
    if (looksBinary(bytes)) {
      item.error = new AntidoteError('RECORD_BINARY', 'binary file (NUL byte in the first 8 KiB); expected UTF-8 text', place);
    } else if (!isUtf8(bytes)) {
      item.error = new AntidoteError('RECORD_ENCODING', `invalid UTF-8 at byte ${firstInvalidUtf8(bytes)}; expected UTF-8 text`, { file: source.name, offset: firstInvalidUtf8(bytes) });
    } else {
      item.fields = { [options.textField]: bytes.toString('utf8') };
    }
    yield item;
  },
};
