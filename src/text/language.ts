/**
 * Fast language identification for short windows of tokens.
 *
 * Latin-script languages are told apart by their function words (the
 * stopwords-iso lists); a word listed for several languages counts for each
 * only in proportion. Other scripts identify their language family directly.
 * This is meant for windows of 20+ tokens, where it is reliable and cheap.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const LISTS = require('stopwords-iso/stopwords-iso.json') as Record<string, string[]>;

/** Latin-script languages told apart by function words. */
export const LATIN_LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'sv', 'da', 'no', 'fi', 'pl', 'cs', 'tr', 'ro', 'hu', 'id'] as const;

const weights = new Map<string, Array<[number, number]>>();
{
  const owners = new Map<string, number[]>();
  LATIN_LANGUAGES.forEach((lang, li) => {
    for (const raw of LISTS[lang] ?? []) {
      const w = raw.toLowerCase();
      if (w.length < 2 || /[0-9]/.test(w)) continue;
      const list = owners.get(w) ?? [];
      if (!list.includes(li)) list.push(li);
      owners.set(w, list);
    }
  });
  for (const [w, list] of owners) weights.set(w, list.map((li) => [li, 1 / list.length]));
}

export function isFunctionWord(lowercaseWord: string): boolean {
  return weights.has(lowercaseWord);
}

export interface LanguageGuess {
  /** ISO 639-1 code, a script family (`cyrillic`, `cjk`, ...), or `und` */
  lang: string;
  confidence: number;
}

function nonLatinScript(code: number): string | undefined {
  if (code >= 0x400 && code <= 0x52f) return 'cyrillic';
  if (code >= 0x370 && code <= 0x3ff) return 'el';
  if (code >= 0x590 && code <= 0x5ff) return 'he';
  if (code >= 0x600 && code <= 0x6ff) return 'ar';
  if (code >= 0x900 && code <= 0x97f) return 'hi';
  if (code >= 0xe00 && code <= 0xe7f) return 'th';
  if (code >= 0x3040 && code <= 0x30ff) return 'ja';
  if (code >= 0xac00 && code <= 0xd7af) return 'ko';
  if (code >= 0x4e00 && code <= 0x9fff) return 'cjk';
  return undefined;
}

/** Per-token evidence, computed once per document and summed per window. */
export interface LanguageEvidence {
  /** function-word weights of each token, or undefined */
  weights: Array<Array<[number, number]> | undefined>;
  /** non-Latin script of each token's first character, or undefined */
  scripts: Array<string | undefined>;
  /** per Latin language, tokens that are function words of that language alone */
  sureVotes: Int32Array;
  /** tokens in a non-Latin script */
  nonLatin: number;
}

export function languageEvidence(lowerWords: readonly string[]): LanguageEvidence {
  const n = lowerWords.length;
  const evidence: LanguageEvidence = { weights: new Array(n), scripts: new Array(n), sureVotes: new Int32Array(LATIN_LANGUAGES.length), nonLatin: 0 };
  for (let i = 0; i < n; i++) {
    const w = lowerWords[i]!;
    const ws = weights.get(w);
    evidence.weights[i] = ws;
    if (ws?.length === 1) evidence.sureVotes[ws[0]![0]]++;
    const code = w.charCodeAt(0);
    if (code >= 0x370) {
      const script = nonLatinScript(code);
      evidence.scripts[i] = script;
      if (script) evidence.nonLatin++;
    }
  }
  return evidence;
}

// one scratch array for window scores: windows are scored one at a time
const scratch = new Float64Array(LATIN_LANGUAGES.length);

/** guessLanguage over words [from, to) of a document's evidence. */
export function guessLanguageIn(evidence: LanguageEvidence, from: number, to: number): LanguageGuess {
  scratch.fill(0);
  const scriptCounts = new Map<string, number>();
  let latinWords = 0;
  for (let i = from; i < to; i++) {
    const script = evidence.scripts[i];
    if (script) {
      scriptCounts.set(script, (scriptCounts.get(script) ?? 0) + 1);
      continue;
    }
    latinWords++;
    const ws = evidence.weights[i];
    if (ws) for (const [li, w] of ws) scratch[li] += w;
  }
  return decide(scratch, scriptCounts, latinWords, to - from);
}

/**
 * Guess the language of `words` (already lower-cased or not). Returns `und`
 * when the evidence is too thin to say.
 */
export function guessLanguage(words: readonly string[]): LanguageGuess {
  return guessLanguageIn(languageEvidence(words.map((w) => w.toLowerCase())), 0, words.length);
}

function decide(scores: Float64Array, scriptCounts: Map<string, number>, latinWords: number, total: number): LanguageGuess {
  let bestScript = '';
  let bestScriptCount = 0;
  for (const [s, c] of scriptCounts) if (c > bestScriptCount) [bestScript, bestScriptCount] = [s, c];
  if (bestScriptCount > latinWords) {
    return { lang: bestScript, confidence: bestScriptCount / total };
  }
  let best = -1;
  let second = 0;
  for (let i = 0; i < scores.length; i++) {
    if (best < 0 || scores[i]! > scores[best]!) {
      if (best >= 0) second = Math.max(second, scores[best]!);
      best = i;
    } else second = Math.max(second, scores[i]!);
  }
  const top = best >= 0 ? scores[best]! : 0;
  if (top < 2.5 || top < second * 1.6) return { lang: 'und', confidence: 0 };
  return { lang: LATIN_LANGUAGES[best]!, confidence: Math.min(1, (top - second) / Math.max(4, total * 0.25)) };
}
