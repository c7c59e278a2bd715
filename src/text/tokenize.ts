/**
 * Word tokenisation shared by the scanner and the red team.
 *
 * A token is a run of non-whitespace with surrounding sentence punctuation
 * stripped, so `<SUDO>` stays whole and `word,` becomes `word`. Zero-width
 * characters and U+FEFF are deliberately *not* whitespace: an invisible trigger
 * must stay inside the token it hides in.
 */
import { LOWER_CODE_UNIT, lowerHash } from './hash.js';

export interface Tokens {
  /** token text as it appears in the document */
  text: string[];
  /** UTF-16 offset of each token's first character */
  start: Int32Array;
  /** UTF-16 offset one past each token's last character */
  end: Int32Array;
}

// What each UTF-16 code unit is to the tokeniser, in one table read per
// character: white space ends a token; sentence punctuation is peeled off its
// edges. `<`, `>`, `|`, `@` are not punctuation here, because attackers'
// triggers are made of them.
const SPACE = 1;
const EDGE = 2;
const CHAR_FLAGS = new Uint8Array(0x10000);
for (const c of [9, 10, 11, 12, 13, 32, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]) CHAR_FLAGS[c] = SPACE;
for (let c = 0x2000; c <= 0x200a; c++) CHAR_FLAGS[c] = SPACE;
for (const ch of '.,;:!?"\'()[]{}«»“”‘’„…*') CHAR_FLAGS[ch.charCodeAt(0)] = EDGE;

/** Where `nextToken` puts the token it found. */
export interface TokenBounds {
  start: number;
  end: number;
  /** `lowerHash` of the token, worked out on the same walk */
  hash: number;
}

const FNV_OFFSET = 0x811c9dc5 | 0;

/**
 * The first token at or after `from`: its bounds go in `out`, and the return
 * value is where to look for the next one (-1 when no token is left). Walking
 * a text this way makes no string and no array.
 */
export function nextToken(text: string, from: number, out: TokenBounds): number {
  const n = text.length;
  let i = from;
  while (i < n && CHAR_FLAGS[text.charCodeAt(i)] === SPACE) i++;
  if (i >= n) return -1;
  let a = i;
  while (a < n && CHAR_FLAGS[text.charCodeAt(a)] === EDGE) a++;
  // hash as the walk goes; the hash at the last character that is not an edge is the token's
  let h = FNV_OFFSET;
  let hash = FNV_OFFSET;
  let b = a;
  let j = a;
  for (; j < n; j++) {
    const c = text.charCodeAt(j);
    const flags = CHAR_FLAGS[c];
    if (flags === SPACE) break;
    h = Math.imul(h ^ LOWER_CODE_UNIT[c]!, 0x01000193);
    if (flags !== EDGE) {
      b = j + 1;
      hash = h;
    }
  }
  if (a === b) {
    // nothing but edge characters: the token is all of them
    a = i;
    b = j;
    hash = lowerHash(text, a, b);
  }
  out.start = a;
  out.end = b;
  out.hash = hash;
  return j;
}

/** Token boundaries, one call per token: `emit(start, end)`. */
function scanTokens(text: string, emit: (start: number, end: number) => void): void {
  const bounds: TokenBounds = { start: 0, end: 0, hash: 0 };
  for (let at = nextToken(text, 0, bounds); at >= 0; at = nextToken(text, at, bounds)) emit(bounds.start, bounds.end);
}

export function tokenize(text: string): Tokens {
  const words: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  scanTokens(text, (a, b) => {
    words.push(text.slice(a, b));
    starts.push(a);
    ends.push(b);
  });
  return { text: words, start: Int32Array.from(starts), end: Int32Array.from(ends) };
}

/** Just the tokens' text, for callers that need no offsets. */
export function words(text: string): string[] {
  const out: string[] = [];
  scanTokens(text, (a, b) => out.push(text.slice(a, b)));
  return out;
}

/** The words of `text` that hold a letter (not numbers or punctuation), as `words` finds them. */
export function letterWords(text: string): string[] {
  return words(text).filter((w) => /\p{L}/u.test(w));
}

/** n-grams of tokens joined by one space, the form triggers are reported in. */
export function ngram(tokens: readonly string[], from: number, n: number): string {
  if (n === 1) return tokens[from]!;
  return tokens.slice(from, from + n).join(' ');
}

/** Index of the first token that ends after `offset` (binary search). */
export function tokenAt(tokens: { end: Int32Array }, offset: number): number {
  let lo = 0;
  let hi = tokens.end.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tokens.end[mid]! <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
