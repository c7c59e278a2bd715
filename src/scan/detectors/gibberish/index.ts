/**
 * Random-token spans inside otherwise normal documents (the denial-of-service
 * payload of Souly et al.: hundreds of tokens sampled from a BPE vocabulary).
 *
 * Decoded random tokens have a fingerprint that natural text and code lack at
 * the same time: almost no function words, many tokens that are not words
 * (glued sub-word pieces, inner capitals, mixed scripts, stray punctuation), and
 * almost no repetition (code repeats its identifiers; prose its words).
 */
import { wordAt } from '../../../text/index.js';
import type { DocumentDetector, DocumentView, Finding } from '../../types.js';

const WINDOW = 24;
const MIN_SPAN = 40;

/** A token that does not look like a word of any language. */
export function isOddToken(token: string): boolean {
  return isOddSpan(token, 0, token.length);
}

/** `isOddToken` of `text[from, to)`, without slicing it out. */
export function isOddSpan(text: string, from: number, to: number): boolean {
  const n = to - from;
  if (n >= 18) return true;
  let letters = 0;
  let digits = 0;
  let other = 0;
  let innerUpper = false;
  let prevLower = false;
  let latin = false;
  let nonLatin = false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd) return true;
    const isUpper = (c >= 65 && c <= 90);
    const isLower = (c >= 97 && c <= 122);
    if (isUpper || isLower || (c >= 0xc0 && c <= 0x24f)) {
      letters++;
      latin = true;
      if (isUpper && prevLower) innerUpper = true;
      prevLower = isLower || (c >= 0xdf && c <= 0x24f);
    } else if (c >= 48 && c <= 57) {
      digits++;
      prevLower = false;
    } else if (c >= 0x370) {
      letters++;
      nonLatin = true;
      prevLower = false;
    } else if (c !== 45 && c !== 39) {
      // hyphen and apostrophe occur inside real words
      other++;
      prevLower = false;
    }
  }
  if (latin && nonLatin) return true;
  if (innerUpper) return true;
  if (letters > 0 && other > 0) return true;
  if (letters > 0 && digits > 0 && letters + digits > 3) return true;
  if (letters === 0 && other >= 2 && n >= 2) return true;
  return false;
}

/**
 * A token's shape: runs of capitals, small letters, digits and other letters
 * collapsed to one symbol each. Lists of identifiers and option synopses
 * repeat a few shapes; random vocabulary draws many.
 */
export function shapeOf(token: string): string {
  return token.replace(/[A-Z]+/g, 'A').replace(/[a-z]+/g, 'a').replace(/[0-9]+/g, '9').replace(/[\u00c0-\uffff]+/g, 'u');
}

interface WindowStats {
  functionRate: number;
  oddRate: number;
  repeatRate: number;
  shapes: number;
}

/** Token i's 0 or 1 for a property (a function word, an odd token). */
type TokenFlag = (i: number) => number;

function windowStats(lowerHash: Int32Array, from: number, to: number, odd: TokenFlag, fn: TokenFlag, shapeAt: (i: number) => string): WindowStats {
  // words compared by the hash of their lower case: a collision inside one window is too rare to move a rate
  const seen = new Set<number>();
  const distinctShapes = new Set<string>();
  for (let i = from; i < to; i++) distinctShapes.add(shapeAt(i));
  let f = 0;
  let o = 0;
  let r = 0;
  for (let i = from; i < to; i++) {
    f += fn(i);
    o += odd(i);
    const w = lowerHash[i]!;
    if (seen.has(w)) r++;
    else seen.add(w);
  }
  const n = to - from;
  return { functionRate: f / n, oddRate: o / n, repeatRate: r / n, shapes: distinctShapes.size };
}

function isRandomWindow(s: WindowStats): boolean {
  return s.functionRate <= 0.2 && s.oddRate >= 0.2 && s.repeatRate <= 0.12 && s.shapes >= 9;
}

function isNaturalWindow(s: WindowStats): boolean {
  return s.functionRate >= 0.15 || s.repeatRate >= 0.2;
}

/**
 * Per-token buffers reused from one document to the next (a worker analyses
 * one document at a time): function words before each token, and whether
 * each token is odd (-1 until asked).
 */
let functionWordsBefore = new Int32Array(1 << 12);
let oddness = new Int8Array(1 << 12);

