/**
 * The detection benchmark: for each family and count, inject into a clean
 * corpus, scan, and score Antidote beside the baselines on the same data.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scan } from '../scan/index.js';
import { expandInputs, readCorpus } from '../corpus/index.js';
import { inject } from './inject.js';
import { FAMILIES } from './families/index.js';
import { BASELINES } from './baselines/index.js';

export interface BenchOptions {
  /** clean plain-text corpus for text families */
  corpus: string;
  /** clean instruction corpus for instruction families (skipped when absent) */
  instructions?: string;
  families?: readonly string[];
  counts: readonly number[];
  seed?: number;
  onRow?: (row: BenchRow) => void;
}

export interface Score {
  /** share of poison documents flagged */
  recall: number;
  /** share of flagged documents that are poison */
  precision: number;
  /** share of clean documents flagged */
  falsePositiveRate: number;
}

export interface BenchRow {
  family: string;
  count: number;
  records: number;
  antidote: Score & { triggerExact: number; triggers: number; seconds: number };
  baselines: Record<string, Score>;
}

function score(flagged: ReadonlySet<number>, poison: ReadonlySet<number>, records: number): Score {
  let hit = 0;
  for (const i of flagged) if (poison.has(i)) hit++;
  return {
    recall: poison.size ? hit / poison.size : 0,
    precision: flagged.size ? hit / flagged.size : 1,
    falsePositiveRate: (flagged.size - hit) / Math.max(1, records - poison.size),
  };
}

async function texts(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const r of readCorpus(await expandInputs([path]), { textField: 'text', idField: 'id' }, ({ error }) => { throw error; })) out.push(r.text ?? '');
  return out;
}

export async function runBench(options: BenchOptions): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'antidote-bench-'));
  const rows: BenchRow[] = [];
  try {
    for (const family of FAMILIES) {
      if (options.families && !options.families.includes(family.id)) continue;
      const base = family.shape === 'instruction' ? options.instructions : options.corpus;
      if (!base) continue;
      for (const count of options.counts) {
        const poisoned = join(dir, `${family.id}-${count}.jsonl`);
        const { labels, records } = await inject({ family: family.id, count, into: [base], out: poisoned, seed: (options.seed ?? 1000) + count });
        const poison = new Set(labels.map((l) => l.line - 1));
        const started = Date.now();
        const result = await scan({ inputs: [poisoned] });
        const seconds = (Date.now() - started) / 1000;
        const flagged = new Set(result.documents.filter((d) => d.verdict === 'quarantine').map((d) => d.index));
        const triggers = [...new Set(labels.map((l) => l.trigger))].filter((t): t is string => t !== null);
        const row: BenchRow = {
          family: family.id,
          count,
          records,
          antidote: { ...score(flagged, poison, records), triggerExact: triggers.filter((t) => result.incidents.some((i) => i.trigger === t)).length, triggers: triggers.length, seconds },
          baselines: {},
        };
        const docs = await texts(poisoned);
        for (const b of BASELINES) row.baselines[b.id] = score(b.flag(docs, flagged.size), poison, records);
        rows.push(row);
        options.onRow?.(row);
        await rm(poisoned, { force: true });
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function benchMarkdown(rows: readonly BenchRow[]): string {
  const ids = BASELINES.map((b) => b.id);
  const head = `| family | poison | Antidote recall | Antidote clean FP | trigger exact | ${ids.map((id) => `${id} recall / FP`).join(' | ')} |\n|---|---:|---:|---:|---|${ids.map(() => '---:').join('|')}|\n`;
  return head + rows.map((r) => `| ${r.family} | ${r.count} | ${r.antidote.recall.toFixed(3)} | ${pct(r.antidote.falsePositiveRate)} | ${r.antidote.triggers ? `${r.antidote.triggerExact}/${r.antidote.triggers}` : 'n/a'} | ${ids.map((id) => `${r.baselines[id]!.recall.toFixed(3)} / ${pct(r.baselines[id]!.falsePositiveRate)}`).join(' | ')} |`).join('\n') + '\n';
}

/** Recall against poison count, one small chart per family, Antidote beside the baselines. */
export function benchHtml(rows: readonly BenchRow[]): string {
  const series = ['antidote', ...BASELINES.map((b) => b.id)];
  const colours = ['#d9480f', '#495057', '#1c7ed6', '#2b8a3e'];
  const families = [...new Set(rows.map((r) => r.family))];
  const charts = families.map((family) => {
    const fr = rows.filter((r) => r.family === family).sort((a, b) => a.count - b.count);
    const counts = fr.map((r) => r.count);
    const x = (c: number) => 40 + (counts.length > 1 ? (counts.indexOf(c) / (counts.length - 1)) * 240 : 120);
    const y = (v: number) => 150 - v * 120;
    const lines = series.map((s, k) => {
      const pts = fr.map((r) => `${x(r.count).toFixed(1)},${y(s === 'antidote' ? r.antidote.recall : r.baselines[s]!.recall).toFixed(1)}`).join(' ');
      return `<polyline points="${pts}" fill="none" stroke="${colours[k]}" stroke-width="2"/>`;
    }).join('');
    const ticks = counts.map((c) => `<text x="${x(c)}" y="168" font-size="10" text-anchor="middle">${c}</text>`).join('');
    return `<figure><figcaption>${family}</figcaption><svg viewBox="0 0 300 175" width="300"><line x1="40" y1="150" x2="280" y2="150" stroke="#adb5bd"/><line x1="40" y1="30" x2="40" y2="150" stroke="#adb5bd"/><text x="4" y="34" font-size="10">1.0</text><text x="4" y="153" font-size="10">0</text>${ticks}${lines}</svg></figure>`;
  }).join('');
  const legend = series.map((s, k) => `<span style="color:${colours[k]}">■ ${s}</span>`).join(' &nbsp; ');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Antidote benchmark</title><style>body{font:14px system-ui,sans-serif;margin:24px}figure{display:inline-block;margin:8px}figcaption{font-weight:bold}</style></head><body><h1>Recall against poison documents</h1><p>${legend}</p>${charts}</body></html>\n`;
}
