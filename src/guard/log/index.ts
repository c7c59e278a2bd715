/**
 * The guard's traffic log: every decision with its prompt and answer, kept
 * under a retention policy in SQLite (one file, the default) or PostgreSQL (a
 * `postgres://` URL, for guards that share one), and read back by `antidote
 * guard replay`.
 */
import { SqliteTrafficStore } from './sqlite.js';
import { PostgresTrafficStore } from './postgres.js';
import { ThreadedTrafficStore } from './thread.js';
import { AntidoteError } from '../../errors/index.js';
import type { TrafficStore } from './types.js';

export { TrafficLog, type TrafficLogOptions } from './writer.js';
export { LOGGED_CHARS, type Retention, type TrafficRecord, type TrafficSink, type TrafficStore } from './types.js';

export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//.test(location);
}

/**
 * The store at `location`: a PostgreSQL URL or a SQLite file (created when
 * absent). `forWriting`: a SQLite file is written from a worker thread, off
 * the thread that answers requests (such a store cannot be read back).
 * `existing`: the store must already hold a guard log, as a replay reads.
 */
export async function openTrafficStore(location: string, options: { forWriting?: boolean; existing?: boolean } = {}): Promise<TrafficStore> {
  if (isPostgresUrl(location)) return PostgresTrafficStore.connect(location, options);
  if (!options.forWriting) return new SqliteTrafficStore(location, options);
  const store = new ThreadedTrafficStore(location);
  try {
    await store.opened();
  } catch (e) {
    await store.close().catch(() => undefined);
    throw new AntidoteError('INPUT_UNREADABLE', (e as Error).message, { file: location });
  }
  return store;
}
