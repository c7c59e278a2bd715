/** The traffic log in PostgreSQL, for guards that share one: the same table as the SQLite store. */
import pg from 'pg';
import { AntidoteError } from '../../errors/index.js';
import { COLUMNS, PAGE, cutoff, fromRow, toRow, trafficSchema, type Retention, type Row, type TrafficRecord, type TrafficStore } from './types.js';

export class PostgresTrafficStore implements TrafficStore {
  private constructor(readonly location: string, private readonly client: pg.Client) {}

  /** `existing`: the database must already hold a guard log */
  static async connect(url: string, options: { existing?: boolean } = {}): Promise<PostgresTrafficStore> {
    const client = new pg.Client({ connectionString: url });
    const location = url.replace(/:[^:@/]*@/, ':***@');
    try {
      await client.connect();
      if (options.existing && !(await client.query("SELECT to_regclass('guard_traffic') AS t")).rows[0].t) throw new Error('no guard log in this database');
      // two guards starting together must not both create the table
      await client.query('SELECT pg_advisory_lock(7226001)');
      await client.query(trafficSchema('BIGSERIAL PRIMARY KEY'));
      await client.query('SELECT pg_advisory_unlock(7226001)');
    } catch (e) {
      await client.end().catch(() => undefined);
      throw new AntidoteError('INPUT_UNREADABLE', `cannot open the guard's traffic log (${(e as Error).message})`, { file: location }, { cause: e });
    }
    return new PostgresTrafficStore(location, client);
  }

  async append(records: readonly TrafficRecord[]): Promise<void> {
    // one statement per 500 records: under the 65,535 parameters a statement may carry
    for (let from = 0; from < records.length; from += 500) {
      const batch = records.slice(from, from + 500);
      const values = batch.map((_, i) => `(${COLUMNS.map((__, k) => `$${i * COLUMNS.length + k + 1}`).join(', ')})`).join(', ');
      await this.client.query(`INSERT INTO guard_traffic (${COLUMNS.join(', ')}) VALUES ${values}`, batch.flatMap(toRow));
    }
  }

  async prune(retention: Retention, now: Date): Promise<number> {
    const old = await this.client.query('DELETE FROM guard_traffic WHERE time < $1', [cutoff(retention, now)]);
    const over = await this.client.query('DELETE FROM guard_traffic WHERE id <= (SELECT id FROM guard_traffic ORDER BY id DESC LIMIT 1 OFFSET $1)', [retention.maxRecords]);
    return (old.rowCount ?? 0) + (over.rowCount ?? 0);
  }

  async *read(): AsyncGenerator<TrafficRecord[]> {
    for (let after = 0; ;) {
      const { rows } = await this.client.query(`SELECT id, ${COLUMNS.join(', ')} FROM guard_traffic WHERE id > $1 ORDER BY id LIMIT ${PAGE}`, [after]);
      if (rows.length === 0) return;
      after = Number(rows[rows.length - 1].id);
      yield (rows as Row[]).map(fromRow);
    }
  }

  async count(): Promise<number> {
    return Number((await this.client.query('SELECT COUNT(*) AS n FROM guard_traffic')).rows[0].n);
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
