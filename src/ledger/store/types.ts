/** What a ledger needs from its database; SQLite and PostgreSQL implement the same contract. */

export interface StoredEntry {
  index: number;
  kind: string;
  /** canonical JSON of the record: the leaf data */
  record: string;
  /** SHA-256(0x00 || record) */
  leaf: Buffer;
  /**
   * Hashes of the complete subtrees this leaf closes, levels 1 upward:
   * appending leaf i closes one node per trailing one-bit of i. Keeping them
   * on the leaf's row makes any node one primary-key lookup away.
   */
  nodes: Buffer;
  dataset: string | null;
  docId: string | null;
  sha256: string | null;
}

export interface StoredCheckpoint {
  size: number;
  note: string;
}

/** Entries written here are neither visible nor durable until `commit`. */
export interface AppendTransaction {
  insert(entries: readonly StoredEntry[]): Promise<void>;
  commit(checkpoint: StoredCheckpoint): Promise<void>;
  /** Discards everything inserted; harmless after a failed commit. */
  rollback(): Promise<void>;
}

export interface LedgerStore {
  /** where the ledger lives, for messages */
  readonly location: string;
  getMeta(): Promise<Record<string, string>>;
  /** Writes metadata once, at init; refuses a store that already has some. */
  initMeta(meta: Record<string, string>): Promise<void>;
  size(): Promise<number>;
  /**
   * Opens the one transaction in which entries are appended, batch by batch,
   * and which the checkpoint covering them closes. Holds the write lock until
   * commit or rollback; throws if the log no longer has `expectedSize` entries.
   */
  beginAppend(expectedSize: number): Promise<AppendTransaction>;
  /** Entries in index order from `start` (inclusive) to `end` (exclusive). */
  entries(start: number, end: number): AsyncIterable<StoredEntry>;
  /** Leaf and node hashes of the given rows, for building proofs. */
  hashRows(indices: readonly number[]): Promise<Map<number, { leaf: Buffer; nodes: Buffer }>>;
  /** Entries holding a document id or content hash, oldest first (a scan: appends keep no secondary index). */
  findDocuments(query: { docId?: string; sha256?: string; dataset?: string }, limit: number): Promise<StoredEntry[]>;
  /** Entries of one kind (datasets, scans, models), oldest first. */
  entriesOfKind(kind: string): Promise<StoredEntry[]>;
  checkpoints(): Promise<StoredCheckpoint[]>;
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  close(): Promise<void>;
}

/**
 * The tables both stores hold; only the integer and byte column types differ.
 * Document ids and hashes are not indexed: random keys made every append
 * rewrite pages all over an index (a third of `add`'s time at 1M entries),
 * while lookups by id are rare and a scan of a million rows takes a second.
 */
export function ledgerSchema(types: { integer: string; bytes: string }): string {
  return `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
  idx ${types.integer} PRIMARY KEY,
  kind TEXT NOT NULL,
  record TEXT NOT NULL,
  leaf ${types.bytes} NOT NULL,
  nodes ${types.bytes} NOT NULL,
  dataset TEXT,
  doc_id TEXT,
  sha256 TEXT
);
CREATE INDEX IF NOT EXISTS entries_kind ON entries(kind) WHERE kind <> 'document';
CREATE TABLE IF NOT EXISTS checkpoints (size ${types.integer} PRIMARY KEY, note TEXT NOT NULL);
`;
}

/** An entries row as both drivers return it (PostgreSQL gives BIGINT as a string). */
export interface EntryRow {
  idx: number | string;
  kind: string;
  record: string;
  leaf: Buffer;
  nodes: Buffer;
  dataset: string | null;
  doc_id: string | null;
  sha256: string | null;
}

export const toEntry = (r: EntryRow): StoredEntry => ({ index: Number(r.idx), kind: r.kind, record: r.record, leaf: r.leaf, nodes: r.nodes, dataset: r.dataset, docId: r.doc_id, sha256: r.sha256 });
