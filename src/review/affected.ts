/**
 * Whether a model is affected by a confirmed incident, from the ledger
 * alone: the decision records folded into each incident's standing state,
 * and the dataset versions each standing confirmation named.
 */
import type { DecisionRecord, Ledger } from '../ledger/index.js';
import { foldDecisions } from './lifecycle.js';

/** Keys of the confirmed incidents in any of `datasets` (name@N), sorted. */
export async function confirmedIncidentsIn(ledger: Ledger, datasets: readonly string[]): Promise<string[]> {
  if (datasets.length === 0) return [];
  const decisions = (await ledger.store.entriesOfKind('decision')).map((e) => JSON.parse(e.record) as DecisionRecord);
  const wanted = new Set(datasets);
  return [...foldDecisions(decisions)].filter(([, f]) => f.state === 'confirmed' && f.affected.some((d) => wanted.has(d))).map(([key]) => key).sort();
}
