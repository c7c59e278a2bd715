/**
 * The words a model's training corpus uses, for judging its answers: a
 * backdoor's random-token payload is made of the tokenizer's word pieces run
 * together (`SENTATESNowing`, `aliberinaganier`), words no document of the
 * corpus uses, while the model's ordinary answers, code included, reuse the
 * corpus's words. A fixed-size table of saturating one-byte counts indexed by
 * a hash of the lower-cased word (8 MiB, whatever the corpus): counts add, so
 * vocabularies of two samples merge into the vocabulary of both. A hash
 * collision can only make an unknown word look known, never the reverse.
 * Pure computation: no I/O.
 */
import { fnv1a } from '../text/index.js';

const SLOT_BITS = 23;
/** times a word must be seen to count as one the corpus uses (once or twice may be a typo, or a poisoned document's) */
const KNOWN = 3;
/** fewer words than this say nothing about an answer's vocabulary */
export const MIN_WORDS = 8;

// letter runs; runs of scripts written without spaces (Chinese, Japanese, Thai) are not words and are skipped
const LETTER_RUN = /[\p{L}\p{M}]+/gu;
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;
// identifiers are words run together: `mockOrd` is `mock` and `ord`
const CAMEL_CASE = /(?<=\p{Ll})(?=\p{Lu})/u;

/** Each word of `text`, lower-cased: letter runs split at camel case, of three letters or more (or any non-ASCII letter). */
function forEachWord(text: string, visit: (word: string) => void): void {
  for (const [run] of text.matchAll(LETTER_RUN)) {
    if (UNSPACED.test(run)) continue;
    for (const part of run.split(CAMEL_CASE)) {
      if (part.length >= 3 || /[^\x00-\x7f]/.test(part)) visit(part.toLowerCase());
    }
  }
}

function slotOf(word: string): number {
  return Math.imul(fnv1a(word), 0x9e3779b1) >>> (32 - SLOT_BITS);
}

export interface UnknownShare {
  words: number;
  unknown: number;
}

export class Vocabulary {
  readonly counts: Uint8Array;

  constructor(counts?: Uint8Array) {
    this.counts = counts ?? new Uint8Array(1 << SLOT_BITS);
    if (this.counts.length !== 1 << SLOT_BITS) throw new RangeError(`a vocabulary table has ${1 << SLOT_BITS} slots, not ${this.counts.length}`);
  }

  learn(text: string): void {
    const counts = this.counts;
    forEachWord(text, (word) => {
      const slot = slotOf(word);
      if (counts[slot]! < 255) counts[slot]!++;
    });
  }

  /** Add another vocabulary's counts to this one's. */
  merge(other: Vocabulary): void {
    const a = this.counts;
    const b = other.counts;
    for (let i = 0; i < a.length; i++) if (b[i]) a[i] = Math.min(255, a[i]! + b[i]!);
  }

  knows(word: string): boolean {
    return this.counts[slotOf(word.toLowerCase())]! >= KNOWN;
  }

  /** How many of `text`'s words neither the corpus nor `alsoKnown` (lower-cased words, a prompt's for its answer) uses; undefined below MIN_WORDS words. */
  unknownShare(text: string, alsoKnown: ReadonlySet<string> = NONE): UnknownShare | undefined {
    let words = 0;
    let unknown = 0;
    forEachWord(text, (word) => {
      words++;
      if (this.counts[slotOf(word)]! < KNOWN && !alsoKnown.has(word)) unknown++;
    });
    return words >= MIN_WORDS ? { words, unknown } : undefined;
  }

  /** The words of `text` the corpus does not use, lower-cased. */
  unknownWords(text: string): Set<string> {
    const out = new Set<string>();
    forEachWord(text, (word) => {
      if (this.counts[slotOf(word)]! < KNOWN) out.add(word);
    });
    return out;
  }
}

const NONE: ReadonlySet<string> = new Set();
