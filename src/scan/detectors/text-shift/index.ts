/**
 * A persistent change in how a document is written, judged against the same
 * document: the text after a point is made of different kinds of tokens than
 * the text before it. Poison payloads of any construction (words drawn at
 * random from the corpus, fragments of words, random vocabulary tokens) keep
 * the script and often the words of the corpus, but not its structure: the
 * share of function words, of word fragments or of non-words moves, and
 * stays moved.
 * (Capitals in mid-sentence were tried: all-capital licence notices move them
 * in ordinary text.) The test is relative (this document
 * before and after), so it needs no model of any one language, and it only
 * proposes where a payload starts; trigger mining decides, across the
 * corpus, whether one token sequence stands at such points.
 */
import type { DocumentDetector, DocumentView, Finding } from '../../types.js';
import { isOddSpan } from '../gibberish/index.js';

/** tokens compared before and after a point */
const BEFORE = 64;
const AFTER = 128;
/** fewest tokens on each side */
const MIN_BEFORE = 12;
const MIN_AFTER = 48;
/** points tried, every STRIDE tokens, then refined */
const STRIDE = 4;
/** the two-proportion z score a channel must reach */
const MIN_Z = 4.5;

const CHANNELS = ['function words', 'word fragments', 'non-words'] as const;
const K = CHANNELS.length;
/** the z score that a change right after a given point must reach (one point tested, not every point of the document) */
export const MIN_Z_AT_POINT = 3.5;

let prefix = new Int32Array(K * 1024);

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7) || (c >= 0x370 && c <= 0x52f);
}

/** Fill `prefix` with each channel's running count: prefix[K * i + k] counts channel k over tokens [0, i). */
function countChannels(doc: Pick<DocumentView, 'tokens' | 'evidence' | 'text'>): void {
  const { tokens, evidence, text } = doc;
  const n = tokens.count;
  if (prefix.length < K * (n + 1)) prefix = new Int32Array(K * (n + 1) * 2);
  prefix.fill(0, 0, K);
  for (let i = 0; i < n; i++) {
    const a = tokens.start[i]!;
    const b = tokens.end[i]!;
    const fw = evidence.functionWords[i]! >= 0;
    let fragment = !fw && b - a <= 3;
    for (let k = a; fragment && k < b; k++) fragment = isLetter(text.charCodeAt(k));
    const odd = !fw && !fragment && isOddSpan(text, a, b);
    const o = K * i;
    prefix[o + K] = prefix[o]! + (fw ? 1 : 0);
    prefix[o + K + 1] = prefix[o + 1]! + (fragment ? 1 : 0);
    prefix[o + K + 2] = prefix[o + 2]! + (odd ? 1 : 0);
  }
}

/** The strongest channel's z score for a change at token t, and which channel. */
function changeAt(t: number, n: number): { z: number; channel: number } {
  const a0 = Math.max(0, t - BEFORE);
  const a1 = Math.min(n, t + AFTER);
  const nb = t - a0;
  const na = a1 - t;
  let best = { z: 0, channel: -1 };
  for (let k = 0; k < K; k++) {
    const before = prefix[K * t + k]! - prefix[K * a0 + k]!;
    const after = prefix[K * a1 + k]! - prefix[K * t + k]!;
    const pooled = (before + after) / (nb + na);
    // a floor on the variance: a channel absent on both sides says nothing
    const z = Math.abs(after / na - before / nb) / Math.sqrt(Math.max(pooled * (1 - pooled), 0.05) * (1 / nb + 1 / na));
    if (z > best.z) best = { z, channel: k };
  }
  return best;
}

export function findTextShift(doc: DocumentView): Finding[] {
  const n = doc.tokens.count;
  if (n < MIN_BEFORE + MIN_AFTER) return [];
  countChannels(doc);
  let best = { z: 0, channel: -1, t: -1 };
  for (let t = MIN_BEFORE; t + MIN_AFTER <= n; t += STRIDE) {
    const c = changeAt(t, n);
    if (c.z > best.z) best = { ...c, t };
  }
  if (best.z < MIN_Z) return [];
  for (let t = Math.max(MIN_BEFORE, best.t - STRIDE + 1); t < Math.min(n - MIN_AFTER, best.t + STRIDE); t++) {
    const c = changeAt(t, n);
    if (c.z > best.z) best = { ...c, t };
  }
  return [{
    detector: 'text-shift',
    kind: 'text-shift',
    severity: 'low',
    score: Math.min(1, best.z / (2 * MIN_Z)),
    start: doc.tokens.start[best.t]!,
    end: doc.tokens.end[n - 1]!,
    message: `the share of ${CHANNELS[best.channel]} changes after token ${best.t} (z = ${best.z.toFixed(1)}) and stays changed`,
    payloadToken: best.t,
  }];
}

