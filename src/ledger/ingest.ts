/**
 * `ledger add`: documents from corpus files become document records, then one
 * dataset record closes the version with its manifest. Inputs are checked in
 * full before anything is written, so bad input leaves the ledger untouched.
 */
import { createReadStream, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { AntidoteError } from '../errors/index.js';
import { readCorpus, type CorpusRecord, type InputSource, type ReadOptions } from '../corpus/index.js';
import { RightEdge } from './merkle/index.js';
import { NORMALIZATION, normalizeContent, parseProvenance, sha256Hex, type DatasetFile, type DatasetRecord, type DocumentRecord, type Provenance } from './records.js';
import type { Ledger, PendingRecord } from './log.js';

export interface AddOptions extends ReadOptions {
  /** name, or name@version; the version defaults to the next number */
  dataset: string;
  /** provenance for records that do not state their own */
  defaults: Provenance;
  batchSize?: number;
  onProgress?: (committed: number, read: number) => void;
}

export interface AddResult {
  dataset: string;
  documents: number;
  firstEntry: number;
  size: number;
  root: string;
}

async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The exact bytes of a record: its line for line formats, the file for text, canonical fields otherwise. */
function exactBytes(r: CorpusRecord): Buffer {
  if (r.raw) return r.raw;
  if (r.fields && Object.keys(r.fields).length === 1 && typeof r.text === 'string') return Buffer.from(r.text, 'utf8');
  return Buffer.from(JSON.stringify(r.fields ?? {}), 'utf8');
}

async function nextVersion(ledger: Ledger, name: string): Promise<string> {
  const existing = (await ledger.datasets()).map((d) => d.dataset);
  if (name.includes('@')) {
    if (existing.includes(name)) throw new AntidoteError('USAGE', `dataset ${name} is already in the ledger; versions are immutable, add a new version`);
    return name;
  }
  const taken = existing.filter((d) => d.startsWith(`${name}@`)).map((d) => Number(d.slice(name.length + 1))).filter(Number.isInteger);
  return `${name}@${Math.max(0, ...taken) + 1}`;
}

function readAll(sources: readonly InputSource[], options: ReadOptions): AsyncGenerator<CorpusRecord> {
  return readCorpus(sources, options, ({ error }) => {
    throw error;
  });
}

/** First pass: every record readable, with text and well-formed provenance. */
async function validate(sources: readonly InputSource[], options: ReadOptions): Promise<number> {
  let n = 0;
  for await (const r of readAll(sources, options)) {
    if (r.error) throw new AntidoteError(r.error.code, `${r.error.message}; nothing was added`, undefined, { cause: r.error });
    parseProvenance(r.fields?.provenance, r.place);
    n++;
  }
  if (n === 0) throw new AntidoteError('INPUT_FORMAT', 'no records in the input; nothing was added');
  return n;
}

export async function addDocuments(ledger: Ledger, sources: readonly InputSource[], options: AddOptions): Promise<AddResult> {
  const total = await validate(sources, options);
  const dataset = await nextVersion(ledger, options.dataset);
  const ingested = new Date().toISOString();
  let read = 0;
  async function* documents(): AsyncGenerator<PendingRecord> {
    for await (const r of readAll(sources, options)) {
      const own = parseProvenance(r.fields?.provenance, r.place);
      const p = { ...options.defaults, ...own, meta: { ...options.defaults.meta, ...own.meta } };
      const bytes = exactBytes(r);
      const sha256 = sha256Hex(bytes);
      // Keys in sorted order, `entry` included, so that canonical JSON is plain JSON.stringify.
      const record: DocumentRecord = {
        bytes: bytes.length,
        contributor: p.contributor,
        dataset,
        entry: 0,
        id: r.id,
        ingested: p.ingested ?? ingested,
        kind: 'document',
        license: p.license,
        meta: Object.keys(p.meta).length > 0 ? p.meta : undefined,
        normalized: { sha256: sha256Hex(normalizeContent(r.text ?? '')), version: NORMALIZATION },
        sha256,
        source: p.source,
        trust: p.trust,
      };
      for (const key of ['contributor', 'license', 'meta', 'source', 'trust'] as const) if (record[key] === undefined) delete record[key];
      read++;
      yield { record: record as unknown as Record<string, unknown>, dataset, docId: r.id, sha256 };
    }
  }
  // The dataset's own Merkle root, over its document leaves in order.
  const datasetTree = new RightEdge();
  const { first, size } = await ledger.append(documents(), { batchSize: options.batchSize, onCommit: (committed) => options.onProgress?.(committed, read), onLeaf: (leaf) => datasetTree.push(leaf) });
  if (size - first !== total) throw new AntidoteError('INPUT_FORMAT', `input changed while it was added (${total} records checked, ${size - first} read)`);
  const root = datasetTree.root();
  const files: DatasetFile[] = [];
  for (const s of sources) files.push({ path: s.name, sha256: await fileDigest(s.path), bytes: statSync(s.path).size });
  const manifest: Omit<DatasetRecord, 'entry'> = { kind: 'dataset', dataset, documents: total, firstEntry: first, lastEntry: size - 1, root: root.toString('hex'), files, created: new Date().toISOString() };
  const closed = await ledger.append([{ record: manifest, dataset }], { onCommit: (committed) => options.onProgress?.(committed, read) });
  return { dataset, documents: total, firstEntry: first, size: closed.size, root: manifest.root };
}
