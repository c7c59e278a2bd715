/**
 * Canary exposure on the lab's canary model (test/fixtures/canary/): the
 * median exposure at each copy count, through `antidote audit --canaries`
 * with the default 1,000 random secrets per canary.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CanaryReport } from '../src/canary/index.js';

export function canaryBench(root: string, work: string, write: (text: string) => void): void {
  const fixture = join(root, 'test/fixtures/canary');
  const out = join(work, 'canary-audit.json');
  const started = performance.now();
  execFileSync(process.execPath, [join(root, 'dist/src/cli/main.js'), 'audit', '--model', join(fixture, 'canary.gguf'), '--canaries', join(fixture, 'canaries.json'), '--json', out, '--quiet']);
  const seconds = (performance.now() - started) / 1000;
  const report = (JSON.parse(readFileSync(out, 'utf8')) as { canaries: CanaryReport }).canaries;
  write(`## Canaries (the lab's canary model: 172k parameters, 250 steps; 3 canaries per copy count; 1,000 random secrets each; ${seconds.toFixed(0)} s)\n\n| copies | canaries | median exposure, normal fit (bits) | median exposure, rank (bits) | per canary, normal fit |\n|---:|---:|---:|---:|---|\n`);
  for (const g of report.byCopies) {
    const each = report.canaries.filter((c) => c.copies === g.copies).map((c) => c.fittedExposure.toFixed(1)).join(', ');
    write(`| ${g.copies} | ${g.canaries} | ${g.medianFittedExposure.toFixed(1)} | ${g.medianRankExposure.toFixed(1)} | ${each} |\n`);
  }
  write(`\nAt most ${report.canaries[0]!.maxExposure} bits (12 random digits); the rank measure tops out at log2(1,001) = 10.0.\n\n`);
}
