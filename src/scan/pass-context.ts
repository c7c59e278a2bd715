/**
 * What the passes after the first share with the scan: who runs them, what
 * they read, and the ids of the documents the scan has something to say
 * about.
 */
import type { CorpusRecord, InputSource, ReadOptions } from '../corpus/index.js';
import type { Place } from '../errors/index.js';
import type { WorkerPool } from '../workers/index.js';
import type { Batch } from './batches.js';
import type { Executor } from './executors/index.js';
import type { WorkerRequest, WorkerResponse } from './handler.js';
import type { DocumentMeta } from './incidents.js';
import type { ShardPlan } from './sharded.js';

/** the id and place of each document kept, by index */
export type DocumentIds = Map<number, DocumentMeta & { place: Place }>;

export interface PassContext {
  executor: Executor;
  /** the input cut into ranges that the workers read themselves; without one, records are read here and sent to `pool` */
  plan: ShardPlan | undefined;
  pool: WorkerPool<WorkerRequest, WorkerResponse> | undefined;
  sources: readonly InputSource[];
  read: ReadOptions;
  maxChars: number;
  meta: DocumentIds;
  /** records that could not be read: no pass reads them again */
  errorDocs: ReadonlyMap<number, CorpusRecord>;
}

/**
 * Ids are kept only for documents with something to report (`keep`): ids
 * of raw JSONL records come back from the workers, ids of records parsed
 * here were stored when read and are dropped when not kept.
 */
export function keepIds(meta: DocumentIds, batch: Batch | undefined, ids: ReadonlyArray<[number, string, Place]>, keep: ReadonlySet<number>): void {
  for (const [index, id, place] of ids) if (!meta.has(index)) meta.set(index, { id, place });
  for (const d of batch?.docs ?? []) if (!keep.has(d.index)) meta.delete(d.index);
}
