/**
 * Clean and quarantine splits. Every input record lands in exactly one of
 * them: clean JSONL lines are the input's bytes unchanged; quarantine records
 * keep every original field and gain an `antidote` field saying why. A record
 * that could not be parsed is kept in quarantine with its raw text.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { isUtf8 } from 'node:buffer';
import { AntidoteError } from '../../errors/index.js';
import { readCorpus, type CorpusRecord, type InputSource, type ReadOptions } from '../../corpus/index.js';
import type { DocumentVerdict } from '../report.js';

class LineWriter {
  private readonly stream?: WriteStream;
  private readonly path?: string;
  count = 0;

  constructor(path: string | undefined) {
    this.path = path;
    if (path) this.stream = createWriteStream(path);
  }

  async write(data: Buffer | string): Promise<void> {
    this.count++;
    if (!this.stream) return;
    const a = this.stream.write(data);
    const b = this.stream.write('\n');
    if (!a || !b) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (!this.stream) return;
    this.stream.end();
    try {
      await once(this.stream, 'finish');
    } catch (cause) {
      throw new AntidoteError('OUTPUT_FAILED', `could not write (${(cause as Error).message})`, { file: this.path! }, { cause });
    }
  }
}

function fieldsOf(record: CorpusRecord): Record<string, unknown> | undefined {
  if (record.fields) return record.fields;
  if (!record.raw || !isUtf8(record.raw)) return undefined;
  try {
    const v = JSON.parse(record.raw.toString('utf8'));
    return v && typeof v === 'object' && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function quarantineRecord(record: CorpusRecord, verdict: DocumentVerdict): string {
  const antidote: Record<string, unknown> = {
    severity: verdict.severity,
    score: verdict.score,
    incidents: verdict.incidents,
    detectors: [...new Set(verdict.findings.map((f) => f.detector))],
    source: verdict.place,
  };
  if (verdict.error) antidote.error = verdict.error;
  const fields = verdict.error ? undefined : fieldsOf(record);
  if (fields) return JSON.stringify({ ...fields, antidote });
  // unreadable record: keep its bytes exactly, as text when possible
  const raw = record.raw;
  if (raw && isUtf8(raw)) return JSON.stringify({ antidote, raw_text: raw.toString('utf8') });
  if (raw) return JSON.stringify({ antidote, raw_base64: raw.toString('base64') });
  return JSON.stringify({ antidote });
}

export async function writeSplits(
  sources: readonly InputSource[],
  readOptions: ReadOptions,
  quarantined: ReadonlyMap<number, DocumentVerdict>,
  paths: { clean?: string; quarantine?: string },
  onProgress: (records: number) => void,
): Promise<{ clean: number; quarantine: number }> {
  const clean = new LineWriter(paths.clean);
  const quarantine = new LineWriter(paths.quarantine);
  let n = 0;
  const failures: AntidoteError[] = [];
  const formatOf = new Map(sources.map((s) => [s.name, s.format]));
  for await (const record of readCorpus(sources, readOptions, ({ error }) => failures.push(error))) {
    n++;
    if (n % 10000 === 0) onProgress(n);
    const verdict = quarantined.get(record.index);
    if (verdict) await quarantine.write(quarantineRecord(record, verdict));
    else if (record.raw && formatOf.get(record.place.file) === 'jsonl') await clean.write(record.raw);
    else await clean.write(JSON.stringify(record.fields ?? { text: record.text }));
  }
  await clean.close();
  await quarantine.close();
  onProgress(n);
  return { clean: clean.count, quarantine: quarantine.count };
}
