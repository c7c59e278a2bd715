/**
 * Per-example or per-batch losses as CSV rows, as a W&B table (or any run
 * history) exports them: a step column, a loss column, and the document id
 * (`id`) or the batch's ids (`ids`: space-separated or a JSON array).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { AntidoteError } from '../errors/index.js';
import type { LossEvent } from './types.js';

const STEP_COLUMNS = ['step', '_step', 'Step', 'global_step'];
const ID_COLUMNS = ['id', 'doc_id', 'document', 'sha256'];
const IDS_COLUMNS = ['ids', 'batch_ids', 'doc_ids'];

function idsOf(cell: string): string[] {
  const text = cell.trim();
  if (text.startsWith('[')) {
    const parsed = JSON.parse(text) as unknown;
    if (Array.isArray(parsed)) return parsed.map(String);
  }
  return text.split(/[\s,]+/).filter(Boolean);
}

export function readLossCsv(file: string, lossColumn: string): LossEvent[] {
  let rows: string[][];
  try {
    rows = parse(readFileSync(file, 'utf8'), { skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (error) {
    const e = error as Error & { code?: string; lines?: number };
    if (e.code === 'ENOENT') throw new AntidoteError('INPUT_NOT_FOUND', 'no such CSV file', { file });
    throw new AntidoteError('INPUT_FORMAT', `not valid CSV: ${e.message}`, { file, ...(e.lines ? { line: e.lines } : {}) });
  }
  const header = rows[0] ?? [];
  const column = (names: readonly string[]): number => header.findIndex((h) => names.includes(h.trim()));
  const step = column(STEP_COLUMNS);
  const loss = column([lossColumn]);
  const id = column(ID_COLUMNS);
  const ids = column(IDS_COLUMNS);
  if (step < 0 || loss < 0 || (id < 0 && ids < 0)) {
    throw new AntidoteError('RECORD_MISSING_FIELD', `the header needs a step column (${STEP_COLUMNS.join(' | ')}), a '${lossColumn}' column (or give --loss-key) and document ids (${[...ID_COLUMNS, ...IDS_COLUMNS].join(' | ')}); it has ${header.join(', ')}`, { file, line: 1 });
  }
  const events: LossEvent[] = [];
  rows.slice(1).forEach((row, i) => {
    const place = { file, line: i + 2 };
    const s = Number(row[step]);
    const l = Number(row[loss]);
    if (!Number.isInteger(s) || s < 0) throw new AntidoteError('RECORD_MALFORMED', `the step must be an integer >= 0, got ${JSON.stringify(row[step])}`, place);
    if (row[loss]?.trim() === '' || !Number.isFinite(l)) throw new AntidoteError('RECORD_MALFORMED', `the loss must be a finite number, got ${JSON.stringify(row[loss])}`, place);
    let named: string[];
    try {
      named = id >= 0 ? [row[id]!.trim()].filter(Boolean) : idsOf(row[ids]!);
    } catch {
      throw new AntidoteError('RECORD_MALFORMED', `the ids are neither space-separated nor a JSON array: ${JSON.stringify(row[ids]).slice(0, 80)}`, place);
    }
    if (named.length === 0) throw new AntidoteError('RECORD_MISSING_FIELD', 'no document id in this row; the monitor joins losses to documents by them', place);
    events.push({ step: s, ids: named, loss: l });
  });
  if (events.length === 0) throw new AntidoteError('INPUT_FORMAT', 'the CSV holds a header and no rows', { file });
  return events;
}
