/**
 * What the ledger records: documents, datasets (manifests), scan results and
 * model checkpoints, each as canonical JSON (sorted keys, no spaces) so that
 * the same record always hashes to the same leaf.
 */
import { hash } from 'node:crypto';
import { AntidoteError, type Place } from '../errors/index.js';

export type RecordKind = 'document' | 'dataset' | 'scan' | 'model' | 'incident' | 'decision' | 'hardening' | 'canary';

export const TRUST_LEVELS = ['untrusted', 'low', 'medium', 'high'] as const;
export type TrustLevel = (typeof TRUST_LEVELS)[number];

/** Version tag of the content normalisation, stored with every normalised hash. */
export const NORMALIZATION = 'antidote-norm/1';

/**
 * Cosmetic differences removed by normalisation v1: Unicode compatibility
 * forms (NFKC), invisible format characters, typographic quotes and dashes,
 * and runs of whitespace. Anything left that differs is a semantic change.
 */
export function normalizeContent(text: string): string {
  // Plain ASCII has nothing to fold but whitespace; most corpora are mostly ASCII.
  if (/^[\x00-\x7f]*$/.test(text)) return collapseSpace(text);
  const folded = text
    .normalize('NFKC')
    .replace(/\p{Cf}/gu, '')
    .replace(/[\u2018\u2019\u201a\u201b\u2032]/g, "'")
    .replace(/[\u201c\u201d\u201e\u201f\u2033]/g, '"')
    .replace(/[\u2010-\u2015\u2212]/g, '-');
  return collapseSpace(folded);
}

/**
 * Every run of whitespace to one space: the same as replacing /\s+/, but
 * single spaces, most of a text's whitespace, are not matched at all.
 */
function collapseSpace(text: string): string {
  return text.replace(/\s\s+|[^\S ]/g, ' ').trim();
}

export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}

/** True when every object's keys are already in sorted order and no value is undefined or non-finite. */
function inCanonicalOrder(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return value !== undefined && (typeof value !== 'number' || Number.isFinite(value));
  if (Array.isArray(value)) return value.every(inCanonicalOrder);
  let previous = '';
  for (const key in value as Record<string, unknown>) {
    if (key < previous || !inCanonicalOrder((value as Record<string, unknown>)[key])) return false;
    previous = key;
  }
  return true;
}

/** JSON with object keys sorted at every depth: one text per value. */
export function canonicalJson(value: unknown): string {
  // Records built with sorted keys (as the ledger builds them) take the native path.
  if (inCanonicalOrder(value)) return JSON.stringify(value);
  return sortedJson(value);
}

function sortedJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('canonical JSON has no NaN or Infinity');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${sortedJson(v)}`).join(',')}}`;
}

/** Provenance a user states for a document, from flags or a record's `provenance` object. */
export interface Provenance {
  source?: string;
  contributor?: string;
  license?: string;
  trust?: TrustLevel;
  /** ISO 8601; defaults to the time of `add` */
  ingested?: string;
  meta?: Record<string, string>;
}

const PROVENANCE_FIELDS: Record<keyof Provenance, 'string' | 'trust' | 'meta' | 'time'> = {
  source: 'string',
  contributor: 'string',
  license: 'string',
  trust: 'trust',
  ingested: 'time',
  meta: 'meta',
};

/** Checks a `provenance` object field for unknown keys and wrong types. */
export function parseProvenance(value: unknown, place: Place): Provenance {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new AntidoteError('RECORD_MALFORMED', `'provenance' must be an object, got ${Array.isArray(value) ? 'an array' : typeof value}`, place);
  const out: Provenance = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const kind = PROVENANCE_FIELDS[key as keyof Provenance];
    if (!kind) throw new AntidoteError('RECORD_MALFORMED', `unknown provenance field '${key}'; expected one of ${Object.keys(PROVENANCE_FIELDS).join(', ')}`, place);
    if (kind === 'meta') {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) throw new AntidoteError('RECORD_MALFORMED', `'provenance.meta' must be an object of strings`, place);
      out.meta = v as Record<string, string>;
    } else if (typeof v !== 'string') {
      throw new AntidoteError('RECORD_MALFORMED', `'provenance.${key}' must be a string, got ${typeof v}`, place);
    } else if (kind === 'trust') {
      out.trust = parseTrust(v, place);
    } else if (kind === 'time') {
      if (Number.isNaN(Date.parse(v))) throw new AntidoteError('RECORD_MALFORMED', `'provenance.ingested' must be an ISO 8601 time, got '${v}'`, place);
      out.ingested = new Date(v).toISOString();
    } else {
      (out as Record<string, string>)[key] = v;
    }
  }
  return out;
}

