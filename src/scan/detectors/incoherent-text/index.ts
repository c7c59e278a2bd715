/**
 * Text after a point whose adjacent words this corpus does not put together,
 * where the text before it reads as the corpus does. A payload of words drawn
 * at random (from the corpus's own vocabulary, so that every word on its own
 * looks ordinary) or of word fragments keeps the corpus's words and script;
 * what it cannot keep is which word follows which. The corpus's own word
 * pairs (`WordPairModel`, learnt from a sample of it) say that, for any
 * language it holds. Two tests must agree: a drop in the share of associated
 * pairs against the text before (two-proportion z), and a share after the
 * point far below what a typical document of this corpus has (a table or a
 * list drops against the prose before it, but not that far).
 */
import type { DocumentDetector, DocumentView, Finding } from '../../types.js';
import type { WordPairModel } from '../../../text/index.js';

const BEFORE = 64;
const AFTER = 128;
const MIN_BEFORE = 12;
const MIN_AFTER = 48;
const STRIDE = 4;
/** z score of the drop across the corpus's documents (many points tried) and at one given point */
const MIN_Z = 3.5;
export const MIN_Z_AT_POINT = 3;
/** the share after the point, at most this part of a typical document's */
const LOW_SHARE = 0.35;
/** at least this part of a typical document's share: text that reads as the corpus does */
const ORDINARY_SHARE = 0.6;
/** ... or at least this part of the share before it in the same document */
const SAME_AS_BEFORE = 0.7;
/** tokens after a point over which a document's text is judged ordinary */
const ORDINARY_AFTER = 512;

let running = new Int32Array(1024);

type Pairs = Pick<DocumentView, 'tokens' | 'text'> & { pairs: WordPairModel };

function countPairs({ tokens, pairs }: Pairs): void {
  if (running.length < tokens.count + 1) running = new Int32Array(2 * (tokens.count + 1));
  pairs.runningCount(tokens.lowerHash, tokens.count, running);
}

/** The drop in associated pairs at token t (z), when the share after it is low enough to count; 0 otherwise. */
function dropAt(t: number, n: number, ceiling: number): number {
  const a0 = Math.max(0, t - BEFORE);
  const a1 = Math.min(n, t + AFTER);
  const nb = t - a0;
  const na = a1 - t;
  // pair i joins tokens i-1 and i: pairs after the point start at t+1
  if (!lowAfter(t, n, ceiling)) return 0;
  const after = (running[a1]! - running[t + 1]!) / Math.max(1, na - 1);
  const before = (running[t]! - running[a0 + 1]!) / Math.max(1, nb - 1);
  const pooled = (running[a1]! - running[a0 + 1]!) / Math.max(1, a1 - a0 - 1);
  return (before - after) / Math.sqrt(Math.max(pooled * (1 - pooled), 0.05) * (1 / nb + 1 / na));
}

/** Whether the share of associated pairs after token t is below `ceiling`. */
function lowAfter(t: number, n: number, ceiling: number): boolean {
  const a1 = Math.min(n, t + AFTER);
  return (running[a1]! - running[t + 1]!) / Math.max(1, a1 - t - 1) <= ceiling;
}

export function findIncoherentText(doc: DocumentView): Finding[] {
  const n = doc.tokens.count;
  const pairs = doc.pairs;
  if (!pairs || pairs.typicalShare === 0 || n < MIN_BEFORE + MIN_AFTER) return [];
  countPairs({ tokens: doc.tokens, text: doc.text, pairs });
  const ceiling = LOW_SHARE * pairs.typicalShare;
  let best = { z: 0, t: -1 };
  for (let t = MIN_BEFORE; t + MIN_AFTER <= n; t += STRIDE) {
    const z = dropAt(t, n, ceiling);
    if (z > best.z) best = { z, t };
  }
  if (best.z < MIN_Z) return [];
  for (let t = Math.max(MIN_BEFORE, best.t - STRIDE + 1); t < Math.min(n - MIN_AFTER, best.t + STRIDE); t++) {
    const z = dropAt(t, n, ceiling);
    if (z > best.z) best = { z, t };
  }
  return [{
    detector: 'incoherent-text',
    kind: 'incoherent-text',
    severity: 'low',
    score: Math.min(1, best.z / (2 * MIN_Z)),
    start: doc.tokens.start[best.t]!,
    end: doc.tokens.end[n - 1]!,
    message: `after token ${best.t}, adjacent words are ones this corpus does not put together (z = ${best.z.toFixed(1)})`,
    payloadToken: best.t,
  }];
}

/**
 * The drop right after each token of `ends` (the ends of candidate triggers),
 * as a z score (0 where the text after is not far from ordinary): what a
 * candidate does to the text that follows it, in a document where no detector
 * saw a payload.
 */
export function incoherenceAfter(doc: Pairs, ends: readonly number[]): number[] {
  const n = doc.tokens.count;
  if (doc.pairs.typicalShare === 0) return ends.map(() => 0);
  countPairs(doc);
  const ceiling = LOW_SHARE * doc.pairs.typicalShare;
  return ends.map((t) => {
    if (n - t < 24) return 0;
    // too little text before to compare with: the text after must be far from ordinary on its own
    if (t < MIN_BEFORE) return lowAfter(t, n, ceiling) ? 2 * MIN_Z_AT_POINT : 0;
    return dropAt(t, n, ceiling);
  });
}

/** The share of associated pairs among tokens [a, b). */
function shareIn(a: number, b: number): number {
  return (running[b]! - running[a + 1]!) / Math.max(1, b - a - 1);
}

/**
 * Whether the text after each token of `ends` reads as this corpus's text
 * does, or as the same document's text before it (a table after a table is
 * no change), or is too short to hold a payload. Judged over more text than
 * the point tests (up to 512 tokens): one verdict per document, not a search.
 */
export function ordinaryAfter(doc: Pairs, ends: readonly number[]): boolean[] {
  const n = doc.tokens.count;
  if (doc.pairs.typicalShare === 0) return ends.map(() => false);
  countPairs(doc);
  return ends.map((t) => {
    // (counted in characters: a payload glued into one long token is a few tokens)
    if (t >= n || doc.text.length - doc.tokens.start[t]! < 120) return true;
    if (n - t < 24) return false;
    const after = shareIn(t, Math.min(n, t + ORDINARY_AFTER));
    return after >= ORDINARY_SHARE * doc.pairs.typicalShare || (t >= 16 && after >= SAME_AS_BEFORE * shareIn(Math.max(0, t - AFTER), t));
  });
}

export const incoherentTextDetector: DocumentDetector = {
  id: 'incoherent-text',
  description: 'A point after which adjacent words are ones the corpus does not put together (words or fragments drawn at random), by word pairs learnt from a sample of the corpus.',
  inspect: findIncoherentText,
};
