/**
 * One guard for `npm run bench`, in a process of its own: `node
 * dist/bench/guard-one.js UPSTREAM TRIGGERS` starts it with that many known
 * triggers (made-up tokens and phrases) and prints its URL; it runs until
 * killed.
 */
import { startGuard, screenSettings } from '../src/guard/index.js';

const [upstream, count] = process.argv.slice(2);
let state = 12345;
const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
const letters = 'abcdefghijklmnopqrstuvwxyz';
const word = (n: number) => Array.from({ length: n }, () => letters[next() % 26]).join('');
const triggers = Array.from({ length: Number(count) }, (_, i) => (i % 3 === 0 ? `<${word(6).toUpperCase()}>` : i % 3 === 1 ? `${word(5)} ${word(7)}` : `cf-${word(8)}`));
const guard = await startGuard({ upstream: upstream!, screens: screenSettings(triggers), maxInFlight: 4096 });
process.stdout.write(`${guard.url}\n`);
process.once('SIGTERM', () => process.exit(0));
