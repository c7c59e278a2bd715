/** The traffic log in one SQLite file (WAL mode), the default. */
import Database from 'better-sqlite3';
import { AntidoteError } from '../../errors/index.js';
import { COLUMNS, PAGE, cutoff, fromRow, toRow, trafficSchema, type Retention, type Row, type TrafficRecord, type TrafficStore } from './types.js';

export class SqliteTrafficStore implements TrafficStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;

  /** `existing`: the file must already hold a guard log (nothing is created in someone else's database) */
  constructor(readonly location: string, options: { existing?: boolean } = {}) {
    let db: Database.Database | undefined;
    try {
      db = new Database(location, { fileMustExist: options.existing === true });
      db.pragma('busy_timeout = 10000');
      if (options.existing && !db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'guard_traffic'").get()) throw new Error('no guard log in this database');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.exec(trafficSchema('INTEGER PRIMARY KEY AUTOINCREMENT'));
      this.db = db;
    } catch (e) {
      db?.close();
      throw new AntidoteError('INPUT_UNREADABLE', `cannot open the guard's traffic log (${(e as Error).message})`, { file: location }, { cause: e });
    }
    this.insert = this.db.prepare(`INSERT INTO guard_traffic (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`);
  }

  async append(records: readonly TrafficRecord[]): Promise<void> {
    this.db.transaction(() => {
      for (const r of records) this.insert.run(...toRow(r));
    })();
  }

  async prune(retention: Retention, now: Date): Promise<number> {
    return this.db.transaction(() => {
      let deleted = this.db.prepare('DELETE FROM guard_traffic WHERE time < ?').run(cutoff(retention, now)).changes;
      deleted += this.db.prepare('DELETE FROM guard_traffic WHERE id <= (SELECT id FROM guard_traffic ORDER BY id DESC LIMIT 1 OFFSET ?)').run(retention.maxRecords).changes;
      return deleted;
    })();
  }

  async *read(): AsyncGenerator<TrafficRecord[]> {
    const page = this.db.prepare(`SELECT id, ${COLUMNS.join(', ')} FROM guard_traffic WHERE id > ? ORDER BY id LIMIT ${PAGE}`);
    for (let after = 0; ;) {
      const rows = page.all(after) as Array<Row & { id: number }>;
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.id;
      yield rows.map(fromRow);
    }
  }

  async count(): Promise<number> {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM guard_traffic').get() as { n: number }).n;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
