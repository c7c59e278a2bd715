/**
 * Splits written per shard, by whichever worker runs the shard: each shard
 * appends its ranges' records to its own clean and quarantine part, in
 * record order, so the parts of all shards, concatenated in shard order,
 * are the splits a single-machine scan writes, byte for byte.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { AntidoteError } from '../../errors/index.js';
import type { CorpusRecord } from '../../corpus/index.js';
import { batchOfRange, type ByteRange } from '../ranges.js';
import type { DocumentVerdict } from '../report.js';
import { quarantineRecord } from './splits.js';

/** What a part holds so far. */
export interface PartStats {
  path: string;
  records: number;
  bytes: number;
  sha256: string;
}

class PartWriter {
  private records = 0;
  private bytes = 0;
  private readonly hash: Hash = createHash('sha256');

  constructor(readonly path: string) {}

  /** Add lines to the part (created by the first range of its shard, appended to by the others). */
  write(lines: Array<Buffer | string>, first: boolean): void {
    const data = Buffer.concat(lines.flatMap((l) => [typeof l === 'string' ? Buffer.from(l) : l, Buffer.from('\n')]));
    let fd: number;
    try {
      fd = openSync(this.path, first ? 'w' : 'a');
    } catch (cause) {
      throw new AntidoteError('OUTPUT_FAILED', `cannot write a split part (${(cause as Error).message})`, { file: this.path }, { cause });
    }
    try {
      for (let at = 0; at < data.length; ) at += writeSync(fd, data, at);
    } finally {
      closeSync(fd);
    }
    this.records += lines.length;
    this.bytes += data.length;
    this.hash.update(data);
  }

  stats(): PartStats {
    return { path: this.path, records: this.records, bytes: this.bytes, sha256: this.hash.copy().digest('hex') };
  }
}

/** A worker's parts, by path: the ranges of one shard come to the same worker, in order. */
export class SplitParts {
  private readonly parts = new Map<string, PartWriter>();

  private part(path: string, first: boolean): PartWriter {
    let part = this.parts.get(path);
    if (first || !part) {
      if (!first) throw new AntidoteError('OUTPUT_FAILED', 'a split part was continued by a worker that did not start it', { file: path });
      this.parts.set(path, (part = new PartWriter(path)));
    }
    return part;
  }

  /** Write the range's records: clean ones as their bytes, quarantined ones with why. */
  write(range: ByteRange, quarantined: ReadonlyMap<number, DocumentVerdict>, paths: { clean: string; quarantine: string }, first: boolean): { clean: PartStats; quarantine: PartStats } {
    const batch = batchOfRange(range);
    const { bytes, starts, ends, records } = batch.raw!;
    const clean: Buffer[] = [];
    const held: string[] = [];
    records.forEach((r, i) => {
      const raw = Buffer.from(bytes.buffer, bytes.byteOffset + starts![i]!, ends[i]! - starts![i]!);
      const verdict = quarantined.get(r.index);
      if (!verdict) clean.push(raw);
      else held.push(quarantineRecord({ index: r.index, id: '', place: r.place, bytes: r.bytes, raw } satisfies CorpusRecord, verdict));
    });
    const cleanPart = this.part(paths.clean, first);
    const quarantinePart = this.part(paths.quarantine, first);
    cleanPart.write(clean, first);
    quarantinePart.write(held, first);
    return { clean: cleanPart.stats(), quarantine: quarantinePart.stats() };
  }
}
