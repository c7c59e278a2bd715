/**
 * A pass of the scan, as any executor runs it. Every pass is: what each
 * worker must be told first (`setup`: the word pairs, the candidates), one
 * job per shard (the requests for that shard's ranges, answered in order),
 * and what each worker hands over at the end (`finish`: its sketch of payload
 * onsets). The coordinator adds the answers up; the sums and capped unions it
 * keeps do not depend on how the corpus was cut into shards, so every
 * executor gives the same result.
 */
import type { Unnumbered } from '../../workers/index.js';
import type { WorkerRequest, WorkerResponse } from '../handler.js';

export type ShardRequest = Unnumbered<WorkerRequest>;

export interface PassSpec {
  /** 'lines', 'analyse', 'claims', 'count' */
  name: string;
  setup: ShardRequest[];
  jobs: ShardRequest[][];
  finish: ShardRequest[];
  /** what each job covers, for messages: "corpus.jsonl bytes 0-16777216" */
  labels: string[];
  /**
   * a request's last changes before it is sent, where the executor sends
   * requests one by one as others are answered (this machine's workers): the
   * candidates the answers so far made too common to look for
   */
  refresh?: (request: ShardRequest) => ShardRequest;
}

export interface PassCallbacks {
  /** a job's answers, one per request; jobs end in any order */
  onJob: (job: number, responses: WorkerResponse[]) => void;
  /** what workers hand over at the end (per worker, or per job where each job has its own worker) */
  onFinish: (responses: WorkerResponse[]) => void;
}

export interface Executor {
  /** 'local', 'slurm', 'queue' */
  readonly kind: string;
  /** how many jobs may usefully run at once; the plan cuts at least this many shards */
  readonly parallelism: number;
  run(pass: PassSpec, callbacks: PassCallbacks): Promise<void>;
  close(): Promise<void>;
}
