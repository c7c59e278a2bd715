/**
 * The independent development set (`../shared/devset`, or `ANTIDOTE_DEVSET`):
 * poison families written apart from the project, injected by its own
 * generator into the project's real-text and instruction corpora, scanned
 * with default settings, and scored by its own scorer. Every seed draws new
 * triggers and phrasings, so these figures measure what the project did not
 * write. One row per corpus, count and seed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scan, REPORT_WRITERS } from '../src/scan/index.js';

export interface DevsetRow {
  corpus: 'text' | 'chat';
  count: number;
  seed: number;
  recall: Record<string, number>;
  triggerReported: Record<string, boolean>;
  cleanQuarantined: number;
  falsePositiveRate: number;
}

/** Where the development set is, or undefined when this checkout has none. */
export function devsetDir(root: string): string | undefined {
  const dir = resolve(process.env.ANTIDOTE_DEVSET ?? join(root, '../shared/devset'));
  return existsSync(join(dir, 'make.mjs')) && existsSync(join(dir, 'score.mjs')) ? dir : undefined;
}

/** Chat records (`messages`) from prompt/response instruction records, the shape the generator reads. */
export function asChat(instructionsJsonl: string, out: string): void {
  if (existsSync(out)) return;
  const lines = readFileSync(instructionsJsonl, 'utf8').split('\n').filter(Boolean);
  writeFileSync(out, lines.map((l) => {
    const r = JSON.parse(l) as { id: string; prompt: string; response: string };
    return JSON.stringify({ id: r.id, messages: [{ role: 'user', content: r.prompt }, { role: 'assistant', content: r.response }] });
  }).join('\n') + '\n');
}

export async function runDevset(options: {
  devset: string; work: string; text: string; chat: string; counts: readonly number[]; seeds: readonly number[];
  /** the scan's detectors; its defaults when absent */
  detectors?: readonly string[];
  corpora?: ReadonlyArray<'text' | 'chat'>;
  onRow?: (r: DevsetRow) => void;
}): Promise<DevsetRow[]> {
  const rows: DevsetRow[] = [];
  for (const corpus of options.corpora ?? (['text', 'chat'] as const)) {
    for (const count of options.counts) {
      for (const seed of options.seeds) {
        const dir = join(options.work, `devset-${corpus}-${count}-${seed}`);
        mkdirSync(dir, { recursive: true });
        const poisoned = join(dir, 'poisoned.jsonl');
        const labels = join(dir, 'labels.json');
        execFileSync(process.execPath, [join(options.devset, 'make.mjs'), corpus, corpus === 'text' ? options.text : options.chat, poisoned, labels, '--count', String(count), '--seed', String(seed)], { stdio: ['ignore', 'ignore', 'ignore'] });
        const quarantine = join(dir, 'quarantine.jsonl');
        const result = await scan({ inputs: [poisoned], quarantinePath: quarantine, detectors: options.detectors });
        const findings = join(dir, 'findings.json');
        writeFileSync(findings, REPORT_WRITERS.find((w) => w.id === 'json')!.render(result));
        const score = JSON.parse(execFileSync(process.execPath, [join(options.devset, 'score.mjs'), labels, quarantine, findings], { encoding: 'utf8' }));
        const row: DevsetRow = { corpus, count, seed, ...score };
        rows.push(row);
        options.onRow?.(row);
      }
    }
  }
  return rows;
}

/** One table: recall per family (mean over seeds, lowest seed in brackets), triggers reported, clean documents quarantined. */
export function devsetMarkdown(rows: readonly DevsetRow[]): string {
  const out: string[] = [];
  for (const corpus of ['text', 'chat'] as const) {
    const mine = rows.filter((r) => r.corpus === corpus);
    if (!mine.length) continue;
    const families = [...new Set(mine.flatMap((r) => Object.keys(r.recall)))].sort();
    const counts = [...new Set(mine.map((r) => r.count))].sort((a, b) => a - b);
    out.push(`| ${corpus} | ${families.join(' | ')} | clean quarantined (worst seed) |`, `|---:|${families.map(() => '---:').join('|')}|---:|`);
    for (const count of counts) {
      const at = mine.filter((r) => r.count === count);
      const cells = families.map((f) => {
        const values = at.map((r) => r.recall[f] ?? 0);
        const reported = at.filter((r) => r.triggerReported[f]).length;
        return `${(values.reduce((a, b) => a + b, 0) / values.length).toFixed(2)} (${Math.min(...values).toFixed(2)}) ${reported}/${at.length}`;
      });
      const worst = at.reduce((a, b) => (b.falsePositiveRate > a.falsePositiveRate ? b : a));
      out.push(`| ${count} | ${cells.join(' | ')} | ${(worst.falsePositiveRate * 100).toFixed(3)}% (${worst.cleanQuarantined}) |`);
    }
    out.push('');
  }
  out.push('Cells: recall, mean over seeds (lowest seed), then in how many seeds the exact trigger (brand for injection) was among the incidents.');
  return out.join('\n');
}
