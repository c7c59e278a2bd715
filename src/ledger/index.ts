/**
 * The provenance ledger: a tamper-evident Merkle log of documents, datasets,
 * scan results and models, with signed checkpoints, offline receipts and
 * signed model/dataset bundles.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SqliteStore } from './store/sqlite.js';
import type { LedgerStore } from './store/types.js';

export * from './merkle/index.js';
export * from './note/index.js';
export * from './dsse/index.js';
export * from './signing/index.js';
export * from './records.js';
export { Ledger, LEDGER_FORMAT, type PendingRecord, type VerifyReport } from './log.js';
export { addDocuments, type AddOptions, type AddResult } from './ingest.js';
export { diffDatasets, type DatasetDiff, type DiffEntry } from './diff.js';
export type { LedgerStore, StoredEntry, StoredCheckpoint } from './store/types.js';

/** Where a ledger lives when --store is not given: a folder in the current directory. */
export const DEFAULT_LEDGER_DIR = '.antidote-ledger';

export function defaultStorePath(cwd = process.cwd()): string {
  return join(cwd, DEFAULT_LEDGER_DIR, 'ledger.sqlite');
}

/** Opens a store from a path (SQLite) or a postgres:// URL. */
export async function openStore(spec: string | undefined, options: { create: boolean }): Promise<LedgerStore> {
  if (spec && /^postgres(ql)?:\/\//.test(spec)) {
    const { PostgresStore } = await import('./store/postgres.js');
    return PostgresStore.connect(spec, options);
  }
  const path = spec ?? defaultStorePath();
  if (options.create && !existsSync(dirname(path))) mkdirSync(dirname(path), { recursive: true });
  return new SqliteStore(path, options);
}
export { provenanceCheck, checkMetadataName, METADATA_FIELDS, type ProvenancePolicy } from './policy.js';
export { recordScan } from './scans.js';
export { recordIncidents } from './incidents.js';
export { addModel, checkModel, modelCheckProblems, type ModelCheck } from './models.js';
export { fileDigest, describeFiles } from './files.js';
export { attestLineage, lineageOf, verifyLineage, SLSA_PROVENANCE, LINEAGE_BUILD_TYPE, type LineageStatement } from './lineage.js';
export { exactBytes } from './documents.js';
