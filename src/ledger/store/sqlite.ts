/**
 * The default store: one SQLite file in WAL mode. Each append is a single
 * transaction, so a killed process leaves either all of its entries and
 * their checkpoint or none of them.
 */
import Database from 'better-sqlite3';
import { AntidoteError } from '../../errors/index.js';
import { ledgerSchema, toEntry, type AppendTransaction, type EntryRow as Row, type LedgerStore, type StoredCheckpoint, type StoredEntry } from './types.js';

const SCHEMA = ledgerSchema({ integer: 'INTEGER', bytes: 'BLOB' });


export class SqliteStore implements LedgerStore {
  private readonly db: Database.Database;
  private readonly insertEntry: Database.Statement;
  private readonly insertCheckpoint: Database.Statement;
  private readonly countEntries: Database.Statement;
  private readonly hashRow: Database.Statement;

  constructor(readonly location: string, options: { create: boolean }) {
    try {
      this.db = new Database(location, { fileMustExist: !options.create });
      // Rows are appended in key order and rarely rewritten: large pages mean fewer of them to write and link.
      this.db.pragma('page_size = 16384');
      this.db.pragma('journal_mode = WAL');
      // In WAL mode NORMAL keeps every committed transaction through a killed
      // process; only a power cut can drop the last ones, never half of one.
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('cache_size = -65536');
      this.db.pragma('busy_timeout = 10000');
      this.db.exec(SCHEMA);
    } catch (e) {
      throw new AntidoteError('INPUT_UNREADABLE', `cannot open ledger store (${(e as Error).message})${options.create ? '' : "; run 'antidote ledger init' first"}`, { file: location }, { cause: e });
    }
    this.insertEntry = this.db.prepare('INSERT INTO entries (idx, kind, record, leaf, nodes, dataset, doc_id, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.insertCheckpoint = this.db.prepare('INSERT OR REPLACE INTO checkpoints (size, note) VALUES (?, ?)');
    // MAX(idx)+1 rather than COUNT(*): a deleted row must not shrink the log silently.
    this.countEntries = this.db.prepare('SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM entries');
    // Read for every proof: prepared once.
    this.hashRow = this.db.prepare('SELECT leaf, nodes FROM entries WHERE idx = ?');
  }

  async getMeta(): Promise<Record<string, string>> {
    const rows = this.db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  async initMeta(meta: Record<string, string>): Promise<void> {
    this.db.transaction(() => {
      const existing = (this.db.prepare('SELECT COUNT(*) AS n FROM meta').get() as { n: number }).n;
      if (existing > 0) throw new AntidoteError('USAGE', 'a ledger already exists here', { file: this.location });
      const insert = this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      for (const [k, v] of Object.entries(meta)) insert.run(k, v);
    }).immediate();
  }

  async size(): Promise<number> {
    return (this.countEntries.get() as { n: number }).n;
  }

  async beginAppend(expectedSize: number): Promise<AppendTransaction> {
    // IMMEDIATE takes the write lock now, so the size checked stays true until commit.
    this.db.exec('BEGIN IMMEDIATE');
    const size = (this.countEntries.get() as { n: number }).n;
    if (size !== expectedSize) {
      this.db.exec('ROLLBACK');
      throw new AntidoteError('USAGE', `ledger grew from ${expectedSize} to ${size} entries while this add ran (another writer?); run add again`, { file: this.location });
    }
    return {
      insert: async (entries) => {
        for (const e of entries) this.insertEntry.run(e.index, e.kind, e.record, e.leaf, e.nodes, e.dataset, e.docId, e.sha256);
      },
      commit: async (checkpoint) => {
        this.insertCheckpoint.run(checkpoint.size, checkpoint.note);
        this.db.exec('COMMIT');
      },
      rollback: async () => {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      },
    };
  }

  async *entries(start: number, end: number): AsyncIterable<StoredEntry> {
    // Pages keep memory flat and let other readers in between.
    const page = this.db.prepare('SELECT * FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx LIMIT 4096');
    let from = start;
    for (;;) {
      const rows = page.all(from, end) as Row[];
      for (const r of rows) yield toEntry(r);
      if (rows.length < 4096) return;
      from = Number(rows[rows.length - 1].idx) + 1;
    }
  }

  async hashRows(indices: readonly number[]): Promise<Map<number, { leaf: Buffer; nodes: Buffer }>> {
    const out = new Map<number, { leaf: Buffer; nodes: Buffer }>();
    for (const i of new Set(indices)) {
      const row = this.hashRow.get(i) as { leaf: Buffer; nodes: Buffer } | undefined;
      if (row) out.set(i, row);
    }
    return out;
  }

  async findDocuments(query: { docId?: string; sha256?: string; dataset?: string }, limit: number): Promise<StoredEntry[]> {
    const where: string[] = ["kind = 'document'"];
    const args: unknown[] = [];
    if (query.docId !== undefined) (where.push('doc_id = ?'), args.push(query.docId));
    if (query.sha256 !== undefined) (where.push('sha256 = ?'), args.push(query.sha256));
    if (query.dataset !== undefined) (where.push('dataset = ?'), args.push(query.dataset));
    return (this.db.prepare(`SELECT * FROM entries WHERE ${where.join(' AND ')} ORDER BY idx LIMIT ?`).all(...args, limit) as Row[]).map(toEntry);
  }

  async entriesOfKind(kind: string): Promise<StoredEntry[]> {
    return (this.db.prepare("SELECT * FROM entries WHERE kind = ? AND kind <> 'document' ORDER BY idx").all(kind) as Row[]).map(toEntry);
  }

  async checkpoints(): Promise<StoredCheckpoint[]> {
    return this.db.prepare('SELECT size, note FROM checkpoints ORDER BY size').all() as StoredCheckpoint[];
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.db.prepare('SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1').get() as StoredCheckpoint | undefined;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