export function parseTrust(value: string, place?: Place): TrustLevel {
  if (!(TRUST_LEVELS as readonly string[]).includes(value)) throw new AntidoteError(place ? 'RECORD_MALFORMED' : 'USAGE', `trust level '${value}' is not one of ${TRUST_LEVELS.join(', ')}`, place);
  return value as TrustLevel;
}

export interface DocumentRecord {
  kind: 'document';
  /** position of this entry in the log; a moved row no longer matches it */
  entry: number;
  dataset: string;
  id: string;
  sha256: string;
  bytes: number;
  normalized: { version: string; sha256: string };
  source?: string;
  contributor?: string;
  license?: string;
  trust?: TrustLevel;
  ingested: string;
  meta?: Record<string, string>;
}

export interface DatasetFile {
  path: string;
  sha256: string;
  bytes: number;
}

export interface DatasetRecord {
  kind: 'dataset';
  entry: number;
  /** name@version */
  dataset: string;
  documents: number;
  firstEntry: number;
  lastEntry: number;
  /** Merkle root over the dataset's document leaves, in order */
  root: string;
  files: DatasetFile[];
  created: string;
  meta?: Record<string, string>;
}

export interface ScanRecord {
  kind: 'scan';
  entry: number;
  /** the dataset version scanned, when the scan checked provenance against one */
  dataset?: string;
  inputs: DatasetFile[];
  /** SHA-256 of the JSON report, so the full report can be shown to match later */
  report: { sha256: string; version: string };
  detectors: string[];
  checks: string[];
  scanned: number;
  quarantined: number;
  /** documents per incident are capped; `documentCount` is the full number */
  incidents: { id: string; detector: string; severity: string; payload: string; trigger: string | null; documentCount: number; documents: string[] }[];
  /** with --splits: the manifest's SHA-256, and each shard's clean and quarantine part */
  splits?: { manifest: string; parts: Array<{ shard: number; covers: string; clean: SplitPart; quarantine: SplitPart }> };
  created: string;
}

export interface SplitPart {
  path: string;
  records: number;
  bytes: number;
  sha256: string;
}

export interface ModelRecord {
  kind: 'model';
  entry: number;
  name: string;
  /** SHA-256 over the sorted per-file digests, as in a model signing statement */
  manifest: string;
  files: DatasetFile[];
  /** the dataset versions (name@N) it was trained on; a confirmed incident in one of them marks the model affected */
  trainedOn?: string[];
  created: string;
  meta?: Record<string, string>;
}

/** What a run-time guard refused or flagged: the request's hashes and an excerpt, and what the screens found. */
export interface IncidentRecord {
  kind: 'incident';
  entry: number;
  source: 'guard';
  created: string;
  route: string;
  /** the client by name, or as a hash of its key */
  client?: string;
  action: string;
  flags: { screen: string; message: string; detector?: string; trigger?: string }[];
  prompt: { sha256: string; excerpt: string };
  response?: { sha256: string; excerpt: string };
}

export const DECISION_ACTIONS = ['confirm', 'false-positive', 'accept-risk', 'reopen', 'comment'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

/**
 * A person's judgement of an incident, or a comment on it. The incident is
 * named by the entry that reported it (a scan or a guard incident) and, for
 * a scan, the incident's id in that scan.
 */
export interface DecisionRecord {
  kind: 'decision';
  entry: number;
  incident: { entry: number; id?: string };
  action: DecisionAction;
  /** the user who decided, as the server or CLI knew them */
  by: string;
  reason?: string;
  /** with confirm: the dataset versions holding the incident's documents when it was confirmed */
  affected?: { datasets: string[] };
  created: string;
}

/** A hardening export: what counter-examples were generated against which triggers, and what is to be removed. */
export interface HardeningRecord {
  kind: 'hardening';
  entry: number;
  /** SHA-256 of the export's manifest.json */
  manifest: string;
  triggers: string[];
  files: DatasetFile[];
  removal: { documents: number; datasets: string[] };
  created: string;
}

/** Canaries planted in a corpus: each secret is kept by its SHA-256 only, so the ledger can be published. */
export interface CanaryRecord {
  kind: 'canary';
  entry: number;
  /** the corpus written with the canaries in it */
  corpus: DatasetFile;
  canaries: Array<{ id: string; sha256: string; copies: number }>;
  created: string;
}

export type LedgerRecord = DocumentRecord | DatasetRecord | ScanRecord | ModelRecord | IncidentRecord | DecisionRecord | HardeningRecord | CanaryRecord;
