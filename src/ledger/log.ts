/**
 * The append-only log over a store: appends records with their Merkle nodes
 * and a signed checkpoint in one transaction, builds proofs, and re-derives
 * everything on verify.
 */
import { AntidoteError } from '../errors/index.js';
import { EMPTY_ROOT, HASH_SIZE, RightEdge, consistencyProof, hashTextLeaf, inclusionProof, type NodeSource } from './merkle/index.js';
import { formatCheckpoint, formatTlogProof, NoteError, openCheckpoint, signNote, type SignerKey, type VerifierKey, parseVerifierKey } from './note/index.js';
import { canonicalJson, type DatasetRecord } from './records.js';
import type { AppendTransaction, LedgerStore, StoredEntry } from './store/types.js';

export const LEDGER_FORMAT = 'antidote-ledger/1';

/** A record on its way into the log; its `entry` field is set when its position is known. */
export interface PendingRecord {
  record: Record<string, unknown>;
  dataset?: string;
  docId?: string;
  sha256?: string;
}

/** An entry serialised elsewhere (an ingest worker), its record already naming its position. */
export interface PreparedEntry {
  index: number;
  kind: string;
  record: string;
  leaf: Buffer;
  dataset?: string;
  docId?: string;
  sha256?: string;
}

/**
 * Writes entries into one open append transaction: computes the nodes each
 * leaf closes and hands the rows to the store in batches.
 */
export class LogAppender {
  private batch: StoredEntry[] = [];

  constructor(
    private readonly transaction: AppendTransaction,
    private readonly edge: RightEdge,
    /** the next entry's index */
    public size: number,
    private readonly batchSize: number,
  ) {}

  /** Serialises one record at the next position. */
  async add(pending: PendingRecord): Promise<void> {
    pending.record.entry = this.size;
    const record = canonicalJson(pending.record);
    const leaf = hashTextLeaf(record);
    await this.addPrepared([{ index: this.size, kind: String(pending.record.kind), record, leaf, dataset: pending.dataset, docId: pending.docId, sha256: pending.sha256 }]);
  }

  async addPrepared(entries: readonly PreparedEntry[]): Promise<void> {
    for (const e of entries) {
      if (e.index !== this.size) throw new Error(`internal: entry prepared for position ${e.index} arrived at ${this.size}`);
      this.batch.push({ index: e.index, kind: e.kind, record: e.record, leaf: e.leaf, nodes: Buffer.concat(this.edge.push(e.leaf)), dataset: e.dataset ?? null, docId: e.docId ?? null, sha256: e.sha256 ?? null });
      this.size++;
    }
    if (this.batch.length >= this.batchSize) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const rows = this.batch;
    this.batch = [];
    await this.transaction.insert(rows);
  }
}

/** The row that holds node (level, index): the last leaf under it. */
function rowOf(level: number, index: number): number {
  return (index + 1) * 2 ** level - 1;
}

function nodeFrom(row: { leaf: Buffer; nodes: Buffer } | undefined, level: number, index: number): Buffer {
  if (!row) throw new AntidoteError('INPUT_FORMAT', `ledger is missing entry ${rowOf(level, index)} (needed for node ${level}/${index})`);
  if (level === 0) return row.leaf;
  const node = row.nodes.subarray((level - 1) * HASH_SIZE, level * HASH_SIZE);
  if (node.length !== HASH_SIZE) throw new AntidoteError('INPUT_FORMAT', `entry ${rowOf(level, index)} lacks its level-${level} node`);
  return node;
}

export interface VerifyReport {
  entries: number;
  checkpoints: number;
  /** size of the latest signed checkpoint */
  signedSize: number;
  root: string;
  /** the first entry found wrong, when there is one */
  firstBadEntry?: number;
  problems: string[];
}

export class Ledger {
  private constructor(
    readonly store: LedgerStore,
    readonly origin: string,
    readonly verifier: VerifierKey,
    private readonly signer: SignerKey | undefined,
  ) {}

  static async init(store: LedgerStore, origin: string, signer: SignerKey): Promise<Ledger> {
    if (signer.name !== origin) throw new AntidoteError('USAGE', `the signing key is named '${signer.name}' but the ledger origin is '${origin}'; checkpoints are signed by their origin`);
    await store.initMeta({ format: LEDGER_FORMAT, origin, verifier: signer.text });
    const ledger = new Ledger(store, origin, signer, signer);
    await ledger.append(async () => undefined);
    return ledger;
  }

