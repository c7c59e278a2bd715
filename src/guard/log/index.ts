/**
 * The guard's traffic log: every decision with its prompt and answer, kept
 * under a retention policy in SQLite (one file, the default) or PostgreSQL (a
 * `postgres://` URL, for guards that share one), and read back by `antidote
 * guard replay`.
 */
import { SqliteTrafficStore } from './sqlite.js';
import { PostgresTrafficStore } from './postgres.js';
import { ThreadedTrafficWriter } from './thread.js';
import { AntidoteError } from '../../errors/index.js';
import type { TrafficSink, TrafficStore } from './types.js';

export { TrafficLog, type TrafficLogOptions } from './writer.js';
export { LOGGED_CHARS, type Retention, type TrafficRecord, type TrafficSink, type TrafficStore } from './types.js';

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

/**
 * The store at `location`, to read and write in this thread: a PostgreSQL URL
 * or a SQLite file (created when absent). `existing`: it must already hold a
 * guard log, as a replay reads.
 */
export async function openTrafficStore(location: string, options: { existing?: boolean } = {}): Promise<TrafficStore> {
  return isPostgresUrl(location) ? PostgresTrafficStore.connect(location, options) : new SqliteTrafficStore(location, options);
}

/**
 * Where the guard writes its log: a PostgreSQL store, or a SQLite file written
 * from a worker thread, off the thread that answers requests.
 */
export async function openTrafficWriter(location: string): Promise<TrafficSink> {
  if (isPostgresUrl(location)) return PostgresTrafficStore.connect(location);
  const writer = new ThreadedTrafficWriter(location);
  try {
    await writer.opened();
  } catch (e) {
    await writer.close().catch(() => undefined);
    throw new AntidoteError('INPUT_UNREADABLE', (e as Error).message, { file: location });
  }
  return writer;
}
