/**
 * A sample of the corpus, read before the first pass, from which the scan
 * learns what the corpus's own text looks like (`WordPairModel`, compiled into a `WordPairIndex`). Plain JSONL
 * files are sampled at evenly spaced offsets, so that a corpus sorted by
 * source is sampled from every source; other inputs give their first records.
 * The sample depends only on the input's bytes, so every run (and every shard
 * of one) learns the same model.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { compressionOf, isBlankLine, parseJsonLine, readCorpusBatches, shapeOf, type InputSource, type ReadOptions } from '../corpus/index.js';
import { tokenSpans, WordPairModel, type WordPairIndex } from '../text/index.js';

/** bytes of text sampled in all; chunks read from each plain JSONL file */
const SAMPLE_BYTES = 8 << 20;
const CHUNKS = 64;
/** characters of one document learnt from */
const MAX_DOCUMENT = 20_000;

function* evenlySpacedLines(path: string, budget: number): Generator<Uint8Array> {
  const size = statSync(path).size;
  // a file within the budget is read whole; a larger one in evenly spaced chunks
  const chunks = size <= budget ? 1 : CHUNKS;
  const chunk = size <= budget ? size : Math.floor(budget / CHUNKS);
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(chunk + 1);
    for (let k = 0; k < chunks; k++) {
      const at = Math.floor((k * size) / chunks);
      const view = buffer.subarray(0, readSync(fd, buffer, 0, chunk, at));
      // whole lines only: from the first line start in the chunk to its last newline (the file's end ends a line)
      let from = at === 0 ? (view[0] === 0xef && view[1] === 0xbb && view[2] === 0xbf ? 3 : 0) : view.indexOf(10) + 1;
      if (from === 0 && at !== 0) continue;
      const last = at + view.length >= size ? view.length : view.lastIndexOf(10);
      while (from < last) {
        let nl = view.indexOf(10, from);
        if (nl < 0 || nl > last) nl = last;
        const line = view.subarray(from, nl);
        if (!isBlankLine(line)) yield line;
        from = nl + 1;
      }
    }
  } finally {
    closeSync(fd);
  }
}

async function* sampleTexts(sources: readonly InputSource[], read: ReadOptions): AsyncGenerator<string> {
  const budget = Math.floor(SAMPLE_BYTES / Math.max(1, sources.length));
  for (const source of sources) {
    if (source.format === 'jsonl' && !compressionOf(source.path)) {
      for (const line of evenlySpacedLines(source.path, budget)) {
        const { fields } = parseJsonLine(line, { file: source.name });
        if (!fields) continue;
        try {
          yield shapeOf(fields, read.textField, { file: source.name }).text;
        } catch {
          // a record without text teaches nothing; pass 1 reports it
        }
      }
      continue;
    }
    let taken = 0;
    for await (const records of readCorpusBatches([source], read, () => undefined)) {
      for (const r of records) {
        if (r.text === undefined) continue;
        yield r.text;
        taken += r.text.length;
      }
      if (taken >= budget) break;
    }
  }
}

/** The word-pair model of a sample of `sources`. A source that cannot be read is left out here; pass 1 reports it. */
export async function learnWordPairs(sources: readonly InputSource[], read: ReadOptions): Promise<WordPairIndex> {
  const model = new WordPairModel();
  const documents: Int32Array[] = [];
  try {
    for await (const text of sampleTexts(sources, read)) {
      const hashes = Int32Array.from(tokenSpans(text.length > MAX_DOCUMENT ? text.slice(0, MAX_DOCUMENT) : text).lowerHash);
      model.add(hashes);
      documents.push(hashes);
    }
  } catch {
    // unreadable input: learn from what was read
  }
  return model.compile(documents);
}
