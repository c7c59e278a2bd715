/**
 * The work directory that Slurm tasks and queue workers share with the
 * coordinator. Each pass gets a folder named by the hash of what it is (its
 * requests and the size and time of every input), so a rerun of the same
 * scan finds the shards already done, and a shard done for other inputs or
 * other settings is never taken. Every file holds one header line (what it
 * is, its length and SHA-256) and a gzip of the structured-clone body: a
 * truncated or altered file is refused and its shard run again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { serialize, deserialize } from 'node:v8';
import { gzipSync, gunzipSync } from 'node:zlib';
import { AntidoteError } from '../../errors/index.js';
import type { WorkerResponse } from '../handler.js';
import type { PassSpec } from './types.js';

const MAGIC = 'antidote-part 1';

/** What a pass's folder holds about it: everything a task needs to run a job. */
export type StoredPass = Omit<PassSpec, 'refresh'>;

/** One job's answers and what its worker handed over at the end. */
export interface JobResult {
  responses: WorkerResponse[];
  finish: WorkerResponse[];
}

interface Header {
  magic: string;
  kind: 'pass' | 'result';
  key: string;
  job?: number;
  bytes: number;
  sha256: string;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Write atomically: a reader sees the whole file or none. */
function writePart(path: string, header: Omit<Header, 'magic' | 'bytes' | 'sha256'>, body: unknown): void {
  const packed = gzipSync(serialize(body), { level: 1 });
  const head = JSON.stringify({ magic: MAGIC, ...header, bytes: packed.length, sha256: sha256(packed) } satisfies Header);
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, Buffer.concat([Buffer.from(`${head}\n`), packed]));
  renameSync(temporary, path);
}

/** The body, or why the file is refused. */
function readPart<T>(path: string, expect: Pick<Header, 'kind' | 'key' | 'job'>): { body: T; bytes: number } | { refused: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return { refused: 'missing' };
  }
  const nl = bytes.indexOf(10);
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(0, nl < 0 ? bytes.length : nl).toString('utf8')) as Header;
  } catch {
    return { refused: 'its header is not JSON' };
  }
  if (header.magic !== MAGIC) return { refused: `not an Antidote work file (expected '${MAGIC}')` };
  if (header.kind !== expect.kind || header.key !== expect.key || header.job !== expect.job) return { refused: `made for another ${expect.kind} (${header.kind} ${header.key} job ${header.job})` };
  const packed = bytes.subarray(nl + 1);
  if (packed.length !== header.bytes) return { refused: `truncated: ${packed.length} of ${header.bytes} bytes` };
  if (sha256(packed) !== header.sha256) return { refused: 'its SHA-256 does not match its header' };
  return { body: deserialize(gunzipSync(packed)) as T, bytes: bytes.length };
}

/** The inputs a pass reads, as far as telling a changed file goes: path, size, modification time. */
function fingerprint(pass: StoredPass): Array<[string, number, number]> {
  const paths = new Set<string>();
  for (const job of pass.jobs) {
    for (const request of job) {
      if (request.type === 'lines') paths.add(request.piece.path);
      else if ('batch' in request && 'path' in request.batch) paths.add(request.batch.path);
    }
  }
  return [...paths].sort().map((path) => {
    const s = statSync(path);
    return [path, s.size, s.mtimeMs];
  });
}

/** A pass's folder in the work directory. */
export class PassFolder {
  private constructor(readonly dir: string, readonly key: string, readonly pass: StoredPass) {}

  /** Write the pass (once: a folder already holding it is used as it is). */
  static create(root: string, spec: PassSpec): PassFolder {
    const pass: StoredPass = { name: spec.name, setup: spec.setup, jobs: spec.jobs, finish: spec.finish, labels: spec.labels };
    const key = sha256(serialize({ pass, inputs: fingerprint(pass) })).slice(0, 16);
    // absolute: the tasks and workers that read it run elsewhere
    const dir = resolve(root, `${spec.name}-${key}`);
    mkdirSync(join(dir, 'logs'), { recursive: true });
    const path = join(dir, 'pass.part');
    if (!('body' in readPart(path, { kind: 'pass', key }))) writePart(path, { kind: 'pass', key }, pass);
    return new PassFolder(dir, key, pass);
  }

  /** A pass written by `create`, for a task; a folder that does not hold one is an error. */
  static open(dir: string): PassFolder {
    const key = dir.replace(/\/+$/, '').split('-').pop() ?? '';
    const read = readPart<StoredPass>(join(dir, 'pass.part'), { kind: 'pass', key });
    if ('refused' in read) throw new AntidoteError('USAGE', `${join(dir, 'pass.part')}: ${read.refused}; expected a pass written by 'antidote scan --work-dir'`, { file: dir });
    return new PassFolder(dir, key, read.body);
  }

  resultPath(job: number): string {
    return join(this.dir, `job-${job}.part`);
  }

  /** where a failed job's task says why */
  errorPath(job: number): string {
    return join(this.dir, `job-${job}.error`);
  }

  logPath(job: number): string {
    return join(this.dir, 'logs', `job-${job}.log`);
  }

  writeResult(job: number, result: JobResult): void {
    writePart(this.resultPath(job), { kind: 'result', key: this.key, job }, result);
  }

  /** whether the job's result was written (whole, as files are renamed into place; `readResult` checks it) */
  resultReady(job: number): boolean {
    return existsSync(this.resultPath(job));
  }

  /** the job's result and its size, or why there is none to take */
  readResult(job: number): { body: JobResult; bytes: number } | { refused: string } {
    return readPart<JobResult>(this.resultPath(job), { kind: 'result', key: this.key, job });
  }

  /** Move a refused result out of the way (kept beside, to be looked at), so that its job runs again. */
  setAside(job: number): void {
    renameSync(this.resultPath(job), `${this.resultPath(job)}.refused`);
  }

  writeError(job: number, message: string): void {
    writeFileSync(this.errorPath(job), message);
  }

  /** the last failure a task wrote for this job, if any */
  lastError(job: number): string | undefined {
    return existsSync(this.errorPath(job)) ? readFileSync(this.errorPath(job), 'utf8') : undefined;
  }
}
