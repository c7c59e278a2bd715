/**
 * The passes of a scan over planned pieces (JSONL, plain or compressed, and Parquet), as jobs for any
 * executor: one job per shard, one request per piece of the shard.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AntidoteError } from '../errors/index.js';
import type { InputSource } from '../corpus/index.js';
import type { WorkerResponse } from './handler.js';
import { groupPieces, planPieces, rangesOf, PIECE_BYTES, type Piece, type PieceCounts } from './plan.js';
import type { ByteRange } from './ranges.js';
import type { Executor, PassSpec, ShardRequest } from './executors/index.js';
import type { PartStats } from './outputs/parts.js';
import type { DocumentVerdict } from './report.js';

export interface ShardPlan {
  ranges: ByteRange[];
  /** the ranges of each shard, in record order */
  shards: number[][];
  labels: string[];
  records: number;
  bytes: number;
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // planning says why, for each file it cannot open
  }
}

/** "a.jsonl bytes 0-1000" (or "b.parquet rows 0-5000") for the ranges of one shard */
function labelOf(pieces: readonly Piece[]): string {
  const files: string[] = [];
  for (const r of pieces) {
    const last = files[files.length - 1];
    const unit = `${r.file} ${r.rows ? 'rows' : 'bytes'} `;
    if (last?.startsWith(unit)) files[files.length - 1] = last.replace(/-\d+$/, `-${r.end}`);
    else files.push(`${unit}${r.start}-${r.end}`);
  }
  return files.join(', ');
}

/**
 * Cut the inputs into pieces and shards (as many shards as the executor runs
 * at once, one per piece on this machine), and number every record with a
 * pass that counts each piece's lines.
 */
export async function planShards(executor: Executor, sources: readonly InputSource[], onUnreadable: (source: InputSource, error: AntidoteError) => void): Promise<ShardPlan> {
  const local = executor.kind === 'local';
  const total = sources.reduce((n, s) => n + sizeOf(s.path), 0);
  const pieceBytes = local ? PIECE_BYTES : Math.min(PIECE_BYTES, Math.max(4096, Math.ceil(total / executor.parallelism)));
  const pieces = await planPieces(sources, pieceBytes, onUnreadable);
  const shards = local ? pieces.map((_, i) => [i]) : groupPieces(pieces, executor.parallelism);
  const labels = shards.map((shard) => labelOf(shard.map((i) => pieces[i]!)));
  const counts: PieceCounts[] = [];
  await executor.run({ name: 'lines', setup: [], finish: [], labels, jobs: shards.map((shard) => shard.map((i) => ({ type: 'lines', piece: pieces[i]! }))) }, {
    onJob: (job, responses) => responses.forEach((r, k) => (counts[shards[job]![k]!] = r as Extract<WorkerResponse, { type: 'lines' }>)),
    onFinish: () => undefined,
  });
  // a damaged compressed file: its records before the damage are scanned, and the input is reported as cut short
  counts.forEach((c, i) => {
    const source = c.damaged && sources.find((s) => s.name === pieces[i]!.file);
    if (source) onUnreadable(source, new AntidoteError('DECOMPRESSION', c.damaged!, { file: source.name }));
  });
  return {
    ranges: rangesOf(pieces, counts),
    shards,
    labels,
    records: counts.reduce((n, c) => n + c.records, 0),
    bytes: counts.reduce((n, c) => n + c.bytes, 0),
  };
}

/** how many records a shard holds */
export function recordsOf(plan: ShardPlan, shard: number): number {
  return plan.shards[shard]!.reduce((n, i) => n + plan.ranges[i]!.endIndex - plan.ranges[i]!.firstIndex, 0);
}

/** A pass with one request per range (`requestOf` may leave a range out). */
export function passOf(plan: ShardPlan, name: string, requestOf: (range: ByteRange, index: number) => ShardRequest | undefined, parts: Partial<Pick<PassSpec, 'setup' | 'finish' | 'refresh'>> = {}): PassSpec {
  const jobs = plan.shards.map((shard) => shard.flatMap((i) => requestOf(plan.ranges[i]!, i) ?? []));
  return { name, setup: parts.setup ?? [], finish: parts.finish ?? [], refresh: parts.refresh, labels: plan.labels, jobs };
}

/**
 * Hand on each job's answers in job order, whatever order jobs end in: the
 * coordinator's capped lists then hold the first documents in record order,
 * however the corpus was cut.
 */
export function inJobOrder(apply: (job: number, responses: WorkerResponse[]) => void): (job: number, responses: WorkerResponse[]) => void {
  const waiting = new Map<number, WorkerResponse[]>();
  let next = 0;
  return (job, responses) => {
    waiting.set(job, responses);
    while (waiting.has(next)) {
      const ready = waiting.get(next)!;
      waiting.delete(next);
      apply(next++, ready);
    }
  };
}

/** What `--splits DIR` writes beside the parts: which part holds what. */
export interface SplitManifest {
  version: 1;
  /** concatenated in this order, the parts are the clean and quarantine splits */
  shards: Array<{ shard: number; covers: string; clean: PartStats; quarantine: PartStats }>;
  clean: { records: number; bytes: number };
  quarantine: { records: number; bytes: number };
}

/** Each shard writes its clean and quarantine part under `dir`; `dir/manifest.json` lists them in shard order. */
export async function writeSplitParts(executor: Executor, plan: ShardPlan, quarantined: ReadonlyMap<number, DocumentVerdict>, dir: string): Promise<SplitManifest> {
  for (const split of ['clean', 'quarantine']) mkdirSync(join(dir, split), { recursive: true });
  const held = [...quarantined.keys()].sort((a, b) => a - b);
  let next = 0;
  const shardOf = new Map(plan.shards.flatMap((shard, job) => shard.map((i, k) => [i, { job, first: k === 0 }] as const)));
  const name = (job: number) => `part-${String(job).padStart(5, '0')}.jsonl`;
  const shards: SplitManifest['shards'] = [];
  await executor.run(passOf(plan, 'split', (range, i) => {
    const verdicts: Array<[number, DocumentVerdict]> = [];
    for (; next < held.length && held[next]! < range.endIndex; next++) verdicts.push([held[next]!, quarantined.get(held[next]!)!]);
    const { job, first } = shardOf.get(i)!;
    return { type: 'split', batch: range, quarantined: verdicts, clean: resolve(dir, 'clean', name(job)), quarantine: resolve(dir, 'quarantine', name(job)), first };
  }), {
    onJob: (job, responses) => {
      const last = responses[responses.length - 1] as Extract<WorkerResponse, { type: 'split' }>;
      shards[job] = { shard: job, covers: plan.labels[job]!, clean: last.clean, quarantine: last.quarantine };
    },
    onFinish: () => undefined,
  });
  const total = (split: 'clean' | 'quarantine') => ({ records: shards.reduce((n, s) => n + s[split].records, 0), bytes: shards.reduce((n, s) => n + s[split].bytes, 0) });
  const manifest: SplitManifest = { version: 1, shards, clean: total('clean'), quarantine: total('quarantine') };
  const path = join(dir, 'manifest.json');
  try {
    writeFileSync(path, `${JSON.stringify(manifest, null, 1)}\n`);
  } catch (cause) {
    throw new AntidoteError('OUTPUT_FAILED', `cannot write the splits' manifest (${(cause as Error).message})`, { file: path }, { cause });
  }
  return manifest;
}
