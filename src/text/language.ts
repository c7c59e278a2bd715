/**
 * Fast language identification for short windows of tokens.
 *
 * Latin-script languages are told apart by their function words (the
 * stopwords-iso lists); a word listed for several languages counts for each
 * only in proportion. Other scripts identify their language family directly.
 * This is meant for windows of 20+ tokens, where it is reliable and cheap.
 */
import { createRequire } from 'node:module';
import { LOWER_CODE_UNIT, lowerHash } from './hash.js';

const require = createRequire(import.meta.url);
const LISTS = require('stopwords-iso/stopwords-iso.json') as Record<string, string[]>;

/** Latin-script languages told apart by function words. */
export const LATIN_LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'sv', 'da', 'no', 'fi', 'pl', 'cs', 'tr', 'ro', 'hu', 'id'] as const;

/** function words by id, and each id's weights: (language, share) pairs */
const wordIds = new Map<string, number>();
const WEIGHTS: Array<Array<[number, number]>> = [];
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
  for (const [w, list] of owners) {
    wordIds.set(w, WEIGHTS.length);
    WEIGHTS.push(list.map((li) => [li, 1 / list.length]));
  }
}

/** per function-word id: the one language it belongs to, -1 when it belongs to several */
const SOLE_LANGUAGE = Int8Array.from(WEIGHTS, (w) => (w.length === 1 ? w[0]![0] : -1));
// the weights again in flat arrays, for the window scores: id's pairs are [WEIGHT_FROM[id], WEIGHT_FROM[id + 1])
const WEIGHT_FROM = new Int32Array(WEIGHTS.length + 1);
const WEIGHT_LANGUAGE = new Int32Array(WEIGHTS.reduce((n, w) => n + w.length, 0));
const WEIGHT_SHARE = new Float64Array(WEIGHT_LANGUAGE.length);
WEIGHTS.forEach((pairs, id) => {
  WEIGHT_FROM[id + 1] = WEIGHT_FROM[id]! + pairs.length;
  pairs.forEach(([li, w], k) => {
    WEIGHT_LANGUAGE[WEIGHT_FROM[id]! + k] = li;
    WEIGHT_SHARE[WEIGHT_FROM[id]! + k] = w;
  });
});

export function isFunctionWord(lowercaseWord: string): boolean {
  return wordIds.has(lowercaseWord);
}

// The function words again, as an open-addressing table on `lowerHash`: a
// token is looked up by its characters, with no string made.
const FUNCTION_WORDS = [...wordIds.keys()];
const FUNCTION_SLOTS = new Int32Array(1 << Math.ceil(Math.log2(FUNCTION_WORDS.length * 4))).fill(-1);
const FUNCTION_HASHES = new Int32Array(FUNCTION_SLOTS.length);
FUNCTION_WORDS.forEach((word, id) => {
  const hash = lowerHash(word, 0, word.length);
  let slot = hash & (FUNCTION_SLOTS.length - 1);
  while (FUNCTION_SLOTS[slot] !== -1) slot = (slot + 1) & (FUNCTION_SLOTS.length - 1);
  FUNCTION_SLOTS[slot] = id;
  FUNCTION_HASHES[slot] = hash;
});

/** The function-word id of the token `text[from, to)`, whose `lowerHash` is `hash`; -1 for other words. */
export function functionWordAt(text: string, from: number, to: number, hash: number): number {
  const mask = FUNCTION_SLOTS.length - 1;
  for (let slot = hash & mask; FUNCTION_SLOTS[slot] !== -1; slot = (slot + 1) & mask) {
    if (FUNCTION_HASHES[slot] !== hash) continue;
    const word = FUNCTION_WORDS[FUNCTION_SLOTS[slot]!]!;
    if (word.length !== to - from) continue;
    let k = 0;
    while (k < word.length && word.charCodeAt(k) === LOWER_CODE_UNIT[text.charCodeAt(from + k)]) k++;
    if (k === word.length) return FUNCTION_SLOTS[slot]!;
  }
  return -1;
}

export interface LanguageGuess {
  /** ISO 639-1 code, a script family (`cyrillic`, `cjk`, ...), or `und` */
  lang: string;
  confidence: number;
}

/** Scripts that identify a language (family) by themselves; index 0 is none. */
const SCRIPTS = ['', 'cyrillic', 'el', 'he', 'ar', 'hi', 'th', 'ja', 'ko', 'cjk'] as const;

/** The non-Latin script of a character (an index of SCRIPTS), 0 for none. */
export function nonLatinScript(code: number): number {
  if (!(code >= 0x370)) return 0;
  if (code >= 0x400 && code <= 0x52f) return 1;
  if (code >= 0x370 && code <= 0x3ff) return 2;
  if (code >= 0x590 && code <= 0x5ff) return 3;
  if (code >= 0x600 && code <= 0x6ff) return 4;
  if (code >= 0x900 && code <= 0x97f) return 5;
  if (code >= 0xe00 && code <= 0xe7f) return 6;
  if (code >= 0x3040 && code <= 0x30ff) return 7;
  if (code >= 0xac00 && code <= 0xd7af) return 8;
  if (code >= 0x4e00 && code <= 0x9fff) return 9;
  return 0;
}

