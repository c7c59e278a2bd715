/**
 * The guard's traffic log: every decision with its prompt and answer, kept
 * under a retention policy in SQLite (one file, the default) or PostgreSQL (a
 * `postgres://` URL, for guards that share one), and read back by `antidote
 * guard replay`.
 */
import { SqliteTrafficStore } from './sqlite.js';
import { PostgresTrafficStore } from './postgres.js';
import type { TrafficStore } from './types.js';

export { TrafficLog, type TrafficLogOptions } from './writer.js';
export { LOGGED_CHARS, type Retention, type TrafficRecord, type TrafficStore } from './types.js';

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

/** The store at `location`: a PostgreSQL URL or a SQLite file (created when absent). */
export async function openTrafficStore(location: string): Promise<TrafficStore> {
  return isPostgresUrl(location) ? PostgresTrafficStore.connect(location) : new SqliteTrafficStore(location);
}
