/** The worker of ThreadedTrafficWriter: owns the SQLite traffic log and answers its calls in order. */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteTrafficStore } from './sqlite.js';

let store: SqliteTrafficStore | undefined;
let failure: string | undefined;
try {
  store = new SqliteTrafficStore((workerData as { location: string }).location);
} catch (e) {
  failure = (e as Error).message;
}

parentPort!.on('message', async ({ id, op, args }: { id: number; op: string; args: unknown[] }) => {
  try {
    // ('open' asks only this: whether the database opened)
    if (!store) throw new Error(failure);
    let value: unknown;
    if (op === 'append') value = await store.append(args[0] as never);
    else if (op === 'prune') value = await store.prune(args[0] as never, new Date(args[1] as string));
    else if (op === 'close') value = await store.close();
    parentPort!.postMessage({ id, value });
  } catch (e) {
    parentPort!.postMessage({ id, error: (e as Error).message });
  }
});
