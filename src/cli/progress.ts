/** A one-line progress display for terminals; silent when stderr is not a TTY. */
import type { Progress } from '../scan/index.js';

export function progressPrinter(stream: NodeJS.WriteStream, totalBytes: number | undefined): ((p: Progress) => void) & { done(): void } {
  const enabled = Boolean(stream.isTTY);
  let shown = false;
  const print = (p: Progress) => {
    if (!enabled) return;
    const secs = Math.max(0.001, p.elapsedMs / 1000);
    let line = `${p.pass}: ${p.records.toLocaleString('en')} records  ${(p.records / secs).toFixed(0)} docs/s`;
    // the first pass knows bytes (of uncompressed inputs); later passes know the record count
    const frac = p.pass === 'analyse' ? (totalBytes ? p.bytes / totalBytes : undefined) : p.totalRecords ? p.records / p.totalRecords : undefined;
    if (p.pass === 'analyse') line += `  ${(p.bytes / 1e6 / secs).toFixed(1)} MB/s`;
    if (frac !== undefined && frac > 0) {
      const f = Math.min(1, frac);
      const bar = '#'.repeat(Math.round(f * 20)).padEnd(20, '.');
      line = `[${bar}] ${(f * 100).toFixed(0)}%  ${line}  ETA ${(secs / f - secs).toFixed(0)}s`;
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
