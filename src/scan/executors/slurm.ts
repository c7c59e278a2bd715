/**
 * Each pass as one Slurm job array: `sbatch --array=...` runs one
 * task per shard (`antidote scan-task` on whichever node Slurm picks), each
 * writing its partial state to the shared work directory; the coordinator
 * waits, retries the shards with no good result, and merges.
 */
import { spawn } from 'node:child_process';
import { writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AntidoteError } from '../../errors/index.js';
import { FolderExecutor, type FolderExecutorOptions } from './shared.js';
import type { PassFolder } from './workdir.js';

const POLL_MS = 500;

export interface SlurmOptions extends FolderExecutorOptions {
  partition?: string;
  /** per task, as sbatch takes it (minutes, or D-HH:MM:SS) */
  timeLimit?: string;
  cpusPerTask?: number;
  /** the folder of Slurm's commands (default: found on the PATH) */
  slurmBin?: string;
}

/** The command a task runs: this Node and this Antidote, which the nodes must see at the same paths. */
function taskCommand(): string[] {
  return [process.execPath, fileURLToPath(new URL('../../cli/main.js', import.meta.url)), 'scan-task'];
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Run a Slurm command; its exit code and output. */
function slurm(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e) => reject(new AntidoteError('USAGE', `could not run ${command} (${e.message}); the slurm executor needs Slurm's sbatch and squeue on the PATH`)));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

export class SlurmExecutor extends FolderExecutor {
  readonly kind = 'slurm';

  constructor(private readonly options: SlurmOptions) {
    super(options);
  }

  /** one array of the pass's jobs, watched until no task of it is queued or running */
  protected async runJobs(folder: PassFolder, jobs: number[], merge: () => void): Promise<void> {
    const script = join(folder.dir, 'task.sh');
    writeFileSync(script, `#!/bin/sh\n# one shard of an Antidote scan pass; written by antidote scan --executor slurm\nexec ${taskCommand().map(shellQuote).join(' ')} --pass-dir ${shellQuote(folder.dir)} --job "$SLURM_ARRAY_TASK_ID"\n`);
    chmodSync(script, 0o755);
    const args = ['--parsable', `--array=${jobs.join(',')}`, `--job-name=antidote-${folder.pass.name}`, `--output=${join(folder.dir, 'logs', 'job-%a.log')}`];
    if (this.options.partition) args.push(`--partition=${this.options.partition}`);
    if (this.options.timeLimit) args.push(`--time=${this.options.timeLimit}`);
    if (this.options.cpusPerTask) args.push(`--cpus-per-task=${this.options.cpusPerTask}`);
    args.push(script);
    const submitted = await slurm(this.command('sbatch'), args);
    const id = /^(\d+)/.exec(submitted.output.trim())?.[1];
    if (submitted.code !== 0 || !id) throw new AntidoteError('SHARD_FAILED', `sbatch could not submit the ${folder.pass.name} pass: ${submitted.output.trim().slice(0, 500)}`);
    // until no task of the array is queued or running (sbatch --wait polls far less often); which shards failed is read from the work directory
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      merge();
      const queued = await slurm(this.command('squeue'), ['-h', '-j', id, '-o', '%i']);
      // an array that has ended is soon forgotten by squeue, which then calls its id invalid
      if (queued.code !== 0 ? /invalid job id/i.test(queued.output) : queued.output.trim() === '') return;
    }
  }

  private command(name: string): string {
    return this.options.slurmBin ? join(this.options.slurmBin, name) : name;
  }

  async close(): Promise<void> {}
}
