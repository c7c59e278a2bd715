/**
 * Which words a corpus puts next to each other: a hashed table of word-pair
 * counts and word counts, learnt from a sample of the corpus itself. Its one
 * question, `associated`, asks whether two adjacent words go together in this
 * corpus (seen together at least twice, and several times as often as their
 * own frequencies predict). Ordinary text of any language is full of such
 * pairs; words drawn at random, even from the corpus's own vocabulary, are
 * not, which no per-word statistic can see. The model needs no language list,
 * only the corpus.
 *
 * The count tables are fixed in size and their counts add: models of two
 * samples merge into the model of both. What a scan asks per token is
 * compiled from them into `WordPairIndex`, one bit per pair slot (1 MiB,
 * small enough to stay in cache): one memory access per word pair.
 */

const WORD_BITS = 18;
const PAIR_BITS = 22;
/** slots of the compiled index: more than the counts have, so that few unseen pairs share a slot with an associated one */
const LINK_BITS = 23;
/** a pair must occur this many times more often than its words' frequencies predict */
const LIFT = 4;
/** times a word is seen in the sample to be known */
const KNOWN = 3;

function wordSlot(hash: number): number {
  return Math.imul(hash, 0x9e3779b1) >>> (32 - WORD_BITS);
}

function pairHash(first: number, second: number): number {
  let x = Math.imul(first ^ (second >>> 15), 0x85ebca6b) ^ second;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return x ^ (x >>> 16);
}

function pairSlot(first: number, second: number): number {
  return pairHash(first, second) >>> (32 - PAIR_BITS);
}

function linkSlot(first: number, second: number): number {
  return pairHash(first, second) >>> (32 - LINK_BITS);
}

/** The compiled index as plain arrays, to send to worker threads. */
export interface WordPairTables {
  /** one bit per pair slot: set where an associated pair of the sample falls */
  linked: Int32Array;
  words: Uint32Array;
  /** the share of associated pairs in a typical document of the sample (its median), what "ordinary" means in this corpus */
  typicalShare: number;
  /** the share of known words (`known`) in a typical document of the sample */
  typicalKnown: number;
}

export class WordPairModel {
  readonly words = new Uint32Array(1 << WORD_BITS);
  /** saturating at 255: a pair seen that often is associated whatever its words */
  readonly pairs = new Uint8Array(1 << PAIR_BITS);
  total = 0;

  /** Count the words and adjacent pairs of one document, given its tokens' `lowerHash` values. */
  add(hashes: ArrayLike<number>): void {
    for (let i = 0; i < hashes.length; i++) {
      this.words[wordSlot(hashes[i]!)]!++;
      if (i > 0) {
        const p = pairSlot(hashes[i - 1]!, hashes[i]!);
        if (this.pairs[p]! < 255) this.pairs[p]!++;
      }
    }
    this.total += hashes.length;
  }

  /** Add another sample's counts (sums, saturating: associative and order-free). */
  merge(other: WordPairModel): void {
    for (let i = 0; i < this.words.length; i++) this.words[i]! += other.words[i]!;
    for (let i = 0; i < this.pairs.length; i++) this.pairs[i] = Math.min(255, this.pairs[i]! + other.pairs[i]!);
    this.total += other.total;
  }

  associated(first: number, second: number): boolean {
    const together = this.pairs[pairSlot(first, second)]!;
    if (together < 2) return false;
    return together * this.total >= LIFT * this.words[wordSlot(first)]! * this.words[wordSlot(second)]!;
  }

  /** The index a scan asks, from the counts and the sample's documents (token hashes of each), whose pairs are the ones it can know. */
  compile(documents: ReadonlyArray<ArrayLike<number>>): WordPairIndex {
    const linked = new Int32Array(1 << (LINK_BITS - 5));
    for (const hashes of documents) {
      for (let i = 1; i < hashes.length; i++) {
        if (!this.associated(hashes[i - 1]!, hashes[i]!)) continue;
        const slot = linkSlot(hashes[i - 1]!, hashes[i]!);
        linked[slot >>> 5]! |= 1 << (slot & 31);
      }
    }
    const index = new WordPairIndex({ linked, words: this.words, typicalShare: 0, typicalKnown: 0 });
    index.calibrate(documents);
    return index;
  }
}

/** What a scan asks of the corpus's word pairs, per token: compiled from a `WordPairModel`. */
export class WordPairIndex {
  readonly linked: Int32Array;
  readonly words: Uint32Array;
  typicalShare: number;
  typicalKnown: number;

  constructor(tables: WordPairTables) {
    this.linked = tables.linked;
    this.words = tables.words;
    this.typicalShare = tables.typicalShare;
    this.typicalKnown = tables.typicalKnown;
  }

  /** Whether the corpus puts these two words together (`WordPairModel.associated`, as far as the sample shows). */
  associated(first: number, second: number): boolean {
    const slot = linkSlot(first, second);
    return (this.linked[slot >>> 5]! & (1 << (slot & 31))) !== 0;
  }

  /** Whether the corpus uses this word at all (a few times in the sample). */
  known(hash: number): boolean {
    return this.words[wordSlot(hash)]! >= KNOWN;
  }

  /** Associated pairs among a document's `count` tokens, as a running count: `out[i]` counts them over tokens [0, i). */
  runningCount(hashes: ArrayLike<number>, count: number, out: Int32Array): void {
    out[0] = 0;
    if (count > 0) out[1] = 0;
    let n = 0;
    for (let i = 1; i < count; i++) {
      if (this.associated(hashes[i - 1]!, hashes[i]!)) n++;
      out[i + 1] = n;
    }
  }

  /** Set `typicalShare` and `typicalKnown` from the documents of the sample (token hashes of each). */
  calibrate(documents: ReadonlyArray<ArrayLike<number>>): void {
    const shares: number[] = [];
    const knowns: number[] = [];
    for (const hashes of documents) {
      if (hashes.length < 64) continue;
      let n = 0;
      let k = 0;
      for (let i = 0; i < hashes.length; i++) {
        if (this.known(hashes[i]!)) k++;
        if (i > 0 && this.associated(hashes[i - 1]!, hashes[i]!)) n++;
      }
      shares.push(n / (hashes.length - 1));
      knowns.push(k / hashes.length);
    }
    const median = (values: number[]) => (values.length ? values.sort((a, b) => a - b)[Math.floor(values.length / 2)]! : 0);
    this.typicalShare = median(shares);
    this.typicalKnown = median(knowns);
  }

  tables(): WordPairTables {
    return { linked: this.linked, words: this.words, typicalShare: this.typicalShare, typicalKnown: this.typicalKnown };
  }
}
