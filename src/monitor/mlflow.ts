/**
 * An MLflow run as its file store keeps it: `RUN/metrics/KEY`, one line per
 * logged value, "timestamp value step". Per-example losses are the metrics
 * under `KEY/` (the key's '/' makes a folder), one per document.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { AntidoteError } from '../errors/index.js';
import type { LossEvent } from './types.js';

function metricFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? metricFiles(path) : [path];
  });
}

/** `path`: a run folder (holding metrics/) or its metrics folder. */
export function readMlflowRun(path: string, key: string): LossEvent[] {
  const metrics = existsSync(join(path, 'metrics')) ? join(path, 'metrics') : path;
  if (!existsSync(metrics) || !statSync(metrics).isDirectory()) throw new AntidoteError('INPUT_NOT_FOUND', 'not an MLflow run folder: expected RUN/metrics/ as the MLflow file store writes it', { file: path });
  const perExample = join(metrics, key);
  if (!existsSync(perExample) || !statSync(perExample).isDirectory()) {
    const keys = readdirSync(metrics).slice(0, 20);
    throw new AntidoteError('RECORD_MISSING_FIELD', `no per-example losses with document ids: the monitor needs metrics logged as '${key}/<document id>' (or give --loss-key PREFIX), and the run holds ${keys.length ? `only ${keys.join(', ')}` : 'no metrics'}`, { file: metrics });
  }
  const events: LossEvent[] = [];
  for (const file of metricFiles(perExample)) {
    const id = relative(perExample, file).split(sep).join('/');
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      const [timestamp, value, step = '0'] = line.trim().split(/\s+/);
      const loss = Number(value);
      if (!/^\d+$/.test(timestamp ?? '') || !Number.isFinite(loss) || !/^\d+$/.test(step)) {
        throw new AntidoteError('RECORD_MALFORMED', `expected "timestamp value step" (integers around a finite number), got ${JSON.stringify(line.slice(0, 80))}`, { file, line: i + 1 });
      }
      events.push({ step: Number(step), ids: [id], loss });
    });
  }
  if (events.length === 0) throw new AntidoteError('INPUT_FORMAT', `the run's '${key}' metrics hold no values`, { file: perExample });
  // the file store keeps one file per document; the monitor reads the run in step order
  return events.sort((a, b) => a.step - b.step);
}
