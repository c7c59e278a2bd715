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
import { CONFUSABLE_WITH_LATIN, INVISIBLE, INVISIBLE_RANGES, isInvisible } from '../text/unicode.js';

const hex = (code: number) => `\\u{${code.toString(16)}}`;
/** `isInvisible` as one character class */
const INVISIBLE_CLASS = `[${[...INVISIBLE].map(hex).join('')}${INVISIBLE_RANGES.map(([from, to]) => `${hex(from)}-${hex(to)}`).join('')}]`;
const INVISIBLE_CHARS = new RegExp(INVISIBLE_CLASS, 'gu');
const HAS_INVISIBLE = new RegExp(INVISIBLE_CLASS, 'u');
const LOOKALIKE_CLASS = `[${[...CONFUSABLE_WITH_LATIN.keys()].map(hex).join('')}]`;
const LOOKALIKE_CHARS = new RegExp(LOOKALIKE_CLASS, 'gu');
const HAS_LOOKALIKE = new RegExp(LOOKALIKE_CLASS, 'u');
/** the Greek and Cyrillic blocks, where every look-alike letter lies: a range is tested four times faster than the class */
const GREEK_OR_CYRILLIC = /[\u0370-\u052f]/;
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

/** in `unitForms`: a code unit that matching drops (an invisible character) */
export const DROPPED = -1;
/** in `unitForms`: a code unit whose matching form depends on its neighbours (the whole text must be normalised) */
export const WHOLE_TEXT = -2;
/** in `unitForms`: a code unit whose matching form is several units, or a surrogate: see `expansionAt` */
export const EXPANDS = -3;
let forms: Int32Array | undefined;
const expansions = new Map<number, string>();
/** astral characters' forms, by code point and whether invisible ones are kept, as met */
const astral = new Map<number, string | undefined>();
const MARK = /^\p{M}/u;

/**
 * One character's matching form, where it does not depend on its
 * neighbours; else undefined. Those that do: combining marks and Hangul jamo
 * (NFKC composes them with what precedes), and the capital sigma (lower-cased
 * by its place in the word).
 */
function formOf(code: number, keepInvisible: boolean): string | undefined {
  if (isInvisible(code)) return keepInvisible ? String.fromCodePoint(code) : '';
  const jamo = (code >= 0x1100 && code <= 0x11ff) || (code >= 0x3130 && code <= 0x318f) || (code >= 0xa960 && code <= 0xa97f) || (code >= 0xd7b0 && code <= 0xd7ff);
  const normal = String.fromCodePoint(code).normalize('NFKC');
  if (jamo || MARK.test(normal) || normal.includes('\u03a3')) return undefined;
  let out = '';
  for (const ch of normal) {
    const c = ch.codePointAt(0)!;
    if (keepInvisible || !isInvisible(c)) out += CONFUSABLE_WITH_LATIN.get(c) ?? ch;
  }
  return out.toLowerCase();
}

/**
 * Each UTF-16 code unit's matching form: a unit, DROPPED, EXPANDS or
 * WHOLE_TEXT. A text without WHOLE_TEXT units is in matching form unit by
 * unit, and can be searched without being copied. Built once, on first use
 * (65,536 normalisations).
 */
export function unitForms(): Int32Array {
  if (forms) return forms;
  forms = new Int32Array(1 << 16);
  for (let c = 0; c < forms.length; c++) {
    if (c < 0x80) forms[c] = c >= 65 && c <= 90 ? c + 32 : c;
    else if (c >= 0xdc00 && c <= 0xdfff) forms[c] = WHOLE_TEXT;
    else if (c >= 0xd800 && c <= 0xdbff) forms[c] = EXPANDS;
    else {
      const form = formOf(c, false);
      if (form === undefined) forms[c] = WHOLE_TEXT;
      else if (form === '') forms[c] = DROPPED;
      else if (form.length === 1) forms[c] = form.charCodeAt(0);
      else {
        forms[c] = EXPANDS;
        expansions.set(c, form);
      }
    }
  }
  return forms;
}

/** The matching form of the EXPANDS unit at `text[at]` (with its low surrogate), or undefined where the whole text must be normalised. */
export function expansionAt(text: string, at: number, keepInvisible: boolean): string | undefined {
  const code = text.codePointAt(at)!;
  // (a lone surrogate has no entry: its word is normalised whole)
  if (code <= 0xffff) return expansions.get(code);
  const key = code * 2 + (keepInvisible ? 1 : 0);
  if (!astral.has(key)) astral.set(key, formOf(code, keepInvisible));
  return astral.get(key);
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
  if (!GREEK_OR_CYRILLIC.test(text) || !HAS_LOOKALIKE.test(text)) return [];
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
