/**
 * Scans beyond this machine: the executor flags of `antidote scan`, the
 * task a Slurm array runs (`antidote scan-task`), and the queue worker
 * (`antidote worker`).
 */
import { AntidoteError } from '../errors/index.js';
import { QueueExecutor, SlurmExecutor, runJob, startQueueWorker, type Executor } from '../scan/executors/index.js';
import { EXIT, helpText, parseFlags, numberFlag, untilInterrupted, type Command, type FlagSpec } from './command.js';

export const EXECUTOR_FLAGS: Record<string, FlagSpec> = {
  executor: { type: 'string', value: 'KIND', help: 'who runs the passes: local (worker threads, default), slurm (a job array per pass) or queue (workers pulling from Redis); slurm and queue read JSONL, plain or .gz/.zst' },
  'work-dir': { type: 'string', value: 'DIR', help: 'slurm, queue: a directory every node sees, for the passes and the shards\' partial states; a rerun takes the shards already done' },
  shards: { type: 'string', value: 'N', help: 'slurm, queue: shards per pass (default: one per GiB of input)' },
  queue: { type: 'string', value: 'URL', help: 'queue: the Redis server, redis://host:port' },
  partition: { type: 'string', value: 'NAME', help: 'slurm: the partition to run in' },
  time: { type: 'string', value: 'LIMIT', help: "slurm: each task's time limit, as sbatch takes it (minutes, or D-HH:MM:SS)" },
  'cpus-per-task': { type: 'string', value: 'N', help: 'slurm: CPUs per task' },
  retries: { type: 'string', value: 'N', help: 'slurm, queue: how many more times a failed shard is run before the scan stops (default 2)' },
};

const GIB = 1 << 30;

/** The executor the flags ask for; undefined for this machine's worker threads. */
export function executorFrom(values: Record<string, unknown>, inputBytes: number | undefined, log: (message: string) => void): Executor | undefined {
  const kind = (values.executor as string | undefined) ?? 'local';
  if (kind === 'local') {
    for (const flag of ['work-dir', 'queue', 'partition', 'time', 'cpus-per-task']) if (values[flag] !== undefined) throw new AntidoteError('USAGE', `--${flag} goes with --executor slurm or queue`);
    return undefined;
  }
  if (kind !== 'slurm' && kind !== 'queue') throw new AntidoteError('USAGE', `--executor expects local, slurm or queue; got '${kind}'`);
  const workDir = values['work-dir'] as string | undefined;
  if (!workDir) throw new AntidoteError('USAGE', `--executor ${kind} needs --work-dir DIR, a directory every node sees`);
  const shards = numberFlag(values.shards, 'shards', 1) ?? Math.max(1, Math.ceil((inputBytes ?? GIB) / GIB));
  const retries = numberFlag(values.retries, 'retries', 0);
  if (kind === 'slurm') {
    return new SlurmExecutor({ workDir, shards, retries, log, partition: values.partition as string | undefined, timeLimit: values.time as string | undefined, cpusPerTask: numberFlag(values['cpus-per-task'], 'cpus-per-task', 1) });
  }
  const url = values.queue as string | undefined;
  if (!url) throw new AntidoteError('USAGE', '--executor queue needs --queue redis://host:port');
  return new QueueExecutor({ url, workDir, shards, retries, log });
}

const TASK_FLAGS: Record<string, FlagSpec> = {
  'pass-dir': { type: 'string', value: 'DIR', help: 'the pass folder in the work directory' },
  job: { type: 'string', value: 'N', help: 'the shard to run (a Slurm array sets $SLURM_ARRAY_TASK_ID)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const scanTaskCommand: Command = {
  name: 'scan-task',
  summary: 'run one shard of a scan pass (what a Slurm array task of --executor slurm runs)',
  async run(argv) {
    const { values } = parseFlags(argv, TASK_FLAGS);
    if (values.help) {
      process.stdout.write(helpText('antidote scan-task --pass-dir DIR --job N', 'Run one shard of a pass written by antidote scan --executor slurm; its partial state goes beside the pass.', TASK_FLAGS));
      return EXIT.OK;
    }
    if (!values['pass-dir']) throw new AntidoteError('USAGE', '--pass-dir is required');
    const job = numberFlag(values.job ?? process.env.SLURM_ARRAY_TASK_ID, 'job', 0);
    if (job === undefined) throw new AntidoteError('USAGE', '--job is required (or $SLURM_ARRAY_TASK_ID)');
    await runJob(values['pass-dir'] as string, job);
    return EXIT.OK;
  },
};

const WORKER_FLAGS: Record<string, FlagSpec> = {
  queue: { type: 'string', value: 'URL', help: 'the Redis server, redis://host:port' },
  concurrency: { type: 'string', value: 'N', help: 'shards at once (default 1; each takes one core)' },
  'lock-ms': { type: 'string', value: 'MS', help: "how long a shard stays this worker's without it answering; a killed worker's shard goes back to the queue after this (default 30000)" },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const workerCommand: Command = {
  name: 'worker',
  summary: 'take scan shards from a Redis queue until stopped (for antidote scan --executor queue)',
  async run(argv) {
    const { values } = parseFlags(argv, WORKER_FLAGS);
    if (values.help) {
      process.stdout.write(helpText('antidote worker --queue redis://host:port', 'Run scan shards from the queue until interrupted; the work directory must be visible here at the path the coordinator gave.', WORKER_FLAGS));
      return EXIT.OK;
    }
    if (!values.queue) throw new AntidoteError('USAGE', '--queue redis://host:port is required');
    const stop = await startQueueWorker({ url: values.queue as string, concurrency: numberFlag(values.concurrency, 'concurrency', 1), lockMs: numberFlag(values['lock-ms'], 'lock-ms', 1000) }, (event, job) => {
      process.stderr.write(`antidote worker: ${event} ${job?.name ?? ''} shard ${job?.data.job ?? '?'}${event === 'failed' ? `: ${job?.failedReason}` : ''}\n`);
    });
    process.stderr.write(`antidote worker: taking shards from ${values.queue}\n`);
    await untilInterrupted();
    await stop();
    return EXIT.OK;
  },
};
