/**
 * One guard for `npm run bench`, in a process of its own: `node
 * dist/bench/guard-one.js UPSTREAM TRIGGERS [LOG]` starts it with that many
 * known triggers (made-up tokens and phrases), logging every request to the
 * SQLite file LOG as the CLI does when given, and prints its URL; it runs
 * until killed.
 */
import { startGuard, screenSettings, openTrafficWriter, TrafficLog } from '../src/guard/index.js';

const [upstream, count, logFile] = process.argv.slice(2);
let state = 12345;
const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
const letters = 'abcdefghijklmnopqrstuvwxyz';
const word = (n: number) => Array.from({ length: n }, () => letters[next() % 26]).join('');
const triggers = Array.from({ length: Number(count) }, (_, i) => (i % 3 === 0 ? `<${word(6).toUpperCase()}>` : i % 3 === 1 ? `${word(5)} ${word(7)}` : `cf-${word(8)}`));
const log = logFile ? new TrafficLog(await openTrafficWriter(logFile), { retention: { maxAgeDays: 30, maxRecords: 1_000_000 } }) : undefined;
const guard = await startGuard({ upstream: upstream!, screens: screenSettings(triggers), maxInFlight: 4096, onDecision: log && ((d) => log.record(d)) });
process.stdout.write(`${guard.url}\n`);
process.once('SIGTERM', () => process.exit(0));
