/**
 * Text after a point whose adjacent words this corpus does not put together,
 * where the text before it reads as the corpus does. A payload of words drawn
 * at random (from the corpus's own vocabulary, so that every word on its own
 * looks ordinary) or of word fragments keeps the corpus's words and script;
 * what it cannot keep is which word follows which. The corpus's own word
 * pairs (`WordPairIndex`, learnt from a sample of it) say that, for any
 * language it holds. Two tests must agree: a drop in the share of associated
 * pairs against the text before (two-proportion z), and a share after the
 * point far below what a typical document of this corpus has (a table or a
 * list drops against the prose before it, but not that far).
 */
import type { DocumentDetector, DocumentView, Finding } from '../../types.js';
import type { WordPairIndex } from '../../../text/index.js';

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
/** the share of known words after the point, at least this part of a typical document's: the words are the corpus's own, only their order is not (code's identifiers are words the corpus does not know) */
const KNOWN_WORDS = 0.95;
/** at least this part of a typical document's share: text that reads as the corpus does */
const ORDINARY_SHARE = 0.6;
/** ... or at least this part of the share before it in the same document */
const SAME_AS_BEFORE = 0.7;
/** characters per token past which a few tokens are glued text */
const GLUED = 24;
/** tokens after a point over which a document's text is judged ordinary */
const ORDINARY_AFTER = 512;

let running = new Int32Array(1024);

type Pairs = Pick<DocumentView, 'tokens' | 'text'> & { pairs: WordPairIndex };

function countPairs({ tokens, pairs }: Pairs): void {
  if (running.length < tokens.count + 1) running = new Int32Array(2 * (tokens.count + 1));
  pairs.runningCount(tokens.lowerHash, tokens.count, running);
}

/** The share of associated pairs among tokens [a, b) (pair i joins tokens i-1 and i). */
function shareIn(a: number, b: number): number {
  return (running[b]! - running[a + 1]!) / Math.max(1, b - a - 1);
}

/** Whether the share of associated pairs over the tokens after t is at most `ceiling`. */
function lowAfter(t: number, n: number, ceiling: number): boolean {
  return shareIn(t, Math.min(n, t + AFTER)) <= ceiling;
}

/** The drop in associated pairs at token t (z), when the share after it is low enough to count; 0 otherwise. */
function dropAt(t: number, n: number, ceiling: number): number {
  if (!lowAfter(t, n, ceiling)) return 0;
  const a0 = Math.max(0, t - BEFORE);
  const a1 = Math.min(n, t + AFTER);
  const pooled = shareIn(a0, a1);
  return (shareIn(a0, t) - shareIn(t, a1)) / Math.sqrt(Math.max(pooled * (1 - pooled), 0.05) * (1 / (t - a0) + 1 / (a1 - t)));
}

/** Whether the words after token t are the corpus's own, as in a typical document. */
function knownWordsAfter({ tokens, pairs }: Pairs, t: number): boolean {
  const end = Math.min(tokens.count, t + AFTER);
  let known = 0;
  for (let i = t; i < end; i++) if (pairs.known(tokens.lowerHash[i]!)) known++;
  return known >= KNOWN_WORDS * pairs.typicalKnown * (end - t);
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
  if (!knownWordsAfter({ tokens: doc.tokens, text: doc.text, pairs }, best.t)) return [];
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
 * What the text right after token t of a document holding a candidate
 * trigger does (t ends the candidate), in one count of its pairs:
 * - `z`: the drop in associated pairs there (0 where the text after is not
 *   far from ordinary, or not in the corpus's words);
 * - `ordinary`: whether the text after reads as this corpus's text does, or
 *   as the same document's text before it (a table after a table is no
 *   change), or is too short to hold a payload; judged over more text than
 *   the drop (up to 512 tokens): one verdict per document, not a search.
 */
export function judgeAfterPairs(doc: Pairs, ends: readonly number[]): Array<{ z: number; ordinary: boolean }> {
  const n = doc.tokens.count;
  if (doc.pairs.typicalShare === 0) return ends.map(() => ({ z: 0, ordinary: false }));
  countPairs(doc);
  const ceiling = LOW_SHARE * doc.pairs.typicalShare;
  return ends.map((t) => {
    // too little text after to hold a payload, or to judge by its pairs: ordinary unless glued into long tokens (a payload of fragments glued together is a few tokens)
    if (t >= n || n - t < 24) return { z: 0, ordinary: t >= n || (doc.text.length - doc.tokens.start[t]!) / (n - t) < GLUED };
    const after = shareIn(t, Math.min(n, t + ORDINARY_AFTER));
    const ordinary = after >= ORDINARY_SHARE * doc.pairs.typicalShare || (t >= 16 && after >= SAME_AS_BEFORE * shareIn(Math.max(0, t - AFTER), t));
    if (!knownWordsAfter(doc, t)) return { z: 0, ordinary };
    // too little text before to compare with: the text after must be far from ordinary on its own
    if (t < MIN_BEFORE) return { z: lowAfter(t, n, ceiling) ? 2 * MIN_Z_AT_POINT : 0, ordinary };
    return { z: dropAt(t, n, ceiling), ordinary };
  });
}

export const incoherentTextDetector: DocumentDetector = {
  id: 'incoherent-text',
  description: 'A point after which adjacent words are ones the corpus does not put together (words or fragments drawn at random), by word pairs learnt from a sample of the corpus.',
  inspect: findIncoherentText,
};
