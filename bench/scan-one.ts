/**
 * Scan one file in a fresh process and print what it cost, for the benchmark:
 * wall time, peak resident memory (all threads), and the scan's own figures.
 */
import { scan } from '../src/index.js';

const file = process.argv[2]!;
let peak = 0;
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 20);
const started = Date.now();
const result = await scan({ inputs: [file] });
const elapsedMs = Date.now() - started;
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage.rss());
process.stdout.write(JSON.stringify({
  elapsedMs,
  peakRss: peak,
  records: result.stats.records,
  bytes: result.stats.bytes,
  passMs: result.stats.passMs,
  candidates: result.stats.candidates,
}) + '\n');
