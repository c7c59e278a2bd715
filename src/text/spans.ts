/**
 * A document's tokens as the scanner's per-document detectors need them,
 * found in one walk over its characters and without making a string per
 * token: where each token is, the hash of it lower-cased, and its language
 * evidence (function-word id, script). A corpus has millions of tokens and the
 * detectors read the text of only a few of them; those few are sliced on
 * demand (`wordAt`, `lowerAt`).
 */
import { nextToken, type TokenBounds } from './tokenize.js';
import { LOWER_CODE_UNIT } from './hash.js';
import { evidenceOf, functionWordAt, nonLatinScript, type LanguageEvidence } from './language.js';

export interface TokenSpans {
  /** the document */
  text: string;
  count: number;
  /** UTF-16 offsets of each token's first character and one past its last */
  start: Int32Array;
  end: Int32Array;
  /** `lowerHash` of each token: FNV-1a of the token lower-cased */
  lowerHash: Int32Array;
}

/**
 * Buffers reused from one document to the next. A worker analyses one
 * document at a time, and allocating five typed arrays per document costs
 * more than filling them.
 */
let scratch = buffers(1 << 12);

function buffers(size: number) {
  return { start: new Int32Array(size), end: new Int32Array(size), lowerHash: new Int32Array(size), functionWords: new Int32Array(size), scripts: new Uint8Array(size) };
}

const bounds: TokenBounds = { start: 0, end: 0, hash: 0 };

/**
 * Tokenise a document (the rules of `tokenize`) with its language evidence.
 * The arrays returned are views of buffers that the next call reuses: they
 * are valid until then.
 */
export function scanDocument(text: string): { tokens: TokenSpans; evidence: LanguageEvidence } {
  const n = walk(text, true);
  return { tokens: spansOf(text, n), evidence: evidenceOf(scratch.functionWords.subarray(0, n), scratch.scripts.subarray(0, n)) };
}

/** `scanDocument` without the language evidence, for callers that ask about a few tokens (`isFunctionWordAt`). */
export function tokenSpans(text: string): TokenSpans {
  return spansOf(text, walk(text, false));
}

/** Whether token `i` is a function word, looked up on its own. */
export function isFunctionWordAt(tokens: TokenSpans, i: number): boolean {
  return functionWordAt(tokens.text, tokens.start[i]!, tokens.end[i]!, tokens.lowerHash[i]!) >= 0;
}

function spansOf(text: string, n: number): TokenSpans {
  return { text, count: n, start: scratch.start.subarray(0, n), end: scratch.end.subarray(0, n), lowerHash: scratch.lowerHash.subarray(0, n) };
}

/** Fill the scratch buffers with the document's tokens; returns how many. */
function walk(text: string, withEvidence: boolean): number {
  // the buffers in locals: this loop runs for every token of the corpus
  let { start, end, lowerHash, functionWords, scripts } = scratch;
  let n = 0;
  for (let at = nextToken(text, 0, bounds); at >= 0; at = nextToken(text, at, bounds)) {
    if (n === start.length) {
      const bigger = buffers(n * 2);
      for (const key of Object.keys(bigger) as Array<keyof typeof bigger>) bigger[key].set(scratch[key]);
      scratch = bigger;
      ({ start, end, lowerHash, functionWords, scripts } = scratch);
    }
    const a = bounds.start;
    const b = bounds.end;
    const h = bounds.hash;
    start[n] = a;
    end[n] = b;
    lowerHash[n] = h;
    if (withEvidence) {
      functionWords[n] = functionWordAt(text, a, b, h);
      scripts[n] = nonLatinScript(LOWER_CODE_UNIT[text.charCodeAt(a)]!);
    }
    n++;
  }
  return n;
}

/** Token `i` as written. */
export function wordAt(tokens: TokenSpans, i: number): string {
  return tokens.text.slice(tokens.start[i]!, tokens.end[i]!);
}

/** Token `i` lower-cased. */
export function lowerAt(tokens: TokenSpans, i: number): string {
  return wordAt(tokens, i).toLowerCase();
}

/** Tokens [from, to) as written. */
export function wordsIn(tokens: TokenSpans, from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = Math.max(0, from); i < Math.min(to, tokens.count); i++) out.push(wordAt(tokens, i));
  return out;
}