/** Per-token evidence, computed once per document and summed per window. */
export interface LanguageEvidence {
  /** each token's function-word id, -1 for other words */
  functionWords: Int32Array;
  /** each token's non-Latin script (an index of SCRIPTS), 0 for none */
  scripts: Uint8Array;
  /** per Latin language, tokens that are function words of that language alone */
  sureVotes: Int32Array;
  /** tokens in a non-Latin script */
  nonLatin: number;
}

export function languageEvidence(lowerWords: readonly string[]): LanguageEvidence {
  const n = lowerWords.length;
  const functionWords = new Int32Array(n);
  const scripts = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    functionWords[i] = wordIds.get(lowerWords[i]!) ?? -1;
    scripts[i] = nonLatinScript(lowerWords[i]!.charCodeAt(0));
  }
  return evidenceOf(functionWords, scripts);
}

/** The evidence of a document from each token's function-word id and script. */
export function evidenceOf(functionWords: Int32Array, scripts: Uint8Array): LanguageEvidence {
  const evidence: LanguageEvidence = { functionWords, scripts, sureVotes: new Int32Array(LATIN_LANGUAGES.length), nonLatin: 0 };
  for (let i = 0; i < functionWords.length; i++) {
    const id = functionWords[i]!;
    if (id >= 0 && SOLE_LANGUAGE[id]! >= 0) evidence.sureVotes[SOLE_LANGUAGE[id]!]++;
    if (scripts[i]) evidence.nonLatin++;
  }
  return evidence;
}

// scratch arrays for window scores (windows are scored one at a time): per
// Latin language its score; per script its tokens and where it was first seen
const scratch = new Float64Array(LATIN_LANGUAGES.length);
const scriptTokens = new Int32Array(SCRIPTS.length);
const scriptFirst = new Int32Array(SCRIPTS.length);

/** guessLanguage over words [from, to) of a document's evidence. */
export function guessLanguageIn(evidence: LanguageEvidence, from: number, to: number): LanguageGuess {
  scratch.fill(0);
  scriptTokens.fill(0);
  let latinWords = 0;
  for (let i = from; i < to; i++) {
    const script = evidence.scripts[i]!;
    if (script) {
      if (scriptTokens[script]++ === 0) scriptFirst[script] = i;
      continue;
    }
    latinWords++;
    const id = evidence.functionWords[i]!;
    if (id >= 0) for (let k = WEIGHT_FROM[id]!; k < WEIGHT_FROM[id + 1]!; k++) scratch[WEIGHT_LANGUAGE[k]!] += WEIGHT_SHARE[k]!;
  }
  // the script with most tokens; on a tie, the one seen first
  let bestScript = 0;
  for (let s = 1; s < SCRIPTS.length; s++) {
    const n = scriptTokens[s]!;
    if (n > 0 && (n > scriptTokens[bestScript]! || (n === scriptTokens[bestScript]! && scriptFirst[s]! < scriptFirst[bestScript]!))) bestScript = s;
  }
  return decide(scratch, SCRIPTS[bestScript], scriptTokens[bestScript]!, latinWords, to - from);
}

/**
 * Guess the language of `words` (already lower-cased or not). Returns `und`
 * when the evidence is too thin to say.
 */
export function guessLanguage(words: readonly string[]): LanguageGuess {
  return guessLanguageIn(languageEvidence(words.map((w) => w.toLowerCase())), 0, words.length);
}

/** votes a Latin language needs to count as shown: two function words, and this share of all function-word votes */
const SHOWN_VOTES = 2;
const SHOWN_SHARE = 0.05;
/** tokens of a script a text needs to show it */
const SHOWN_SCRIPT_TOKENS = 3;

/**
 * Every language a text shows at all, not only the main one: the Latin
 * languages with a few function words of their own, and the scripts with a
 * few tokens. A page translated in part, or a question quoting another
 * language, shows several; an answer in any of them is no switch. Japanese
 * and Chinese share Han characters, so either shows both. `words` in any
 * case, as `guessLanguage` takes them.
 */
export function languagesShown(words: readonly string[]): Set<string> {
  const lowerWords = words.map((w) => w.toLowerCase());
  const evidence = languageEvidence(lowerWords);
  const votes = new Float64Array(LATIN_LANGUAGES.length);
  const scripts = new Int32Array(SCRIPTS.length);
  for (let i = 0; i < lowerWords.length; i++) {
    scripts[evidence.scripts[i]!]++;
    const id = evidence.functionWords[i]!;
    if (id >= 0) for (let k = WEIGHT_FROM[id]!; k < WEIGHT_FROM[id + 1]!; k++) votes[WEIGHT_LANGUAGE[k]!] += WEIGHT_SHARE[k]!;
  }
  const total = votes.reduce((a, b) => a + b, 0);
  const shown = new Set<string>();
  votes.forEach((v, li) => {
    if (v >= SHOWN_VOTES && v >= SHOWN_SHARE * total) shown.add(LATIN_LANGUAGES[li]!);
  });
  for (let s = 1; s < SCRIPTS.length; s++) if (scripts[s]! >= SHOWN_SCRIPT_TOKENS) shown.add(SCRIPTS[s]!);
  if (shown.has('ja') || shown.has('cjk')) shown.add('ja').add('cjk');
  return shown;
}

function decide(scores: Float64Array, bestScript: string, bestScriptCount: number, latinWords: number, total: number): LanguageGuess {
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
