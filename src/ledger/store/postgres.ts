/**
 * A shared ledger in PostgreSQL: the same tables and contract as the SQLite
 * store. Appends take an exclusive table lock inside their transaction, so
 * concurrent writers queue instead of interleaving entries.
 */
import pg from 'pg';
import { AntidoteError } from '../../errors/index.js';
import { ledgerSchema, toEntry, type AppendTransaction, type EntryRow as Row, type LedgerStore, type StoredCheckpoint, type StoredEntry } from './types.js';

const SCHEMA = ledgerSchema({ integer: 'BIGINT', bytes: 'BYTEA' });


/** Rows per INSERT statement: large enough to amortise round trips, under the 65535-parameter limit. */
const ROWS_PER_INSERT = 1000;

export class PostgresStore implements LedgerStore {
  private constructor(
    readonly location: string,
    private readonly client: pg.Client,
  ) {}

  static async connect(url: string, options: { create: boolean }): Promise<PostgresStore> {
    const client = new pg.Client({ connectionString: url });
    const location = url.replace(/:[^:@/]*@/, ':***@');
    try {
      await client.connect();
      if (options.create) await client.query(SCHEMA);
      else if (!(await client.query("SELECT to_regclass('entries') AS t")).rows[0].t) throw new Error("no ledger tables; run 'antidote ledger init' first");
    } catch (e) {
      await client.end().catch(() => undefined);
      throw new AntidoteError('INPUT_UNREADABLE', `cannot open ledger store (${(e as Error).message})`, { file: location }, { cause: e });
    }
    return new PostgresStore(location, client);
  }

  private async transaction<T>(work: () => Promise<T>): Promise<T> {
    await this.client.query('BEGIN');
    try {
      const out = await work();
      await this.client.query('COMMIT');
      return out;
    } catch (e) {
      await this.client.query('ROLLBACK');
      throw e;
    }
  }

  async getMeta(): Promise<Record<string, string>> {
    const { rows } = await this.client.query('SELECT key, value FROM meta');
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  async initMeta(meta: Record<string, string>): Promise<void> {
    await this.transaction(async () => {
      await this.client.query('LOCK TABLE meta IN EXCLUSIVE MODE');
      if (Number((await this.client.query('SELECT COUNT(*) AS n FROM meta')).rows[0].n) > 0) throw new AntidoteError('USAGE', 'a ledger already exists here', { file: this.location });
      for (const [k, v] of Object.entries(meta)) await this.client.query('INSERT INTO meta (key, value) VALUES ($1, $2)', [k, v]);
    });
  }

  private async count(): Promise<number> {
    return Number((await this.client.query('SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM entries')).rows[0].n);
  }

  async size(): Promise<number> {
    return this.count();
  }

  async beginAppend(expectedSize: number): Promise<AppendTransaction> {
    await this.client.query('BEGIN');
    try {
      await this.client.query('LOCK TABLE entries IN EXCLUSIVE MODE');
      const size = await this.count();
      if (size !== expectedSize) throw new AntidoteError('USAGE', `ledger grew from ${expectedSize} to ${size} entries while this add ran (another writer?); run add again`, { file: this.location });
    } catch (e) {
      await this.client.query('ROLLBACK');
      throw e;
    }
    let open = true;
    return {
      insert: (entries) => this.insert(entries),
      commit: async (checkpoint) => {
        await this.client.query('INSERT INTO checkpoints (size, note) VALUES ($1, $2) ON CONFLICT (size) DO UPDATE SET note = EXCLUDED.note', [checkpoint.size, checkpoint.note]);
        open = false;
        await this.client.query('COMMIT');
      },
      rollback: async () => {
        if (open) await this.client.query('ROLLBACK');
        open = false;
      },
    };
  }

  private async insert(entries: readonly StoredEntry[]): Promise<void> {
    for (let at = 0; at < entries.length; at += ROWS_PER_INSERT) {
      const chunk = entries.slice(at, at + ROWS_PER_INSERT);
      const values: unknown[] = [];
      const rows = chunk.map((e, i) => {
        values.push(e.index, e.kind, e.record, e.leaf, e.nodes, e.dataset, e.docId, e.sha256);
        const p = i * 8;
        return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, $${p + 7}, $${p + 8})`;
      });
      await this.client.query(`INSERT INTO entries (idx, kind, record, leaf, nodes, dataset, doc_id, sha256) VALUES ${rows.join(', ')}`, values);
    }
  }

  async *entries(start: number, end: number): AsyncIterable<StoredEntry> {
    let from = start;
    for (;;) {
      const { rows } = await this.client.query<Row>('SELECT * FROM entries WHERE idx >= $1 AND idx < $2 ORDER BY idx LIMIT 4096', [from, end]);
      for (const r of rows) yield toEntry(r);
      if (rows.length < 4096) return;
      from = Number(rows[rows.length - 1].idx) + 1;
    }
  }

  async hashRows(indices: readonly number[]): Promise<Map<number, { leaf: Buffer; nodes: Buffer }>> {
    const { rows } = await this.client.query('SELECT idx, leaf, nodes FROM entries WHERE idx = ANY($1::bigint[])', [[...new Set(indices)]]);
    return new Map(rows.map((r) => [Number(r.idx), { leaf: r.leaf, nodes: r.nodes }]));
  }

  async findDocuments(query: { docId?: string; sha256?: string; dataset?: string }, limit: number): Promise<StoredEntry[]> {
    const where: string[] = ["kind = 'document'"];
    const args: unknown[] = [];
    for (const [column, value] of [['doc_id', query.docId], ['sha256', query.sha256], ['dataset', query.dataset]] as const) {
      if (value === undefined) continue;
      args.push(value);
      where.push(`${column} = $${args.length}`);
    }
    args.push(limit);
    const { rows } = await this.client.query<Row>(`SELECT * FROM entries WHERE ${where.join(' AND ')} ORDER BY idx LIMIT $${args.length}`, args);
    return rows.map(toEntry);
  }

  async entriesOfKind(kind: string): Promise<StoredEntry[]> {
    const { rows } = await this.client.query<Row>("SELECT * FROM entries WHERE kind = $1 AND kind <> 'document' ORDER BY idx", [kind]);
    return rows.map(toEntry);
  }

  async checkpoints(): Promise<StoredCheckpoint[]> {
    const { rows } = await this.client.query('SELECT size, note FROM checkpoints ORDER BY size');
    return rows.map((r) => ({ size: Number(r.size), note: r.note }));
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const { rows } = await this.client.query('SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1');
    return rows[0] ? { size: Number(rows[0].size), note: rows[0].note } : undefined;
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
