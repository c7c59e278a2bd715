/**
 * The counting pass: the documents holding each candidate trigger, and each
 * candidate claim's trigger run and words, over the whole corpus; what tells
 * a trigger from ordinary language.
 */
import { sharedWord, type ClaimCandidate, type MiningOptions } from './detectors/index.js';
import { dispatch, inBatchOrder, type Batch } from './batches.js';
import type { DocumentResult } from './analyze.js';
import type { Regions } from './candidates.js';
import { CandidateCounts, ClaimCounter } from './counting.js';
import type { ShardRequest } from './executors/index.js';
import type { WorkerResponse } from './handler.js';
import type { ByteRange } from './ranges.js';
import { inJobOrder, passOf, recordsOf } from './sharded.js';
import { keepIds, type PassContext } from './pass-context.js';

export interface CountingInput {
  /** candidate triggers, each with the documents of the first pass that support it */
  support: ReadonlyMap<string, number[]>;
  regions: Regions;
  claims: ClaimCandidate[];
  mining: MiningOptions;
  results: Map<number, DocumentResult>;
  /** what the workers are set up with before they count (the word pairs) */
  setup: ShardRequest[];
  regionTokens: number;
  /** records counted so far */
  onProgress: (records: number) => void;
}

/** The counts; `ran` says whether the pass read the corpus (it does not when there is nothing to count). */
export async function countCandidates(ctx: PassContext, input: CountingInput): Promise<{ counts: CandidateCounts; claimCounts: ClaimCounter; ran: boolean }> {
  const { executor, plan, pool, sources, read, maxChars, meta, errorDocs } = ctx;
  const { support, regions, mining, results, regionTokens, onProgress } = input;
  // (pages of one kind change after their headings by nature: only candidates stitched into unrelated text are judged by the change)
  const judged = new Set([...support].filter(([gram, docs]) => docs.length >= mining.minSupport && !sharedWord(docs, [gram], regions)).map(([gram]) => gram));
  const counts = new CandidateCounts(support, mining, judged);
  const cap = mining.maxDocumentFrequency + 1;
  const claimCounts = new ClaimCounter(input.claims, cap);
  if (support.size === 0 && input.claims.length === 0) return { counts, claimCounts, ran: false };
  const grams = [...support.keys()];
  const setup: ShardRequest = { type: 'candidates', candidates: grams, caps: grams.map((g) => counts.cap(g)), judged: [...counts.judged], claims: claimCounts.request, cap, shingleDocs: [...regions.keys()] };
  let counted = 0;
  const known = new Set(meta.keys());
  const onMatched = (batch: Batch | undefined, response: Extract<WorkerResponse, { type: 'matched' }>) => {
    const holding = [...response.hits, ...response.claimHolding].flatMap(([, indices]) => indices);
    keepIds(meta, batch, response.ids, new Set([...holding, ...(batch?.docs.map((d) => d.index).filter((i) => known.has(i)) ?? [])]));
    counts.add(response, results, regions);
    claimCounts.add(response);
  };
  if (plan) {
    const match = (range: ByteRange): ShardRequest => ({ type: 'match', batch: range, read, maxChars, regionTokens, dead: [], deadRuns: [] });
    // in record order, so that the candidates the answers so far made too common are dropped from the ranges after them only
    await executor.run(passOf(plan, 'count', match, { setup: [...input.setup, setup], refresh: (request) => ({ ...request, dead: [...counts.dead], deadRuns: claimCounts.deadRuns() }) }), {
      onJob: inJobOrder((job, responses) => {
        for (const r of responses) onMatched(undefined, r as Extract<WorkerResponse, { type: 'matched' }>);
        counted += recordsOf(plan, job);
        onProgress(counted);
      }),
      onFinish: () => undefined,
    });
  } else {
    await pool!.broadcast(setup);
    await dispatch(sources, read, pool!, (record) => {
      counted++;
      if (counted % 5000 === 0) onProgress(counted);
      if (record.fields && !meta.has(record.index)) meta.set(record.index, { id: record.id, place: record.place });
      return !record.error && !errorDocs.has(record.index);
    }, inBatchOrder(async (batch, transfer) => {
      const response = await pool!.submit<Extract<WorkerResponse, { type: 'matched' }>>({ type: 'match', batch, read, maxChars, regionTokens, dead: [...counts.dead], deadRuns: claimCounts.deadRuns() }, transfer);
      return () => onMatched(batch, response);
    }), () => undefined);
  }
  return { counts, claimCounts, ran: true };
}
