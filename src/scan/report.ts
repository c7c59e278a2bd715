/** What a scan is asked (`ScanOptions`) and what it answers (`ScanResult`, the JSON report's shape). */
import type { Place } from '../errors/index.js';
import type { CheckFinding, DocumentCheck, Incident, Severity } from './types.js';
import type { Executor } from './executors/index.js';

export const REPORT_VERSION = '1.0';

export type OnError = 'quarantine' | 'stop';

export interface ScanOptions {
  inputs: readonly string[];
  /** force a format for every input (jsonl, csv, tsv, parquet, text) */
  format?: string;
  textField?: string;
  idField?: string;
  onError?: OnError;
  /** detector ids to run; all by default */
  detectors?: readonly string[];
  workers?: number;
  minSupport?: number;
  minPrecision?: number;
  maxDocumentFrequency?: number;
  /** documents the claim pass reads at most (MAX_CLAIM_DOCUMENTS by default): past it, those whose recurring sentences recur in fewest bands are left out, a class at a time */
  maxClaimDocuments?: number;
  /** documents at or above this severity go to quarantine */
  quarantineAt?: Severity;
  /** checks beyond the text detectors (the ledger's provenance policy); their findings join the verdicts */
  checks?: readonly DocumentCheck[];
  /** triggers to ignore: exact strings, or /regular expressions/ */
  allowlist?: readonly string[];
  cleanPath?: string;
  quarantinePath?: string;
  /** write the splits as one clean and one quarantine part per shard, and a manifest, under this directory (input the workers read: `plannable`) */
  splitsDir?: string;
  maxChars?: number;
  onProgress?: (progress: Progress) => void;
  stdin?: NodeJS.ReadableStream;
  /** who runs the passes' jobs; this machine's worker threads (`workers` of them) by default. The caller closes one it gives. */
  executor?: Executor;
}

export interface Progress {
  pass: 'analyse' | 'count' | 'write';
  records: number;
  bytes: number;
  /** records in the whole input, known after the first pass */
  totalRecords?: number;
  /** time spent in this pass */
  elapsedMs: number;
}

export interface RunError {
  code: string;
  message: string;
  place: Place;
  /** true when the rest of that input could not be read */
  fatalForInput: boolean;
}

export interface DocumentVerdict {
  index: number;
  id: string;
  place: Place;
  verdict: 'quarantine' | 'keep';
  severity: Severity | 'error';
  score: number;
  incidents: string[];
  findings: Array<Pick<CheckFinding, 'detector' | 'kind' | 'severity' | 'message'>>;
  error?: { code: string; message: string };
}

export interface CandidateStat {
  gram: string;
  support: number;
  /** documents holding it; for a candidate too common to be a trigger, the count at which it stopped being counted */
  documentFrequency: number;
  confirmed: boolean;
}

export interface ScanResult {
  version: string;
  tool: { name: 'antidote'; version: string };
  inputs: Array<{ name: string; format: string }>;
  settings: {
    detectors: string[]; checks: string[]; minSupport: number; minPrecision: number; maxDocumentFrequency: number;
    quarantineAt: Severity; onError: OnError; textField: string; idField: string;
  };
  stats: {
    records: number; bytes: number; errors: number; quarantined: number; kept: number;
    withFindings: number; shapes: Record<string, number>; elapsedMs: number; passes: number;
    /** wall time of each pass, ms */
    passMs: { analyse: number; count: number; write: number };
    /** candidate triggers counted over the corpus, and those the candidate budget left out (ranked last) */
    candidates: { counted: number; cut: number };
    /** the same for candidate claims; `documentsCut`: documents the claim pass's budget left out (those whose recurring sentences recur in fewest bands) */
    claims: { counted: number; cut: number; documentsCut: number };
  };
  incidents: Incident[];
  /** documents with findings or errors; documents with neither are clean */
  documents: DocumentVerdict[];
  errors: RunError[];
  /** candidate triggers and their document frequency, for the report's chart */
  candidates: CandidateStat[];
}
