/**
 * One job of a pass, run in this process: what a Slurm array task and a
 * queue worker do. A fresh handler is told the pass's setup, answers the
 * job's requests in order and hands over its finish; the result is written
 * to the pass's folder. A failure is written next to it, for the coordinator
 * to name, and thrown.
 */
import { rmSync } from 'node:fs';
import { AntidoteError, isAntidoteError } from '../../errors/index.js';
import { answer, createHandler, type WorkerResponse } from '../handler.js';
import { failureOf } from '../../workers/index.js';
import { PassFolder } from './workdir.js';
import { sparseCounts } from '../near-grams/index.js';
import type { ShardRequest } from './types.js';

export async function runJob(passDir: string, job: number): Promise<void> {
  const folder = PassFolder.open(passDir);
  const requests = folder.pass.jobs[job];
  if (!requests) throw new AntidoteError('USAGE', `the pass has jobs 0-${folder.pass.jobs.length - 1}, not ${job}`, { file: passDir });
  try {
    const handle = createHandler();
    const ask = async (request: ShardRequest): Promise<WorkerResponse> => {
      const response = await answer(handle, { ...request, id: 0 } as Parameters<typeof handle>[0]);
      if (response.type === 'failed') throw failureOf(response);
      return response;
    };
    const askAll = async (list: readonly ShardRequest[]) => {
      const responses: WorkerResponse[] = [];
      for (const request of list) responses.push(await ask(request));
      return responses;
    };
    await askAll(folder.pass.setup);
    const responses = await askAll(requests);
    // a shard's sketch is mostly empty: its non-zero slots are what the coordinator reads
    const finish = (await askAll(folder.pass.finish)).map((r) => (r.type === 'near-sketch' ? { ...r, counts: new Uint8Array(0), sparse: sparseCounts(r.counts) } : r));
    folder.writeResult(job, { responses, finish });
    rmSync(folder.errorPath(job), { force: true });
  } catch (e) {
    folder.writeError(job, isAntidoteError(e) ? `${e.code}: ${e.message}` : (e as Error).stack ?? String(e));
    throw e;
  }
}
