/** Which reports hold which candidate trigger runs, in one walk over the reports. */
import type { ClaimReport } from './sentences.js';

interface RunTrie {
  run?: string;
  next?: Map<string, RunTrie>;
}

/**
 * Per run, the first report of each document whose sentence holds it (in
 * report order). The runs are a trie of their words, so each sentence is
 * walked once for all of them: looking for each run through the reports
 * holding its first word cost seconds on text that proposes thousands of
 * runs starting with common words. A run counts where its first word is one
 * of the report's content words, as the run's words all are.
 */
export function reportsHoldingRuns(reports: readonly ClaimReport[], runs: Iterable<string>, lowerOf: (r: ClaimReport) => readonly string[]): Map<string, Map<number, ClaimReport>> {
  const root: RunTrie = {};
  for (const run of runs) {
    let node = root;
    for (const w of run.split(' ')) {
      node.next ??= new Map();
      let child = node.next.get(w);
      if (!child) node.next.set(w, (child = {}));
      node = child;
    }
    node.run = run;
  }
  const holding = new Map<string, Map<number, ClaimReport>>();
  const top = root.next ?? new Map<string, RunTrie>();
  for (const r of reports) {
    const lower = lowerOf(r);
    let words: Set<string> | undefined;
    for (let i = 0; i < lower.length; i++) {
      let node = top.get(lower[i]!);
      if (!node || !(words ??= new Set(r.words)).has(lower[i]!)) continue;
      for (let k = i + 1; node; k++) {
        if (node.run !== undefined) {
          let of = holding.get(node.run);
          if (!of) holding.set(node.run, (of = new Map()));
          if (!of.has(r.index)) of.set(r.index, r);
        }
        node = k < lower.length ? node.next?.get(lower[k]!) : undefined;
      }
    }
  }
  return holding;
}
