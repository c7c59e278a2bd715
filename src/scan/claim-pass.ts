/**
 * The claim pass, for the recurring-claim detector: which documents hold a
 * claim-sentence key that recurs as often as one phrasing of a poisoning
 * needs (from the keys the first pass spooled), then those documents read
 * again for reports of their recurring sentences.
 */
import {
  recurringSentences, forEachPackedDocument, unpackClaimReports, phrasingSupport, withinClaimBudget,
  type ClaimKeyCounts, type ClaimReport, type RecurringSentence,
} from './detectors/index.js';
import { dispatch, type Batch } from './batches.js';
import type { WorkerResponse } from './handler.js';
import { passOf } from './sharded.js';
import { keepIds, type PassContext } from './pass-context.js';
import type { Spool } from './spool.js';

/** The documents whose claim sentences recur, each with those sentences, within `maxDocuments` (`cut`: how many the budget left out). */
export function claimDocumentsOf(counts: ClaimKeyCounts, keys: Spool, minSupport: number, maxDocumentFrequency: number, maxDocuments: number): { documents: Map<number, RecurringSentence[]>; cut: number } {
  const phrasing = phrasingSupport(minSupport);
  const band = counts.keysInBand(phrasing, maxDocumentFrequency);
  if (band.length) for (const chunk of keys.chunks()) forEachPackedDocument(chunk, (_, sentences) => counts.addDistinct(sentences, band));
  const heavy = counts.heavyKeys(band, phrasing);
  const documents = new Map<number, RecurringSentence[]>();
  for (const chunk of keys.chunks()) forEachPackedDocument(chunk, (index, sentences) => {
    const recurring = recurringSentences(sentences, heavy);
    if (recurring.length) documents.set(index, recurring);
  });
  return { documents, cut: withinClaimBudget(documents, maxDocuments) };
}

/**
 * The reports of `documents`' recurring sentences, in document order. The
 * workers are asked at once, so that they report while the coordinator
 * selects candidate triggers.
 */
export async function reportRecurringClaims(ctx: PassContext, documents: ReadonlyMap<number, RecurringSentence[]>): Promise<ClaimReport[]> {
  const { executor, plan, pool, sources, read, maxChars, meta, errorDocs } = ctx;
  const reports: ClaimReport[] = [];
  // reports are of sentences that recur: one copy of each word is kept (`unpackClaimReports`)
  const words = new Map<string, string>();
  const known = new Set(meta.keys());
  const onClaims = (batch: Batch | undefined, response: Extract<WorkerResponse, { type: 'claims-reported' }>, keep: Set<number>) => {
    for (const report of unpackClaimReports(response.claims, words)) reports.push(report);
    keepIds(meta, batch, response.ids, keep);
  };
  if (plan) {
    // ranges come in record order: one walk over the sorted documents hands each range its own
    const indices = [...documents.keys()].sort((a, b) => a - b);
    let next = 0;
    await executor.run(passOf(plan, 'claims', (range) => {
      const sentences: Array<[number, RecurringSentence[]]> = [];
      for (; next < indices.length && indices[next]! < range.endIndex; next++) sentences.push([indices[next]!, documents.get(indices[next]!)!]);
      return sentences.length ? { type: 'report-claims', batch: range, read, maxChars, sentences } : undefined;
    }), {
      onJob: (_, responses) => responses.forEach((r) => onClaims(undefined, r as Extract<WorkerResponse, { type: 'claims-reported' }>, new Set())),
      onFinish: () => undefined,
    });
  } else {
    await dispatch(sources, read, pool!, (record) => {
      if (!documents.has(record.index) || record.error || errorDocs.has(record.index)) return false;
      if (record.fields && !meta.has(record.index)) meta.set(record.index, { id: record.id, place: record.place });
      return true;
    }, async (batch, transfer) => {
      const indices = [...batch.docs.map((d) => d.index), ...(batch.raw?.records.map((r) => r.index) ?? [])];
      const sentences = indices.map((i) => [i, documents.get(i)!] as [number, RecurringSentence[]]);
      const response = await pool!.submit<Extract<WorkerResponse, { type: 'claims-reported' }>>({ type: 'report-claims', batch, read, maxChars, sentences }, transfer);
      onClaims(batch, response, new Set([...response.claims.reports.map((c) => c.index), ...batch.docs.map((d) => d.index).filter((i) => known.has(i))]));
    }, () => undefined);
  }
  // in document order, whichever worker answered first
  return reports.sort((a, b) => a.index - b.index);
}
