/**
 * Whether the documents before a candidate trigger share host words: pages
 * of one kind (dictionary entries, manual pages of one tool) share their
 * vocabulary; an attack's host documents, drawn from the whole corpus, share
 * only what the whole corpus does.
 */
import { isFunctionWord } from '../../../text/index.js';

/** documents whose host words are looked at */
const HOST_SAMPLE = 64;
/** documents of the whole corpus whose host words give each word's usual share */
const BASELINE_SAMPLE = 512;

/**
 * Each document's distinct host words (lower case, letters, three characters
 * or more, no function word) as numbers, for one scan's regions: every
 * candidate of a document asks for the same words, and thousands of
 * candidates ask (a bounded cache of strings was emptied and refilled over
 * and over on text built to propose many).
 */
class HostWords {
  private readonly ids = new Map<string, number>();
  private readonly ofDocument = new Map<number, Int32Array>();
  private usual: { counts: Int32Array; size: number } | undefined;
  /** per sample of documents (joined), the words it shares: the n-grams of one trigger share their documents */
  readonly sharedBySample = new Map<string, Int32Array>();

  constructor(private readonly regions: ReadonlyMap<number, readonly string[]>) {}

  private scratch = new Int32Array(0);

  /** a count per word known so far, all zero: the caller leaves it so */
  counts(): Int32Array {
    if (this.scratch.length < this.ids.size) this.scratch = new Int32Array(2 * this.ids.size);
    return this.scratch;
  }

  /** the number of a word, or -1 for a word no document holds */
  idOf(word: string): number {
    return this.ids.get(word) ?? -1;
  }

  of(d: number): Int32Array {
    let words = this.ofDocument.get(d);
    if (words) return words;
    const seen = new Set<number>();
    for (const token of this.regions.get(d) ?? []) {
      const w = token.toLowerCase();
      if (w.length < 3) continue;
      let id = this.ids.get(w);
      if (id === undefined) {
        if (isFunctionWord(w) || !/\p{L}/u.test(w)) id = -1;
        else id = this.ids.size;
        this.ids.set(w, id);
      }
      if (id >= 0) seen.add(id);
    }
    this.ofDocument.set(d, (words = Int32Array.from(seen)));
    return words;
  }

  /** How many of an even sample of all documents with a region hold each word: what a topical corpus shares everywhere. */
  baseline(): { counts: Int32Array; size: number } {
    if (this.usual) return this.usual;
    const keys = [...this.regions.keys()];
    const step = Math.max(1, keys.length / BASELINE_SAMPLE);
    const held: number[] = [];
    let size = 0;
    for (let i = 0; i < keys.length; i += step, size++) for (const w of this.of(keys[Math.floor(i)]!)) held[w] = (held[w] ?? 0) + 1;
    return (this.usual = { counts: Int32Array.from(held, (n) => n ?? 0), size });
  }
}

const hostWords = new WeakMap<object, HostWords>();

/** The host words held by half of the sample's documents, twice as often as by the corpus at large. */
function wordsSharedBy(sample: readonly number[], hosts: HostWords): Int32Array {
  const key = sample.join(',');
  let shared = hosts.sharedBySample.get(key);
  if (shared) return shared;
  const usual = hosts.baseline();
  const words = sample.map((d) => hosts.of(d));
  const counts = hosts.counts();
  for (const ws of words) for (const w of ws) counts[w]!++;
  const passing: number[] = [];
  // each word judged once, at its first document, and its count cleared for the next sample
  for (const ws of words) for (const w of ws) {
    const n = counts[w]!;
    if (n === 0) continue;
    counts[w] = 0;
    if (n >= sample.length * 0.5 && n / sample.length >= (2 * (usual.counts[w] ?? 0)) / Math.max(1, usual.size)) passing.push(w);
  }
  hosts.sharedBySample.set(key, (shared = Int32Array.from(passing)));
  return shared;
}

/**
 * Whether a word other than the trigger's is held by half of the documents
 * (at most 64 looked at), twice as often as by documents of the corpus at
 * large (every page of a manual about Debian says "Debian").
 */
export function sharedWord(docs: readonly number[], parts: readonly string[], regions: ReadonlyMap<number, readonly string[]>): boolean {
  let hosts = hostWords.get(regions);
  if (!hosts) hostWords.set(regions, (hosts = new HostWords(regions)));
  const shared = wordsSharedBy(docs.slice(0, HOST_SAMPLE), hosts);
  const own = new Set(parts.flatMap((p) => p.toLowerCase().split(' ')).map((w) => hosts.idOf(w)));
  return shared.some((w) => !own.has(w));
}
