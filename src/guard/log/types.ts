/** What the guard's traffic log holds, and the contract its stores keep. */
import type { Flag } from '../screens.js';

/** One request as the guard decided it: the prompt and answer it screened, what ran and what it found. */
export interface TrafficRecord {
  /** ISO 8601, UTC */
  time: string;
  /** who sent it: its name in the guard settings, else a hash of its API key (never the key), else its address */
  client?: string;
  route: string;
  model?: string;
  stream: boolean;
  action: 'passed' | 'flagged' | 'blocked' | 'cut' | 'error';
  /** the screens that ran */
  screened: string[];
  flags: Flag[];
  prompt?: string;
  /** the answer the screens read (streams: its first LOGGED_CHARS) */
  response?: string;
  error?: string;
}

/** Characters of a prompt or an answer kept in the log. */
export const LOGGED_CHARS = 65536;

export interface Retention {
  /** records older than this many days are deleted */
  maxAgeDays: number;
  /** beyond this many records, the oldest are deleted */
  maxRecords: number;
}

/** Where a `TrafficLog` writes its batches. */
export interface TrafficSink {
  readonly location: string;
  append(records: readonly TrafficRecord[]): Promise<void>;
  /** apply the retention policy at `now`; returns the records deleted (none for a sink that keeps everything) */
  prune?(retention: Retention, now: Date): Promise<number>;
  close(): Promise<void>;
}

export interface TrafficStore extends TrafficSink {
  prune(retention: Retention, now: Date): Promise<number>;
  /** every record, oldest first, in pages */
  read(): AsyncGenerator<TrafficRecord[]>;
  count(): Promise<number>;
}

/** The table, for SQLite and PostgreSQL alike but for its key column. */
export function trafficSchema(key: string): string {
  return `CREATE TABLE IF NOT EXISTS guard_traffic (
  id ${key},
  time TEXT NOT NULL,
  client TEXT,
  route TEXT NOT NULL,
  model TEXT,
  stream INTEGER NOT NULL,
  action TEXT NOT NULL,
  screened TEXT NOT NULL,
  flags TEXT NOT NULL,
  prompt TEXT,
  response TEXT,
  error TEXT
);
CREATE INDEX IF NOT EXISTS guard_traffic_time ON guard_traffic (time);`;
}

export const COLUMNS = ['time', 'client', 'route', 'model', 'stream', 'action', 'screened', 'flags', 'prompt', 'response', 'error'] as const;

export type Row = Record<(typeof COLUMNS)[number], string | number | null>;

export function toRow(r: TrafficRecord): unknown[] {
  return [r.time, r.client ?? null, r.route, r.model ?? null, r.stream ? 1 : 0, r.action, JSON.stringify(r.screened), JSON.stringify(r.flags), r.prompt ?? null, r.response ?? null, r.error ?? null];
}

export function fromRow(row: Row): TrafficRecord {
  const r: TrafficRecord = {
    time: String(row.time), route: String(row.route), stream: Number(row.stream) === 1, action: row.action as TrafficRecord['action'],
    screened: JSON.parse(String(row.screened)), flags: JSON.parse(String(row.flags)),
  };
  for (const k of ['client', 'model', 'prompt', 'response', 'error'] as const) if (row[k] !== null && row[k] !== undefined) r[k] = String(row[k]);
  return r;
}

/** the cutoff time of a retention policy, as an ISO string comparable with `time` */
export function cutoff(retention: Retention, now: Date): string {
  return new Date(now.getTime() - retention.maxAgeDays * 86_400_000).toISOString();
}

/** Records per page when reading the log back. */
export const PAGE = 1000;
