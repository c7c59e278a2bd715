/**
 * The form prompts and triggers are compared in: what a model may read as the
 * same text, whatever bytes carry it. NFKC folds compatibility forms
 * (fullwidth letters, ligatures, superscripts), invisible characters (zero
 * width, bidi controls, tags, variation selectors) are dropped, Cyrillic and
 * Greek letters that imitate Latin ones become those, and case is folded.
 */
import { CONFUSABLE_WITH_LATIN, isInvisible } from '../text/unicode.js';

/** `text` in matching form. */
export function matchingForm(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFKC')) {
    const code = ch.codePointAt(0)!;
    if (isInvisible(code)) continue;
    out += CONFUSABLE_WITH_LATIN.get(code) ?? ch;
  }
  return out.toLowerCase();
}

/** Invisible characters in a text, by code point: a prompt carrying them hides what it says from a person reading it. */
export function invisibleCharacters(text: string): Map<number, number> {
  const found = new Map<number, number>();
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (isInvisible(code)) found.set(code, (found.get(code) ?? 0) + 1);
  }
  return found;
}

/** Whether a word mixes Latin letters with letters that only look Latin (a homoglyph disguise). */
export function mixesLookalikes(text: string): string[] {
  const out: string[] = [];
  for (const word of text.split(/[^\p{L}\p{M}]+/u)) {
    let latin = false;
    let lookalike = false;
    for (const ch of word) {
      const code = ch.codePointAt(0)!;
      if (CONFUSABLE_WITH_LATIN.has(code)) lookalike = true;
      else if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) latin = true;
    }
    if (latin && lookalike) out.push(word);
  }
  return out;
}
