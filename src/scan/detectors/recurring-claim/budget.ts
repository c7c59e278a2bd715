/**
 * The claim pass's budget. The claim pass reads again, and reports on, every
 * document holding a claim sentence whose band keys recur amid different
 * text; on word salad drawn from a small vocabulary that is most documents
 * (two thirds of the benchmark's adversarial corpus), and the reports are held
 * until the claims are proposed. Past the budget, documents are left out by
 * the strength of their strongest sentence, the number of its band keys that
 * recur: a phrasing planted again and again recurs in all eight bands, a
 * sentence of common words in three or four. A class of strength is kept or
 * left out whole, so that what is cut never depends on where a document
 * lies in the corpus; the strongest class is always kept. Pure computation.
 */
import type { RecurringSentence } from './sentences.js';

/** documents the claim pass reads at most, unless the strongest class alone holds more */
export const MAX_CLAIM_DOCUMENTS = 50_000;

function strengthOf(sentences: readonly RecurringSentence[]): number {
  let strongest = 0;
  for (const s of sentences) strongest = Math.max(strongest, s.keys.length);
  return strongest;
}

/** Leave out of `documents` the weakest classes that do not fit in `budget`; returns how many documents were left out. */
export function withinClaimBudget(documents: Map<number, RecurringSentence[]>, budget: number): number {
  if (documents.size <= budget) return 0;
  const byStrength = new Map<number, number>();
  for (const sentences of documents.values()) {
    const strength = strengthOf(sentences);
    byStrength.set(strength, (byStrength.get(strength) ?? 0) + 1);
  }
  let kept = 0;
  let weakestKept = Infinity;
  for (const [strength, count] of [...byStrength].sort((a, b) => b[0] - a[0])) {
    if (kept > 0 && kept + count > budget) break;
    kept += count;
    weakestKept = strength;
  }
  let cut = 0;
  for (const [index, sentences] of documents) {
    if (strengthOf(sentences) >= weakestKept) continue;
    documents.delete(index);
    cut++;
  }
  return cut;
}
