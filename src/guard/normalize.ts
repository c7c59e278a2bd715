/**
 * The form prompts and triggers are compared in: what a model may read as the
 * same text, whatever bytes carry it. NFKC folds compatibility forms
 * (fullwidth letters, ligatures, superscripts), invisible characters (zero
 * width, bidi controls, tags, variation selectors) are dropped, Cyrillic and
 * Greek letters that imitate Latin ones become those, and case is folded.
 * Each step is one native pass (a regular expression or a built-in), and text
 * in plain ASCII skips all but the case: prompts run to tens of thousands of
 * characters, on every request.
 */
import { CONFUSABLE_WITH_LATIN, INVISIBLE, INVISIBLE_RANGES } from '../text/unicode.js';

const hex = (code: number) => `\\u{${code.toString(16)}}`;
/** `isInvisible` as one character class */
const INVISIBLE_CLASS = `[${[...INVISIBLE].map(hex).join('')}${INVISIBLE_RANGES.map(([from, to]) => `${hex(from)}-${hex(to)}`).join('')}]`;
const INVISIBLE_CHARS = new RegExp(INVISIBLE_CLASS, 'gu');
const HAS_INVISIBLE = new RegExp(INVISIBLE_CLASS, 'u');
const LOOKALIKE_CLASS = `[${[...CONFUSABLE_WITH_LATIN.keys()].map(hex).join('')}]`;
const LOOKALIKE_CHARS = new RegExp(LOOKALIKE_CLASS, 'gu');
const HAS_LOOKALIKE = new RegExp(LOOKALIKE_CLASS, 'u');
const ASCII = /^[\x00-\x7f]*$/;

/**
 * `text` in matching form. `keepInvisible`: invisible characters stay, for
 * triggers made of them (a word with a zero-width joiner inside is that
 * trigger; without it, an ordinary word).
 */
export function matchingForm(text: string, keepInvisible = false): string {
  if (ASCII.test(text)) return text.toLowerCase();
  const visible = keepInvisible ? text.normalize('NFKC') : text.normalize('NFKC').replace(INVISIBLE_CHARS, '');
  return visible.replace(LOOKALIKE_CHARS, (ch) => CONFUSABLE_WITH_LATIN.get(ch.codePointAt(0)!)!).toLowerCase();
}

/** Whether `text` holds an invisible character. */
export function hasInvisible(text: string): boolean {
  return !ASCII.test(text) && HAS_INVISIBLE.test(text);
}

/** Invisible characters in a text, by code point: a prompt carrying them hides what it says from a person reading it. */
export function invisibleCharacters(text: string): Map<number, number> {
  const found = new Map<number, number>();
  if (ASCII.test(text)) return found;
  for (const [ch] of text.matchAll(INVISIBLE_CHARS)) {
    const code = ch.codePointAt(0)!;
    found.set(code, (found.get(code) ?? 0) + 1);
  }
  return found;
}

/** Whether the character code separates words: ASCII other than letters and digits, and the common separators beyond (no-break and other spaces, general punctuation, guillemets, CJK punctuation). */
function separates(c: number): boolean {
  if (c < 0x80) return !((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57));
  return c === 0xa0 || c === 0xab || c === 0xbb || (c >= 0x2000 && c <= 0x206f) || (c >= 0x3000 && c <= 0x303f);
}

/**
 * Words mixing Latin letters with letters that only look Latin (a homoglyph
 * disguise). Each word holding a look-alike is visited once, from the
 * look-alike out to its separators: in Russian text that is most words, and a
 * pattern that searched for the word's start itself went back over it.
 */
export function mixesLookalikes(text: string): string[] {
  if (ASCII.test(text) || !HAS_LOOKALIKE.test(text)) return [];
  const found: string[] = [];
  const lookalike = new RegExp(LOOKALIKE_CHARS.source, 'gu');
  for (let m = lookalike.exec(text); m; m = lookalike.exec(text)) {
    let from = m.index;
    let to = m.index + 1;
    while (from > 0 && !separates(text.charCodeAt(from - 1))) from--;
    while (to < text.length && !separates(text.charCodeAt(to))) to++;
    let latin = false;
    for (let i = from; i < to && !latin; i++) {
      const c = text.charCodeAt(i) | 0x20;
      latin = c >= 97 && c <= 122;
    }
    if (latin) found.push(text.slice(from, to));
    lookalike.lastIndex = to;
  }
  return found;
}
