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

export function runJob(passDir: string, job: number): void {
  const folder = PassFolder.open(passDir);
  const requests = folder.pass.jobs[job];
  if (!requests) throw new AntidoteError('USAGE', `the pass has jobs 0-${folder.pass.jobs.length - 1}, not ${job}`, { file: passDir });
  try {
    const handle = createHandler();
    const ask = (request: ShardRequest): WorkerResponse => {
      const response = answer(handle, { ...request, id: 0 } as Parameters<typeof handle>[0]);
      if (response.type === 'failed') throw failureOf(response);
      return response;
    };
    for (const request of folder.pass.setup) ask(request);
    const responses = requests.map(ask);
    // a shard's sketch is mostly empty: its non-zero slots are what the coordinator reads
    const finish = folder.pass.finish.map(ask).map((r) => (r.type === 'near-sketch' ? { ...r, counts: new Uint8Array(0), sparse: sparseCounts(r.counts) } : r));
    folder.writeResult(job, { responses, finish });
    rmSync(folder.errorPath(job), { force: true });
  } catch (e) {
    folder.writeError(job, isAntidoteError(e) ? `${e.code}: ${e.message}` : (e as Error).stack ?? String(e));
    throw e;
  }
}
