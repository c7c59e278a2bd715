import { StringDecoder } from 'node:string_decoder';
import { AntidoteError } from '../../errors/index.js';
import { readBytes } from '../bytes.js';
import type { Reader, RawItem, InputSource } from '../types.js';

/**
 * RFC 4180 CSV (and TSV with the same quoting rules), streamed: a record may
 * span lines inside quotes. The first row names the fields.
 */
async function* readDelimited(source: InputSource, delimiter: string): AsyncGenerator<RawItem> {
  const decoder = new StringDecoder('utf8');
  let header: string[] | undefined;
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let afterQuote = false;
  let line = 1;
  let rowLine = 1;

  const finishRow = function* (): Generator<RawItem> {
    row.push(field);
    field = '';
    const place = { file: source.name, line: rowLine };
    const cells = row;
    row = [];
    const bytes = Buffer.byteLength(cells.join(delimiter));
    if (cells.length === 1 && cells[0] === '') return; // blank line
    if (!header) {
      header = cells;
      return;
    }
    const item: RawItem = { place, bytes, defaultId: `${source.name}:${place.line}` };
    if (cells.length !== header.length) {
      item.error = new AntidoteError('RECORD_MALFORMED', `expected ${header.length} fields as in the header, found ${cells.length}`, place);
      item.raw = Buffer.from(cells.join(delimiter));
      yield item;
      return;
    }
    const fields: Record<string, unknown> = {};
    header.forEach((name, i) => (fields[name] = cells[i]));
    item.fields = fields;
    yield item;
  };

  for await (const chunk of readBytes(source.path, source.name)) {
    const text = decoder.write(chunk);
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (quoted) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i++;
          } else {
            quoted = false;
            afterQuote = true;
          }
        } else {
          if (ch === '\n') line++;
          field += ch;
        }
        continue;
      }
      if (ch === '"' && field === '' && !afterQuote) {
        quoted = true;
      } else if (ch === delimiter) {
        row.push(field);
        field = '';
        afterQuote = false;
      } else if (ch === '\n') {
        if (field.endsWith('\r')) field = field.slice(0, -1);
        yield* finishRow();
        afterQuote = false;
        line++;
        rowLine = line;
      } else if (afterQuote && ch !== '\r') {
        throw new AntidoteError('RECORD_MALFORMED', `unexpected character ${JSON.stringify(ch)} after a closing quote; expected ${JSON.stringify(delimiter)} or end of line`, { file: source.name, line });
      } else {
        field += ch;
      }
    }
  }
  field += decoder.end();
  if (quoted) {
    throw new AntidoteError('RECORD_MALFORMED', 'unterminated quoted field at end of file; expected a closing quote', { file: source.name, line: rowLine });
  }
  if (field !== '' || row.length > 0) yield* finishRow();
}

export const csvReader: Reader = {
  format: 'csv',
  description: 'CSV with a header row (RFC 4180 quoting)',
  extensions: ['.csv'],
  read: (source) => readDelimited(source, ','),
};

export const tsvReader: Reader = {
  format: 'tsv',
  description: 'TSV with a header row',
  extensions: ['.tsv', '.tab'],
  read: (source) => readDelimited(source, '\t'),
};
