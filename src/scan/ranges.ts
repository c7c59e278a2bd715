/**
 * Later passes over plain JSONL files, read by the workers themselves. Every
 * pass after the first reads the whole corpus again; when the main thread
 * reads it, splits its lines and sends them, the main thread is what the
 * workers wait for. Pass 1 notes where records start every few MiB; each
 * stretch between two marks is then one request, and the worker that takes
 * it reads those bytes from the file and numbers their records as pass 1
 * did.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { compressionOf, isBlankLine, type CorpusRecord, type InputSource } from '../corpus/index.js';
import { AntidoteError } from '../errors/index.js';
import type { Batch } from './batches.js';

/** Bytes of one file holding whole records: the first is record `firstIndex`, on line `firstLine`; `endIndex` is one past the last. */
export interface ByteRange {
  path: string;
  file: string;
  start: number;
  end: number;
  firstIndex: number;
  endIndex: number;
  firstLine: number;
}

/** a stretch of file per request: enough to keep a worker busy, little to hold */
const RANGE_BYTES = 16 << 20;

interface Mark {
  file: string;
  offset: number;
  index: number;
  line: number;
}

/** Where records start, noted while pass 1 reads every record. */
export class RangeMarks {
  private readonly marks: Mark[] = [];
  /** false once a record did not come from a plain JSONL file, or an input failed part-way */
  private usable: boolean;

  constructor(private readonly sources: readonly InputSource[]) {
    this.usable = sources.every((s) => s.format === 'jsonl' && !compressionOf(s.path));
  }

  see(record: CorpusRecord): void {
    if (!this.usable) return;
    const { file, line, offset } = record.place;
    if (!record.raw || line === undefined || offset === undefined) {
      this.usable = false;
      return;
    }
    const last = this.marks[this.marks.length - 1];
    if (!last || last.file !== file || offset - last.offset >= RANGE_BYTES) this.marks.push({ file, offset, index: record.index, line });
  }

  inputFailed(): void {
    this.usable = false;
  }

  /** The ranges covering every record pass 1 read, once it is over (`records` of them); undefined when the main thread must read. */
  ranges(records: number): ByteRange[] | undefined {
    if (!this.usable) return undefined;
    const paths = new Map(this.sources.map((s) => [s.name, s.path]));
    return this.marks.map((mark, k) => {
      const next = this.marks[k + 1];
      const path = paths.get(mark.file)!;
      const end = next?.file === mark.file ? next.offset : statSync(path).size;
      return { path, file: mark.file, start: mark.offset, end, firstIndex: mark.index, endIndex: next?.index ?? records, firstLine: mark.line };
    });
  }
}

function changed(range: ByteRange): AntidoteError {
  return new AntidoteError('INPUT_UNREADABLE', `changed while it was being scanned (bytes ${range.start}-${range.end} no longer hold the records first read there); scan it again once nothing writes to it`, { file: range.file });
}

/**
 * One buffer per worker for the ranges it reads, used again for the next:
 * a fresh buffer of several MiB per range makes the collector run for it.
 */
let buffer = Buffer.allocUnsafe(0);

/**
 * The records of a range (those `keep` keeps), read from its file, as a batch
 * of raw records (in a worker). The batch is a view of a buffer the next range
 * reuses: it is valid until then.
 */
export function batchOfRange(range: ByteRange, keep: (index: number) => boolean = () => true): Batch {
  if (buffer.length < range.end - range.start) buffer = Buffer.allocUnsafe(range.end - range.start);
  const bytes = buffer.subarray(0, range.end - range.start);
  const fd = openSync(range.path, 'r');
  try {
    for (let at = 0; at < bytes.length; ) {
      const n = readSync(fd, bytes, at, bytes.length - at, range.start + at);
      if (n === 0) throw changed(range);
      at += n;
    }
  } finally {
    closeSync(fd);
  }
  // lines as the JSONL reader splits them: on \n, blank ones are not records
  const starts: number[] = [];
  const ends: number[] = [];
  const records: NonNullable<Batch['raw']>['records'] = [];
  let index = range.firstIndex;
  let line = range.firstLine;
  for (let from = 0; from < bytes.length; line++) {
    const nl = bytes.indexOf(10, from);
    const to = nl < 0 ? bytes.length : nl;
    // most lines open with "{": blank lines are told without a view of them
    if (bytes[from] !== 0x7b && isBlankLine(bytes.subarray(from, to))) {
      from = to + 1;
      continue;
    }
    if (keep(index)) {
      starts.push(from);
      ends.push(to);
      records.push({ index, place: { file: range.file, line, offset: range.start + from }, bytes: to - from });
    }
    index++;
    from = to + 1;
  }
  if (index !== range.endIndex) throw changed(range);
  return { docs: [], raw: { bytes, starts, ends, records } };
}
