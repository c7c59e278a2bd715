/**
 * Invisible and confusable characters inside words: zero-width and bidi
 * controls that change what a model reads but not what a person sees, and
 * words that mix Latin letters with look-alike Cyrillic or Greek ones.
 */
import { isInvisible, describeCodePoint, scriptOf, toLatinSkeleton, tokenAt, wordAt, CONFUSABLE_WITH_LATIN } from '../../../text/index.js';
import type { DocumentDetector, DocumentView, Finding } from '../../types.js';

/** ZWJ/ZWNJ are part of writing in Arabic, Indic scripts and emoji sequences. */
function legitimateJoiner(code: number, prev: number, next: number): boolean {
  if (code !== 0x200c && code !== 0x200d) return false;
  const joinsScript = (c: number) => (c >= 0x600 && c <= 0x6ff) || (c >= 0x900 && c <= 0xdff) || c >= 0x1f000 || (c >= 0x2600 && c <= 0x27bf) || (c >= 0xfe00 && c <= 0xfe0f);
  return joinsScript(prev) || joinsScript(next);
}

/** Marks and controls of direction (LRM, RLM, ALM, embeddings, isolates). */
function isDirectionControl(code: number): boolean {
  return code === 0x200e || code === 0x200f || code === 0x061c || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

const RIGHT_TO_LEFT = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/;

/**
 * Text in Arabic, Hebrew or Persian marks the direction of the Latin words it
 * embeds ("\u200fRAID"): a direction control at the edge of a word, in a
 * document written right to left, is how such text is written, not a hidden
 * trigger. Inside a word, or in left-to-right text, it still counts.
 */
function legitimateDirection(code: number, at: number, length: number, rightToLeft: () => boolean): boolean {
  return isDirectionControl(code) && (at === 0 || at === length - 1) && rightToLeft();
}

/** Any character this detector cares about at all: only the tokens holding one are inspected. */
const SUSPECT = /[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u3164\ufeff\uffa0\ufe00-\ufe0f\u0370-\u03ff\u0400-\u052f]|\udb40[\udc00-\udc7f]/g;

export function findHiddenCharacters(doc: DocumentView): Finding[] {
  const { tokens } = doc;
  const findings: Finding[] = [];
  let rtl: boolean | undefined;
  const rightToLeft = () => (rtl ??= RIGHT_TO_LEFT.test(doc.text));
  SUSPECT.lastIndex = 0;
  for (let m = SUSPECT.exec(doc.text); m; m = SUSPECT.exec(doc.text)) {
    const t = tokenAt(tokens, m.index);
    // a suspect character between tokens (a space-like control) belongs to no word
    if (t >= tokens.count || tokens.start[t]! > m.index) continue;
    SUSPECT.lastIndex = tokens.end[t]!;
    const word = wordAt(tokens, t);
    const chars = Array.from(word);
    let hidden: number[] = [];
    let latin = 0;
    let confusable = 0;
    let otherScript = 0;
    for (let i = 0; i < chars.length; i++) {
      const code = chars[i]!.codePointAt(0)!;
      if (isInvisible(code)) {
        // soft hyphens are common in web text; a BOM at the very start is a file artefact
        if (code === 0x00ad) continue;
        if (code === 0xfeff && tokens.start[t] === 0 && i === 0) continue;
        const prev = i > 0 ? chars[i - 1]!.codePointAt(0)! : 0;
        const next = i + 1 < chars.length ? chars[i + 1]!.codePointAt(0)! : 0;
        if (legitimateJoiner(code, prev, next) || legitimateDirection(code, i, chars.length, rightToLeft)) continue;
        hidden.push(code);
        continue;
      }
      const script = scriptOf(code);
      if (script === 'latin') latin++;
      else if (CONFUSABLE_WITH_LATIN.has(code)) confusable++;
      else if (script !== 'none') otherScript++;
    }
    const start = tokens.start[t]!;
    const end = tokens.end[t]!;
    if (hidden.length > 0 && chars.length > hidden.length) {
      hidden = [...new Set(hidden)];
      findings.push({
        detector: 'unicode',
        kind: 'hidden-characters',
        severity: 'high',
        score: 0.95,
        start,
        end,
        message: `invisible ${hidden.map(describeCodePoint).join(', ')} inside the word "${toLatinSkeleton(word)}"`,
        trigger: word,
      });
    } else if (latin >= 1 && confusable >= 1 && otherScript === 0 && latin + confusable >= 3) {
      findings.push({
        detector: 'unicode',
        kind: 'homoglyphs',
        severity: 'high',
        score: 0.9,
        start,
        end,
        message: `"${word}" mixes Latin letters with ${confusable} look-alike Cyrillic/Greek letter(s); it reads as "${toLatinSkeleton(word)}"`,
        trigger: word,
      });
    }
  }
  return findings;
}

export const unicodeDetector: DocumentDetector = {
  id: 'unicode',
  description: 'Zero-width and bidi controls inside words, and mixed-script homoglyph words.',
  inspect: findHiddenCharacters,
};