  /** Opens a ledger; `trusted` overrides the key recorded in the store, which an attacker could replace. */
  static async open(store: LedgerStore, options: { signer?: SignerKey; trusted?: VerifierKey } = {}): Promise<Ledger> {
    const meta = await store.getMeta();
    if (meta.format !== LEDGER_FORMAT) throw new AntidoteError('INPUT_FORMAT', meta.format ? `ledger format '${meta.format}' is not ${LEDGER_FORMAT}` : "no ledger here; run 'antidote ledger init' first", { file: store.location });
    const recorded = parseVerifierKey(meta.verifier);
    const verifier = options.trusted ?? recorded;
    if (options.signer && options.signer.text !== verifier.text) throw new AntidoteError('USAGE', `the signing key ${options.signer.text} is not this ledger's key ${verifier.text}`);
    return new Ledger(store, meta.origin, verifier, options.signer);
  }

  private sign(size: number, root: Buffer): string {
    if (!this.signer) throw new AntidoteError('USAGE', "appending needs the ledger's signing key (--key)");
    return signNote(formatCheckpoint({ origin: this.origin, size, root, extensions: [] }), this.signer);
  }

  /** Node hashes of the complete subtrees that make up the tree of `size` leaves, left to right. */
  private async edgeAt(size: number): Promise<RightEdge> {
    const refs: { level: number; index: number }[] = [];
    let start = 0;
    for (let level = 52; level >= 0; level--) {
      const width = 2 ** level;
      if (start + width <= size) {
        refs.push({ level, index: start / width });
        start += width;
      }
    }
    return new RightEdge(await this.withNodes((source) => refs.map((r) => ({ level: r.level, hash: Buffer.from(source.node(r.level, r.index)) }))));
  }

  /**
   * Appends in one transaction: `write` adds entries, then a signed
   * checkpoint covering them commits. Either all of them land or, if `write`
   * throws or the process dies, none do.
   */
  async append<T>(write: (log: LogAppender) => Promise<T>, options: { batchSize?: number } = {}): Promise<{ first: number; size: number; value: T }> {
    if (!this.signer) throw new AntidoteError('USAGE', "appending needs the ledger's signing key (--key)");
    const first = await this.store.size();
    const edge = await this.edgeAt(first);
    const transaction = await this.store.beginAppend(first);
    try {
      const log = new LogAppender(transaction, edge, first, options.batchSize ?? 8192);
      const value = await write(log);
      await log.flush();
      await transaction.commit({ size: log.size, note: this.sign(log.size, edge.root()) });
      return { first, size: log.size, value };
    } catch (e) {
      await transaction.rollback();
      throw e;
    }
  }

  /** Runs a proof builder twice: once to learn which nodes it reads, then over those nodes fetched in one go. */
  private async withNodes<T>(build: (source: NodeSource) => T): Promise<T> {
    const wanted: { level: number; index: number }[] = [];
    build({ node: (level, index) => (wanted.push({ level, index }), EMPTY_ROOT) });
    const rows = await this.store.hashRows(wanted.map((w) => rowOf(w.level, w.index)));
    return build({ node: (level, index) => nodeFrom(rows.get(rowOf(level, index)), level, index) });
  }

  /** Dataset manifest records, oldest first. */
  async datasets(): Promise<DatasetRecord[]> {
    return (await this.store.entriesOfKind('dataset')).map((e) => JSON.parse(e.record) as DatasetRecord);
  }

  async latest(): Promise<{ size: number; note: string }> {
    const c = await this.store.latestCheckpoint();
    if (!c) throw new AntidoteError('INPUT_FORMAT', 'ledger has no checkpoint', { file: this.store.location });
    return c;
  }

  /** A C2SP tlog-proof for entry `index` against the latest checkpoint, carrying the record as its extra data. */
  async receipt(index: number): Promise<string> {
    const checkpoint = await this.latest();
    if (!Number.isSafeInteger(index) || index < 0 || index >= checkpoint.size) throw new AntidoteError('USAGE', `entry ${index} is not in the ledger (size ${checkpoint.size})`);
    const proof = await this.withNodes((source) => inclusionProof(source, index, checkpoint.size));
    const [entry] = await collect(this.store.entries(index, index + 1));
    return formatTlogProof({ index, proof: proof.map((h) => Buffer.from(h)), checkpoint: checkpoint.note, extra: Buffer.from(entry.record, 'utf8') });
  }

  async consistency(size1: number, size2: number): Promise<Buffer[]> {
    return (await this.withNodes((source) => consistencyProof(source, size1, size2))).map((h) => Buffer.from(h));
  }