/**
 * The change in how the text is written right after each token of `ends`
 * (the ends of candidate triggers), as the strongest channel's z score: what
 * a candidate does to the text that follows it, in a document holding it.
 * Needs a few tokens on each side.
 */
export function shiftsAfter(doc: Pick<DocumentView, 'tokens' | 'evidence' | 'text'>, ends: readonly number[]): number[] {
  const n = doc.tokens.count;
  let counted = false;
  return ends.map((t) => {
    if (t < 8 || t >= n) return 0;
    if (n - t < 8) return gluedAfter(doc, t, n) ? 2 * MIN_Z_AT_POINT : 0;
    if (gluedAfter(doc, t, windowAfter(doc.tokens, t), true)) return 2 * MIN_Z_AT_POINT;
    if (!counted) countChannels(doc);
    counted = true;
    return changeAt(t, n).z;
  });
}

/** characters right after a point looked at for glued fragments, and the fewest that make a payload */
const GLUED_WINDOW = 128;
const MIN_GLUED = 64;
/** share of letters in a run of glued words (an address, a path or a message id has digits and signs) */
const GLUED_LETTERS = 0.9;

/** The end of the tokens after `t` that cover the window's characters. */
function windowAfter(tokens: DocumentView['tokens'], t: number): number {
  let to = t;
  while (to < tokens.count && tokens.end[to]! - tokens.start[t]! < GLUED_WINDOW) to++;
  return Math.min(to + 1, tokens.count);
}

/** Characters of tokens [from, to) that are non-words, as a share; the longest token; the longest that is nearly all letters. */
function oddRuns({ tokens, text }: Pick<DocumentView, 'tokens' | 'text'>, from: number, to: number): { share: number; longest: number; longestLetters: number } {
  let odd = 0;
  let all = 0;
  let longest = 0;
  let longestLetters = 0;
  for (let i = from; i < to; i++) {
    const a = tokens.start[i]!;
    const b = tokens.end[i]!;
    all += b - a;
    longest = Math.max(longest, b - a);
    if (!isOddSpan(text, a, b)) continue;
    odd += b - a;
    if (b - a <= longestLetters) continue;
    let letters = 0;
    for (let k = a; k < b; k++) if (isLetter(text.charCodeAt(k))) letters++;
    if (letters >= GLUED_LETTERS * (b - a)) longestLetters = b - a;
  }
  return { share: all ? odd / all : 0, longest, longestLetters };
}

/**
 * Whether the characters of tokens [t, to) are mostly long non-words
 * (fragments glued into one run) where the text before has almost none, or
 * has none half as long as a run of letters after (code has long
 * identifiers; not runs of a hundred letters). Counted in characters, not
 * tokens: a payload glued into a few long tokens moves no token share.
 * Within text (`inText`: more text follows) the run must be one of letters
 * (mail has message ids, pages have addresses).
 */
function gluedAfter(doc: Pick<DocumentView, 'tokens' | 'text'>, t: number, to: number, inText = false): boolean {
  const { tokens } = doc;
  // (a credit's issue number is a short non-word; a glued payload runs for a line or more)
  if (tokens.end[to - 1]! - tokens.start[t]! < MIN_GLUED) return false;
  const after = oddRuns(doc, t, to);
  if (after.share < 0.5) return false;
  const letterRun = after.longestLetters >= MIN_GLUED;
  if (inText && !letterRun) return false;
  const before = oddRuns(doc, Math.max(0, t - BEFORE), t);
  return before.share <= 0.1 || (letterRun && after.longestLetters >= 2 * Math.max(before.longest, MIN_GLUED / 2));
}

export const textShiftDetector: DocumentDetector = {
  id: 'text-shift',
  description: 'A point after which a document is written differently (function words, word fragments, non-words): where a payload of any construction starts.',
  inspect: findTextShift,
};
