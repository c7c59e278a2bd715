/**
 * Monitor figures on the lab's own training runs (test/fixtures/monitor/):
 * a tiny llama trained with per-example loss logging on the `dos` corpus
 * (250 poison documents), on the `lang-switch` corpus (250), and on the
 * `dos` corpus without its poison. Printed per run: how many poison
 * documents the log saw, precision and recall of the ranking at that count,
 * and of the flagged set at the default threshold.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeLosses, readLossLog } from '../src/monitor/index.js';

export interface MonitorRow {
  run: string;
  documents: number;
  poisonSeen: number;
  /** precision = recall at k = poison documents seen */
  atK: number;
  flagged: number;
  flaggedPoison: number;
  /** with --learned-fast: documents flagged as learned fast, and the poison among them */
  fast: number;
  fastPoison: number;
}

export async function monitorRows(fixtures: string): Promise<MonitorRow[]> {
  const rows: MonitorRow[] = [];
  for (const run of ['dos', 'lang-switch', 'clean']) {
    const log = join(fixtures, `${run}-loss.jsonl.gz`);
    if (!existsSync(log)) continue;
    const labels = join(fixtures, `${run}-poison-ids.txt`);
    const poison = new Set(existsSync(labels) ? readFileSync(labels, 'utf8').split('\n').filter(Boolean) : []);
    const events = await readLossLog(log);
    const result = analyzeLosses(events);
    const seen = result.ranking.filter((r) => poison.has(r.id)).length;
    const top = result.ranking.slice(0, seen).filter((r) => poison.has(r.id)).length;
    const flagged = new Set(result.anomalies.map((a) => a.id));
    const fast = analyzeLosses(events, { learnedFast: true }).anomalies.filter((a) => a.kind === 'learned-fast');
    rows.push({
      run, documents: result.stats.documents, poisonSeen: seen, atK: seen ? top / seen : 0, flagged: flagged.size, flaggedPoison: [...flagged].filter((id) => poison.has(id)).length,
      fast: fast.length, fastPoison: fast.filter((a) => poison.has(a.id)).length,
    });
  }
  return rows;
}

export async function monitorBench(fixtures: string, write: (text: string) => void): Promise<void> {
  const rows = await monitorRows(fixtures);
  write("## Monitor (the lab's training runs with per-example loss logs, test/fixtures/monitor/)\n\n| run | documents | poison seen | precision = recall at k | flagged | of them poison | flagged precision | flagged recall | with --learned-fast: learned fast (poison) |\n|---|---|---|---|---|---|---|---|---|\n");
  for (const r of rows) {
    const precision = r.flagged ? (r.flaggedPoison / r.flagged).toFixed(3) : 'n/a';
    const recall = r.poisonSeen ? (r.flaggedPoison / r.poisonSeen).toFixed(3) : 'n/a';
    write(`| ${r.run} | ${r.documents} | ${r.poisonSeen} | ${r.poisonSeen ? r.atK.toFixed(3) : 'n/a'} | ${r.flagged} | ${r.flaggedPoison} | ${precision} | ${recall} | ${r.fast} (${r.fastPoison}) |\n`);
  }
  write('\n');
}