  /**
   * Recomputes every leaf, node and checkpoint root from the records, in one
   * streaming pass with memory bounded by the tree's height. `external` is a
   * checkpoint kept outside the store (published, or from a receipt): the log
   * must still contain that tree.
   */
  async verify(options: { external?: string; maxProblems?: number } = {}): Promise<VerifyReport> {
    const maxProblems = options.maxProblems ?? 20;
    const problems: string[] = [];
    let firstBadEntry: number | undefined;
    const flag = (entry: number | undefined, message: string): void => {
      if (entry !== undefined && firstBadEntry === undefined) firstBadEntry = entry;
      if (problems.length < maxProblems) problems.push(message);
    };
    const signed = new Map<number, Buffer>();
    const stored = await this.store.checkpoints();
    for (const c of stored) {
      try {
        const opened = openCheckpoint(c.note, [this.verifier], this.origin);
        if (opened.size !== c.size) flag(undefined, `checkpoint row ${c.size} holds a checkpoint for size ${opened.size}`);
        else signed.set(c.size, opened.root);
      } catch (e) {
        flag(undefined, `checkpoint at size ${c.size} is forged or damaged: ${(e as Error).message}`);
      }
    }
    let externalRoot: { size: number; root: Buffer } | undefined;
    if (options.external) {
      try {
        const opened = openCheckpoint(options.external, [this.verifier], this.origin);
        externalRoot = { size: opened.size, root: opened.root };
      } catch (e) {
        throw new AntidoteError('INPUT_FORMAT', `the checkpoint given to compare with does not verify: ${(e as NoteError).message}`);
      }
    }
    const signedSize = Math.max(0, ...signed.keys());
    const storeSize = await this.store.size();
    const edge = new RightEdge();
    const checkRoot = (size: number): void => {
      const want = signed.get(size);
      if (want && !want.equals(edge.root())) flag(Math.max(0, size - 1), `tree of ${size} entries does not match its signed checkpoint: an entry before ${size} was changed, moved or removed`);
      if (externalRoot?.size === size && !externalRoot.root.equals(edge.root())) flag(Math.max(0, size - 1), `tree of ${size} entries does not match the checkpoint given: history was rewritten`);
    };
    let expected = 0;
    checkRoot(0);
    for await (const e of this.store.entries(0, storeSize)) {
      if (e.index !== expected) {
        flag(expected, `entry ${expected} is missing (the log jumps from ${expected - 1} to ${e.index})`);
        break;
      }
      const leaf = hashTextLeaf(e.record);
      if (!leaf.equals(e.leaf)) flag(e.index, `entry ${e.index}: record does not match its leaf hash (record changed)`);
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = JSON.parse(e.record);
      } catch {
        flag(e.index, `entry ${e.index}: record is not JSON`);
      }
      if (parsed) {
        if (canonicalJson(parsed) !== e.record) flag(e.index, `entry ${e.index}: record is not in canonical form`);
        if (parsed.entry !== e.index) flag(e.index, `entry ${e.index}: record says it is entry ${String(parsed.entry)} (moved)`);
      }
      const closed = edge.push(leaf);
      const wrongLevel = closed.findIndex((h, k) => !h.equals(e.nodes.subarray(k * HASH_SIZE, (k + 1) * HASH_SIZE)));
      if (wrongLevel >= 0 || e.nodes.length !== closed.length * HASH_SIZE) {
        // A record re-hashed together with its leaf shows only in the node above it: name the node's whole span.
        const from = e.index - 2 ** (Math.max(0, wrongLevel) + 1) + 1;
        flag(from, `entries ${from} to ${e.index}: stored tree nodes do not match the records (one was changed and re-hashed)`);
      }
      expected++;
      checkRoot(expected);
      if (problems.length >= maxProblems) break;
    }
    if (expected > signedSize) flag(signedSize, `entries ${signedSize} to ${expected - 1} are not covered by any signed checkpoint`);
    if (expected < signedSize) flag(expected, `log truncated: a checkpoint is signed for ${signedSize} entries but the store holds ${expected}; entry ${expected} onward is missing`);
    if (externalRoot && externalRoot.size > expected) flag(expected, `log truncated: the checkpoint given covers ${externalRoot.size} entries but the store holds ${expected}`);
    return { entries: expected, checkpoints: signed.size, signedSize, root: edge.root().toString('hex'), ...(firstBadEntry !== undefined ? { firstBadEntry } : {}), problems };
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of items) out.push(x);
  return out;
}
