/**
 * Model checkpoints in the ledger: a model record lists every file with its
 * SHA-256 (the same manifest model signing uses), so a checkpoint found later
 * can be checked against what was recorded.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AntidoteError } from '../errors/index.js';
import { manifestDigest, manifestOf } from './signing/index.js';
import type { DatasetFile, ModelRecord } from './records.js';
import type { Ledger } from './log.js';

async function filesOf(dir: string, ignorePaths: readonly string[]): Promise<{ files: DatasetFile[]; manifest: string }> {
  const resources = await manifestOf(dir, ignorePaths);
  if (resources.length === 0) throw new AntidoteError('INPUT_FORMAT', `${dir}: no files to record`);
  const root = resolve(dir);
  const files = resources.map((r) => ({ path: r.name, sha256: r.digest, bytes: statSync(r.name === '.' ? root : join(root, r.name)).size }));
  return { files, manifest: manifestDigest(resources) };
}

/** Appends a model record for the files under `dir`. */
/** `trainedOn`: the dataset versions (name@N) the model learnt from; each must be in the ledger. */
export async function addModel(ledger: Ledger, dir: string, options: { name: string; ignorePaths?: string[]; meta?: Record<string, string>; trainedOn?: string[] }): Promise<{ entry: number; record: Omit<ModelRecord, 'entry'> }> {
  const trainedOn = [...new Set(options.trainedOn ?? [])];
  if (trainedOn.length) {
    const known = new Set((await ledger.datasets()).map((d) => d.dataset));
    const unknown = trainedOn.filter((d) => !known.has(d));
    if (unknown.length) throw new AntidoteError('USAGE', `--trained-on names dataset versions the ledger does not hold: ${unknown.join(', ')}; give NAME@N as 'ledger add' recorded it`);
  }
  const { files, manifest } = await filesOf(dir, options.ignorePaths ?? []);
  const record: Omit<ModelRecord, 'entry'> = {
    kind: 'model', name: options.name, manifest, files, ...(trainedOn.length ? { trainedOn } : {}), created: new Date().toISOString(),
    ...(options.meta && Object.keys(options.meta).length ? { meta: options.meta } : {}),
  };
  const { size } = await ledger.append(async (log) => {
    await log.add({ record });
  });
  return { entry: size - 1, record };
}

export interface ModelCheck {
  /** the latest record of this model name */
  entry: number;
  trainedOn: string[];
  changed: string[];
  missing: string[];
  added: string[];
  ok: boolean;
}

/** One line per difference: `changed: PATH`, `missing: PATH`, `not recorded: PATH`. */
export function modelCheckProblems(check: ModelCheck): string[] {
  return [...check.changed.map((p) => `changed: ${p}`), ...check.missing.map((p) => `missing: ${p}`), ...check.added.map((p) => `not recorded: ${p}`)];
}

/** Compares the files under `dir` with the latest ledger record of model `name`. */
export async function checkModel(ledger: Ledger, dir: string, options: { name: string; ignorePaths?: string[] }): Promise<ModelCheck> {
  const records = (await ledger.store.entriesOfKind('model')).map((e) => JSON.parse(e.record) as ModelRecord).filter((m) => m.name === options.name);
  const recorded = records.at(-1);
  if (!recorded) throw new AntidoteError('USAGE', `no model named '${options.name}' in the ledger; record it with 'antidote ledger add-model'`);
  const { files } = await filesOf(dir, options.ignorePaths ?? []);
  const now = new Map(files.map((f) => [f.path, f.sha256]));
  const then = new Map(recorded.files.map((f) => [f.path, f.sha256]));
  const changed = [...then].filter(([p, sha]) => now.has(p) && now.get(p) !== sha).map(([p]) => p);
  const missing = [...then.keys()].filter((p) => !now.has(p));
  const added = [...now.keys()].filter((p) => !then.has(p));
  return { entry: recorded.entry, trainedOn: recorded.trainedOn ?? [], changed, missing, added, ok: changed.length + missing.length + added.length === 0 };
}
