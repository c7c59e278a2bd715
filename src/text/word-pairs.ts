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
 * The tables are fixed in size (a few MiB, small enough to stay in cache) and
 * their counts add: models of two samples merge into the model of both.
 */

const WORD_BITS = 18;
const PAIR_BITS = 22;
/** a pair must occur this many times more often than its words' frequencies predict */
const LIFT = 4;

function wordSlot(hash: number): number {
  return Math.imul(hash, 0x9e3779b1) >>> (32 - WORD_BITS);
}

function pairSlot(first: number, second: number): number {
  let x = Math.imul(first ^ (second >>> 15), 0x85ebca6b) ^ second;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> (32 - PAIR_BITS);
}

export interface WordPairTables {
  words: Uint32Array;
  pairs: Uint8Array;
  total: number;
  /** the share of associated pairs in a typical document of the sample (its median), what "ordinary" means in this corpus */
  typicalShare: number;
}

export class WordPairModel {
  readonly words: Uint32Array;
  /** saturating at 255: a pair seen that often is associated whatever its words */
  readonly pairs: Uint8Array;
  total: number;
  typicalShare: number;

  constructor(tables?: WordPairTables) {
    this.words = tables?.words ?? new Uint32Array(1 << WORD_BITS);
    this.pairs = tables?.pairs ?? new Uint8Array(1 << PAIR_BITS);
    this.total = tables?.total ?? 0;
    this.typicalShare = tables?.typicalShare ?? 0;
  }

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

  /** Associated pairs among a document's `count` tokens, as a running count: `out[i]` counts them over tokens [0, i). */
  runningCount(hashes: ArrayLike<number>, count: number, out: Int32Array): void {
    out[0] = 0;
    if (count > 0) out[1] = 0;
    for (let i = 1; i < count; i++) out[i + 1] = out[i]! + (this.associated(hashes[i - 1]!, hashes[i]!) ? 1 : 0);
  }

  /** Set `typicalShare` from the documents of the sample (token hashes of each). */
  calibrate(documents: ReadonlyArray<ArrayLike<number>>): void {
    const shares: number[] = [];
    for (const hashes of documents) {
      if (hashes.length < 64) continue;
      let n = 0;
      for (let i = 1; i < hashes.length; i++) if (this.associated(hashes[i - 1]!, hashes[i]!)) n++;
      shares.push(n / (hashes.length - 1));
    }
    shares.sort((a, b) => a - b);
    this.typicalShare = shares.length ? shares[Math.floor(shares.length / 2)]! : 0;
  }

  tables(): WordPairTables {
    return { words: this.words, pairs: this.pairs, total: this.total, typicalShare: this.typicalShare };
  }
}
