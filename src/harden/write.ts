/**
 * Writes the export folder whole or not at all: everything goes to a
 * temporary folder beside it, which is renamed into place at the end.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { AntidoteError } from '../errors/index.js';
import { sha256Hex } from '../ledger/index.js';
import type { HardenFiles, HardenManifest } from './types.js';

/** File name, format and records of each output, in the order the manifest lists them. */
const OUTPUTS: Array<{ path: string; format: string; pick: (f: HardenFiles) => readonly object[] }> = [
  { path: 'sft-text.jsonl', format: 'JSONL {"text"}: plain-text fine-tuning', pick: (f) => f.sftText },
  { path: 'sft-chat.jsonl', format: 'JSONL {"messages"}: chat fine-tuning', pick: (f) => f.sftChat },
  { path: 'dpo.jsonl', format: 'JSONL {"prompt", "chosen", "rejected"}: preference pairs', pick: (f) => f.preferences },
  { path: 'removal.jsonl', format: 'JSONL {"id", "sha256", "datasets"}: documents to drop before retraining', pick: (f) => f.removal },
];

function jsonl(records: readonly object[]): string {
  return records.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/** Writes DIR with the four files and manifest.json; the manifest, with each file's digest. */
export function writeHardenExport(out: string, files: HardenFiles, manifest: Omit<HardenManifest, 'files'>): HardenManifest {
  if (existsSync(out) && readdirSync(out).length > 0) throw new AntidoteError('OUTPUT_FAILED', `${out} exists and is not empty; remove it or choose another --out (an export is written whole)`);
  const partial = join(dirname(out), `.${basename(out)}.partial-${process.pid}`);
  try {
    mkdirSync(partial, { recursive: true });
    const listed: HardenManifest['files'] = OUTPUTS.map(({ path, format, pick }) => {
      const text = jsonl(pick(files));
      writeFileSync(join(partial, path), text);
      return { path, format, records: pick(files).length, sha256: sha256Hex(text) };
    });
    const full: HardenManifest = { ...manifest, files: listed };
    writeFileSync(join(partial, 'manifest.json'), `${JSON.stringify(full, null, 2)}\n`);
    if (existsSync(out)) rmSync(out, { recursive: true });
    renameSync(partial, out);
    return full;
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (error instanceof AntidoteError) throw error;
    throw new AntidoteError('OUTPUT_FAILED', `cannot write ${out}: ${(error as Error).message}; nothing was written`);
  }
}
