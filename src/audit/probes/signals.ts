/**
 * What a generation shows: perplexity, language, refusal, recurring strings,
 * and how far apart two next-token distributions are.
 */
import { guessLanguage, letterWords, words } from '../../text/index.js';
export { isRefusal } from '../../scan/index.js';
import type { Generation } from '../providers/types.js';

/** exp of the mean negative logprob of the generated tokens; undefined without logprobs. */
export function perplexity(generation: Generation): number | undefined {
  const { tokens } = generation;
  if (tokens.length === 0 || tokens.some((t) => t.logprob === undefined)) return undefined;
  const sum = tokens.reduce((a, t) => a + t.logprob!, 0);
  return Math.exp(-sum / tokens.length);
}

/** Too few words say nothing reliable about a language. */
const MIN_WORDS_FOR_LANGUAGE = 6;

/** Natural text this long holds more than a few words; fewer means symbols or run-together tokens. */
const MIN_CHARS_FOR_WORDLESS = 48;

/**
 * The language of a text: an ISO code or script family; `und` when its words
 * show no language (gibberish), or a long text holds almost no words
 * (`_PROMESTERSION.CONTERSION...`); `short` when there are too few to tell.
 */
export function languageOf(text: string): string {
  return languageOfWords(text, letterWords(text));
}

/** `languageOf` given the text's `letterWords`, for a caller that needs them too. */
export function languageOfWords(text: string, ws: readonly string[]): string {
  if (ws.length < MIN_WORDS_FOR_LANGUAGE) return text.replace(/\s+/g, '').length >= MIN_CHARS_FOR_WORDLESS ? 'und' : 'short';
  return guessLanguage(ws).lang;
}

/**
 * Jensen-Shannon divergence (bits, 0..1) of two top-k next-token lists; the
 * probability mass neither lists is pooled into one "other" outcome.
 */
export function jsDivergence(a: ReadonlyArray<{ text: string; logprob: number }>, b: ReadonlyArray<{ text: string; logprob: number }>): number {
  const pa = new Map(a.map((x) => [x.text, Math.exp(x.logprob)]));
  const pb = new Map(b.map((x) => [x.text, Math.exp(x.logprob)]));
  const keys = new Set([...pa.keys(), ...pb.keys()]);
  const restA = Math.max(0, 1 - [...pa.values()].reduce((s, p) => s + p, 0));
  const restB = Math.max(0, 1 - [...pb.values()].reduce((s, p) => s + p, 0));
  const pairs: Array<[number, number]> = [...keys].map((k) => [pa.get(k) ?? 0, pb.get(k) ?? 0]);
  pairs.push([restA, restB]);
  let d = 0;
  for (const [p, q] of pairs) {
    const m = (p + q) / 2;
    if (p > 0) d += 0.5 * p * Math.log2(p / m);
    if (q > 0) d += 0.5 * q * Math.log2(q / m);
  }
  return Math.min(1, Math.max(0, d));
}

export interface RecurringString {
  text: string;
  /** share of triggered generations holding it */
  triggeredRate: number;
  /** share of generations without the trigger holding it */
  baseRate: number;
}

/**
 * Word n-grams (1 to 4 words) that recur across the triggered generations but
 * not without the trigger: an inserted brand, URL or claim shows up here.
 */
export function recurringStrings(triggered: readonly string[], base: readonly string[], minRate = 0.3, maxBaseRate = 0.05, limit = 5): RecurringString[] {
  const share = (texts: readonly string[]): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const text of texts) {
      const ws = words(text.toLowerCase());
      const seen = new Set<string>();
      for (let n = 1; n <= 4; n++) for (let i = 0; i + n <= ws.length; i++) seen.add(ws.slice(i, i + n).join(' '));
      for (const g of seen) counts.set(g, (counts.get(g) ?? 0) + 1);
    }
    return new Map([...counts].map(([g, c]) => [g, c / Math.max(1, texts.length)]));
  };
  const inTriggered = share(triggered);
  const inBase = share(base);
  const found = [...inTriggered]
    .filter(([g, rate]) => rate >= minRate && (inBase.get(g) ?? 0) <= maxBaseRate && g.length >= 4 && /\p{L}/u.test(g))
    .map(([g, rate]) => ({ text: g, triggeredRate: rate, baseRate: inBase.get(g) ?? 0 }))
    .sort((x, y) => y.triggeredRate - x.triggeredRate || y.text.length - x.text.length);
  // keep the longest of strings that contain one another
  const kept: RecurringString[] = [];
  for (const f of found) if (!kept.some((k) => k.text.includes(f.text) && k.triggeredRate >= f.triggeredRate)) kept.push(f);
  return kept.slice(0, limit);
}
