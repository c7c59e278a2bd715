/**
 * Document records from corpus records. The same code runs on the main
 * thread (formats parsed by their readers) and in the ingest workers (JSONL
 * lines, parsed there), so both paths build byte-identical records.
 */
import { AntidoteError } from '../errors/index.js';
import type { CorpusRecord } from '../corpus/index.js';
import { hashTextLeaf } from './merkle/index.js';
import { canonicalJson, NORMALIZATION, normalizeContent, parseProvenance, sha256Hex, type DocumentRecord, type Provenance } from './records.js';
import type { PreparedEntry } from './log.js';

export interface DocumentContext {
  /** name@version */
  dataset: string;
  /** provenance for records that do not state their own */
  defaults: Provenance;
  /** the time of this add, for records without their own */
  ingested: string;
}

/** The exact bytes of a record: its line for line formats, the file for text, canonical fields otherwise. */
export function exactBytes(r: CorpusRecord): Buffer {
  if (r.raw) return r.raw;
  if (r.fields && Object.keys(r.fields).length === 1 && typeof r.text === 'string') return Buffer.from(r.text, 'utf8');
  return Buffer.from(JSON.stringify(r.fields ?? {}), 'utf8');
}

/** The log entry for one document at position `index`; throws on a record that cannot be added. */
export function documentEntry(r: CorpusRecord, index: number, context: DocumentContext): PreparedEntry {
  if (r.error) throw r.error;
  const stated = r.fields?.provenance;
  // Most records state no provenance of their own: skip the merge for them.
  const own = stated === undefined ? undefined : parseProvenance(stated, r.place);
  const p = own ? { ...context.defaults, ...own, meta: { ...context.defaults.meta, ...own.meta } } : { ...context.defaults, meta: context.defaults.meta ?? {} };
  const bytes = exactBytes(r);
  const sha256 = sha256Hex(bytes);
  // Keys in sorted order, `entry` included, so that canonical JSON is plain JSON.stringify (unless meta's keys are not).
  const record: DocumentRecord = {
    bytes: bytes.length,
    contributor: p.contributor,
    dataset: context.dataset,
    entry: index,
    id: r.id,
    ingested: p.ingested ?? context.ingested,
    kind: 'document',
    license: p.license,
    meta: Object.keys(p.meta).length > 0 ? p.meta : undefined,
    normalized: { sha256: sha256Hex(normalizeContent(r.text ?? '')), version: NORMALIZATION },
    sha256,
    source: p.source,
    trust: p.trust,
  };
  for (const key of ['contributor', 'license', 'meta', 'source', 'trust'] as const) if (record[key] === undefined) delete record[key];
  // Keys are already sorted; only user metadata can bring unsorted ones.
  const json = record.meta ? canonicalJson(record) : JSON.stringify(record);
  return { index, kind: 'document', record: json, leaf: hashTextLeaf(json), dataset: context.dataset, docId: r.id, sha256 };
}

/** An error from a worker, rebuilt with its code; its message already names the place. */
export function rejected(code: AntidoteError['code'], message: string): AntidoteError {
  return new AntidoteError(code, `${message}; nothing was added`);
}
