/**
 * The readers of `harden export`: a scan's findings, an audit report, clean
 * prompts from a corpus, and the exact-byte hashes of the scanned documents.
 */
import { readFile } from 'node:fs/promises';
import { AntidoteError } from '../errors/index.js';
import { expandInputs, readCorpus } from '../corpus/index.js';
import { exactBytes, sha256Hex } from '../ledger/index.js';
import { opening, type AuditReport } from '../audit/index.js';
import { Random, Reservoir } from '../redteam/index.js';
import type { ScanResult } from '../scan/index.js';
import type { PromptPair } from './types.js';

async function readJson(file: string, what: string, expected: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new AntidoteError('INPUT_NOT_FOUND', `cannot read ${what}: ${(error as Error).message}`, { file });
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (error) {
    throw new AntidoteError('INPUT_FORMAT', `not JSON (${(error as Error).message}); expected ${expected}`, { file });
  }
  throw new AntidoteError('INPUT_FORMAT', `not a JSON object; expected ${expected}`, { file });
}

export async function readFindings(file: string): Promise<ScanResult> {
  const value = await readJson(file, 'scan findings', "the file 'antidote scan --json' writes");
  if (!Array.isArray(value.incidents) || !Array.isArray(value.documents) || !Array.isArray(value.inputs)) {
    throw new AntidoteError('INPUT_FORMAT', "no 'incidents', 'documents' and 'inputs' arrays; expected the file 'antidote scan --json' writes", { file });
  }
  return value as unknown as ScanResult;
}

export async function readAuditReport(file: string): Promise<AuditReport> {
  const value = await readJson(file, 'audit report', "the file 'antidote audit --json' writes");
  if (!Array.isArray(value.triggers)) throw new AntidoteError('INPUT_FORMAT', "no 'triggers' array; expected the file 'antidote audit --json' writes", { file });
  return value as unknown as AuditReport;
}

export interface PromptPairOptions {
  count: number;
  seed: number;
  maxPromptChars: number;
  maxContinuationChars: number;
  /** documents not to use (the ones being removed) */
  exclude: ReadonlySet<string>;
}

/** `count` documents drawn uniformly (reservoir sampling), each cut into an opening and what follows it. */
export async function readPromptPairs(inputs: readonly string[], options: PromptPairOptions): Promise<PromptPair[]> {
  const chosen = new Reservoir<PromptPair>(options.count, new Random(options.seed));
  const failures: string[] = [];
  for await (const record of readCorpus(await expandInputs(inputs), { textField: 'text', idField: 'id' }, (f) => failures.push(f.error.message))) {
    if (record.error || !record.text || options.exclude.has(record.id)) continue;
    const flat = record.text.replace(/\s+/g, ' ').trim();
    const prefix = opening(flat, options.maxPromptChars);
    const continuation = opening(flat.slice(prefix.length), options.maxContinuationChars);
    // a pair needs something to continue with: a few words at least
    if (prefix.length < 20 || continuation.length < 40) continue;
    chosen.offer({ source: record.id, prefix, continuation });
  }
  if (failures.length) throw new AntidoteError('INPUT_UNREADABLE', failures.join('; '));
  if (chosen.items.length === 0) throw new AntidoteError('INPUT_FORMAT', `no documents in ${inputs.join(', ')} long enough to cut into a prompt and its continuation (${options.maxPromptChars} + 40 characters)`);
  return chosen.items;
}

/** SHA-256 of the exact bytes of the records named in `ids`, read from the files a scan read (the ledger's document hash). */
export async function hashesOf(scan: Pick<ScanResult, 'inputs' | 'settings'>, ids: ReadonlySet<string>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const failures: string[] = [];
  const sources = await expandInputs(scan.inputs.map((i) => i.name)).catch((error: unknown) => {
    throw new AntidoteError('INPUT_NOT_FOUND', `cannot read the scanned files again to hash the documents to remove (${(error as Error).message}); run from where the scan ran, or give --store so the ledger's hashes are used`);
  });
  const read = { textField: scan.settings?.textField ?? 'text', idField: scan.settings?.idField ?? 'id' };
  for await (const record of readCorpus(sources, read, (f) => failures.push(f.error.message))) {
    if (ids.has(record.id) && !record.error) out.set(record.id, sha256Hex(exactBytes(record)));
  }
  if (failures.length) throw new AntidoteError('INPUT_UNREADABLE', failures.join('; '));
  return out;
}