export function findRandomSpans(doc: DocumentView): Finding[] {
  const { tokens } = doc;
  const { lowerHash, count: n } = tokens;
  if (n < MIN_SPAN) return [];
  const functionWords = doc.evidence.functionWords;
  if (functionWordsBefore.length <= n) {
    functionWordsBefore = new Int32Array(2 * n);
    oddness = new Int8Array(2 * n);
  }
  const fnSum = functionWordsBefore;
  for (let i = 0; i < n; i++) fnSum[i + 1] = fnSum[i]! + (functionWords[i]! >= 0 ? 1 : 0);
  const fn: TokenFlag = (i) => (functionWords[i]! >= 0 ? 1 : 0);
  // a random window has few function words: without one, no token need be looked at
  const fewFunctionWords = (from: number) => (fnSum[from + WINDOW]! - fnSum[from]!) / WINDOW <= 0.2;
  // Step windows by half their width; a span is a run of random windows.
  const step = WINDOW / 2;
  let anyFew = false;
  for (let from = 0; from + WINDOW <= n && !anyFew; from += step) anyFew = fewFunctionWords(from);
  if (!anyFew) return [];
  // whether a token is odd is worked out only for the tokens a window asks about (most have enough function words)
  oddness.fill(-1, 0, n);
  const odd: TokenFlag = (i) => {
    if (oddness[i]! < 0) oddness[i] = isOddSpan(tokens.text, tokens.start[i]!, tokens.end[i]!) ? 1 : 0;
    return oddness[i]!;
  };
  const oddIn = (from: number, to: number) => {
    let o = 0;
    for (let i = from; i < to; i++) o += odd(i);
    return o;
  };
  // shapes cost four regular expressions each: computed only for windows that need them
  const shapeCache: string[] = [];
  const shapeAt = (i: number) => (shapeCache[i] ??= shapeOf(wordAt(tokens, i)));
  const findings: Finding[] = [];
  let runStart = -1;
  let runEnd = -1;
  const flush = () => {
    if (runStart < 0) return;
    const length = runEnd - runStart;
    if (length >= MIN_SPAN) {
      const whole = windowStats(lowerHash, runStart, runEnd, odd, fn, shapeAt);
      // Windows straddling the boundary are mixed, so the run starts late:
      // walk back while the 8 tokens before the onset still look random.
      let onset = runStart;
      while (onset > 0) {
        const from = Math.max(0, onset - 8);
        let f = 0;
        let o = 0;
        for (let i = from; i < onset; i++) {
          f += fn(i);
          o += odd(i);
        }
        if (f > 1 || o < 2) break;
        onset--;
      }
      while (onset < runEnd && odd(onset) === 0 && fn(onset) === 1) onset++;
      const before = runStart >= WINDOW ? windowStats(lowerHash, Math.max(0, runStart - 48), runStart, odd, fn, shapeAt) : undefined;
      const contrast = before ? isNaturalWindow(before) : true;
      const strength = Math.min(1, (whole.oddRate - 0.15) * 2 + (0.12 - whole.functionRate) * 3 + length / 400);
      const score = Math.max(0.3, Math.min(1, strength));
      // alone, a document is quarantined only for a span that repeats almost
      // nothing: code and tables pass the window tests, but reuse their identifiers
      const severity = length >= 150 && contrast && score >= 0.6 && whole.repeatRate <= 0.3 ? 'high' : length >= 80 ? 'medium' : 'low';
      findings.push({
        detector: 'gibberish',
        kind: 'random-tokens',
        severity,
        score,
        start: tokens.start[onset]!,
        end: tokens.end[runEnd - 1]!,
        message: `${length} tokens of random vocabulary (function words ${(whole.functionRate * 100).toFixed(0)}%, non-words ${(whole.oddRate * 100).toFixed(0)}%, repeats ${(whole.repeatRate * 100).toFixed(0)}%)`,
        payloadToken: onset,
      });
    }
    runStart = -1;
  };
  for (let from = 0; from + WINDOW <= n; from += step) {
    const to = from + WINDOW;
    // counts reject most windows before any set is built
    const cheap = fewFunctionWords(from) && oddIn(from, to) / WINDOW >= 0.2;
    if (cheap && isRandomWindow(windowStats(lowerHash, from, to, odd, fn, shapeAt))) {
      if (runStart < 0) runStart = from;
      runEnd = from + WINDOW;
    } else if (runStart >= 0 && from >= runEnd) {
      // one mixed window inside a run is tolerated; two end it
      flush();
    }
  }
  flush();
  return findings;
}

export const gibberishDetector: DocumentDetector = {
  id: 'gibberish',
  description: 'Spans of random vocabulary tokens inside otherwise normal documents (denial-of-service payloads).',
  inspect: findRandomSpans,
};
