/**
 * Reading a training loss log: TensorBoard event files, an MLflow run and
 * CSV (tensorboard.ts, mlflow.ts, csv.ts), or JSON lines, each an example's loss
 * (`{"step", "id", "loss"}`) or a batch's (`{"step", "ids": [...], "loss"}`).
 * A document may be named by its hash (`sha256`) where the trainer has no
 * ids. Anything else is an error naming the line and what was expected.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { AntidoteError } from '../errors/index.js';
import type { LossEvent } from './types.js';
import { readTensorBoard } from './tensorboard.js';
import { readMlflowRun } from './mlflow.js';
import { readLossCsv } from './csv.js';

const idOf = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined);

/** One log line as an event; `place` names it in errors. */
export function parseLossLine(line: string, place: { file: string; line: number }): LossEvent {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new AntidoteError('INPUT_FORMAT', `not a JSON line (${(e as Error).message}); a cut-off last line means the log is still being written: use --follow`, place);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new AntidoteError('INPUT_FORMAT', 'expected a JSON object with step, id (or ids, or sha256) and loss', place);
  const step = value.step;
  if (!Number.isInteger(step) || (step as number) < 0) throw new AntidoteError('RECORD_MALFORMED', `'step' must be an integer >= 0, got ${JSON.stringify(step)}`, place);
  const loss = value.loss;
  if (typeof loss !== 'number' || !Number.isFinite(loss)) throw new AntidoteError('RECORD_MALFORMED', `'loss' must be a finite number, got ${JSON.stringify(loss)}`, place);
  const ids = Array.isArray(value.ids) ? value.ids.map(idOf) : [idOf(value.id) ?? idOf(value.sha256)];
  if (ids.length === 0 || ids.some((id) => id === undefined)) {
    throw new AntidoteError('RECORD_MISSING_FIELD', "no document id: each line needs 'id' (or 'ids' for a batch, or 'sha256'); the monitor joins losses to documents by them, so a log without ids cannot be read", place);
  }
  return { step: step as number, ids: ids as string[], loss };
}

/** Every event of a log file (plain or .gz), in file order. */
export async function readLossLog(file: string): Promise<LossEvent[]> {
  const events: LossEvent[] = [];
  const raw = createReadStream(file);
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (e) => input.destroy(e));
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim()) events.push(parseLossLine(line, { file, line: n }));
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AntidoteError('INPUT_NOT_FOUND', 'no such log file', { file });
    if (code?.startsWith('Z_')) throw new AntidoteError('DECOMPRESSION', `the gzip stream is damaged or cut short after line ${n} (${(e as Error).message})`, { file });
    throw e;
  }
  if (events.length === 0) throw new AntidoteError('INPUT_FORMAT', 'the log holds no loss lines', { file });
  return events;
}

export const LOG_FORMATS = ['jsonl', 'tensorboard', 'mlflow', 'csv'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The format a path's name and shape say: a folder is an MLflow run or TensorBoard logs, a file by its name. */
export function logFormatOf(path: string): LogFormat {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new AntidoteError('INPUT_NOT_FOUND', 'no such log file or folder', { file: path });
  }
  if (isDir) return existsSync(join(path, 'metrics')) || basename(path) === 'metrics' ? 'mlflow' : 'tensorboard';
  if (basename(path).includes('tfevents')) return 'tensorboard';
  if (/\.csv$/i.test(path)) return 'csv';
  return 'jsonl';
}

/** Any supported log as loss events; `key` names the per-example series (TensorBoard tag and MLflow metric prefix, CSV loss column). */
export async function readTrainingLog(path: string, options: { format?: LogFormat; key?: string } = {}): Promise<LossEvent[]> {
  const format = options.format ?? logFormatOf(path);
  if (format === 'tensorboard') return readTensorBoard(path, options.key ?? 'example_loss');
  if (format === 'mlflow') return readMlflowRun(path, options.key ?? 'example_loss');
  if (format === 'csv') return readLossCsv(path, options.key ?? 'loss');
  return readLossLog(path);
}
