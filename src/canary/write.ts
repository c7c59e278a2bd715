/**
 * `canary plant`'s reader and writer: copies a corpus record by record,
 * with the canary records put in among them, and writes the secrets file.
 * Both files are written beside their final names and renamed at the end,
 * so a failure leaves nothing half-written.
 */
import { createWriteStream, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { AntidoteError } from '../errors/index.js';
import { expandInputs, readCorpus } from '../corpus/index.js';
import { Random } from '../redteam/index.js';
import { canaryText, makeCanaries, placements } from './plant.js';
import type { CanaryFile } from './types.js';

export interface PlantOptions {
  out: string;
  /** where the secrets go */
  canaries: string;
  count: number;
  copies: number[];
  seed: number;
  textField: string;
  idField: string;
}

async function countRecords(inputs: readonly string[], read: { textField: string; idField: string }): Promise<number> {
  let n = 0;
  for await (const record of readCorpus(await expandInputs(inputs), { ...read, rawOnly: true }, (f) => { throw f.error; })) n += record.error ? 0 : 1;
  return n;
}

export async function plantCanaries(inputs: readonly string[], options: PlantOptions): Promise<{ file: CanaryFile; records: number; planted: number }> {
  for (const path of [options.out, options.canaries]) if (existsSync(path)) throw new AntidoteError('OUTPUT_FAILED', `${path} exists; choose another path (canaries are planted into a new corpus)`);
  const read = { textField: options.textField, idField: options.idField };
  const size = await countRecords(inputs, read);
  const random = new Random(options.seed);
  const file = makeCanaries(random, options.count, options.copies);
  const where = placements(random, file, size);
  const partial = `${options.out}.partial-${process.pid}`;
  const stream = createWriteStream(partial);
  const write = async (line: string | Buffer): Promise<void> => {
    if (!stream.write(line)) await once(stream, 'drain');
  };
  let position = 0;
  let next = 0;
  const plantUpTo = async (at: number): Promise<void> => {
    for (; next < where.length && where[next]![0] <= at; next++) {
      const [, k] = where[next]!;
      const canary = file.canaries[k]!;
      await write(`${JSON.stringify({ [options.idField]: `${canary.id}-${next}`, [options.textField]: canaryText(canary) })}\n`);
    }
  };
  try {
    for await (const record of readCorpus(await expandInputs(inputs), read, (f) => { throw f.error; })) {
      if (record.error) throw record.error;
      await plantUpTo(position++);
      const line = record.raw && /\.jsonl?(\.gz|\.zst)?$/i.test(record.place.file) ? record.raw : Buffer.from(JSON.stringify({ [options.idField]: record.id, [options.textField]: record.text ?? '' }));
      await write(line);
      await write('\n');
    }
    await plantUpTo(Infinity);
    stream.end();
    await once(stream, 'finish');
    writeFileSync(`${options.canaries}.partial-${process.pid}`, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${options.canaries}.partial-${process.pid}`, options.canaries);
    renameSync(partial, options.out);
  } catch (error) {
    stream.destroy();
    rmSync(partial, { force: true });
    rmSync(`${options.canaries}.partial-${process.pid}`, { force: true });
    if (error instanceof AntidoteError) throw error;
    throw new AntidoteError('OUTPUT_FAILED', `cannot plant canaries into ${options.out}: ${(error as Error).message}; nothing was written`);
  }
  return { file, records: size, planted: where.length };
}

/** Reads and checks a canary file (`canary plant --canaries`). */
export function readCanaryFile(path: string): CanaryFile {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new AntidoteError((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'INPUT_NOT_FOUND' : 'INPUT_FORMAT', `cannot read the canary file: ${(error as Error).message}; expected the file 'antidote canary plant' writes`, { file: path });
  }
  const file = value as Partial<CanaryFile>;
  const ok = file?.version === 'antidote-canaries/1' && Array.isArray(file.format) && file.format.every((n) => Number.isInteger(n) && n > 0) && Array.isArray(file.canaries)
    && file.canaries.every((c) => typeof c?.id === 'string' && typeof c.prefix === 'string' && typeof c.secret === 'string' && /^[0-9 ]+$/.test(c.secret) && Number.isInteger(c.copies));
  if (!ok) throw new AntidoteError('INPUT_FORMAT', "not a canary file: expected version 'antidote-canaries/1', a digit-group format and canaries with id, prefix, secret and copies", { file: path });
  if (file.canaries!.length === 0) throw new AntidoteError('INPUT_FORMAT', 'the canary file holds no canaries', { file: path });
  return file as CanaryFile;
}
