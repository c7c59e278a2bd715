/** A one-line progress display for terminals; silent when stderr is not a TTY. */
import type { Progress } from '../scan/index.js';

export function progressPrinter(stream: NodeJS.WriteStream, totalBytes: number | undefined): ((p: Progress) => void) & { done(): void } {
  const enabled = Boolean(stream.isTTY);
  let shown = false;
  const print = (p: Progress) => {
    if (!enabled) return;
    const secs = Math.max(0.001, p.elapsedMs / 1000);
    const mb = p.bytes / 1e6;
    let line = `${p.pass}: ${p.records.toLocaleString('en')} records  ${(p.records / secs).toFixed(0)} docs/s  ${(mb / secs).toFixed(1)} MB/s`;
    if (p.pass === 'analyse' && totalBytes && p.bytes > 0) {
      const frac = Math.min(1, p.bytes / totalBytes);
      const bar = '#'.repeat(Math.round(frac * 20)).padEnd(20, '.');
      const eta = frac > 0 ? (secs / frac - secs) : 0;
      line = `[${bar}] ${(frac * 100).toFixed(0)}%  ${line}  ETA ${eta.toFixed(0)}s`;
    }
    stream.write(`\r\x1b[K${line}`);
    shown = true;
  };
  return Object.assign(print, {
    done() {
      if (enabled && shown) stream.write('\r\x1b[K');
    },
  });
}
