/** Unicode facts used to find invisible and confusable triggers. */

/** Characters that render as nothing but change the bytes a model sees. */
export const INVISIBLE = new Set<number>([
  0x00ad, // soft hyphen
  0x034f, // combining grapheme joiner
  0x061c, // arabic letter mark
  0x115f, 0x1160, 0x17b4, 0x17b5, 0x180e,
  0x200b, 0x200c, 0x200d, 0x200e, 0x200f, // zero-width space/joiners, LRM/RLM
  0x202a, 0x202b, 0x202c, 0x202d, 0x202e, // bidi embeddings and overrides
  0x2060, 0x2061, 0x2062, 0x2063, 0x2064, // word joiner, invisible operators
  0x2066, 0x2067, 0x2068, 0x2069, // bidi isolates
  0x3164, 0xfeff, 0xffa0,
]);

/** Ranges of invisible characters: tag characters, variation selectors. */
export const INVISIBLE_RANGES: ReadonlyArray<readonly [number, number]> = [[0xe0000, 0xe007f], [0xfe00, 0xfe0f]];

export function isInvisible(code: number): boolean {
  return INVISIBLE.has(code) || INVISIBLE_RANGES.some(([from, to]) => code >= from && code <= to);
}

export function describeCodePoint(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

export type Script = 'latin' | 'cyrillic' | 'greek' | 'armenian' | 'other' | 'none';

export function scriptOf(code: number): Script {
  if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || (code >= 0xc0 && code <= 0x24f && code !== 0xd7 && code !== 0xf7)) return 'latin';
  if (code >= 0x400 && code <= 0x52f) return 'cyrillic';
  if (code >= 0x370 && code <= 0x3ff) return 'greek';
  if (code >= 0x530 && code <= 0x58f) return 'armenian';
  if (code < 0x80) return 'none';
  return 'other';
}

/**
 * Cyrillic and Greek letters that look like Latin ones. A word mixing these
 * with Latin letters reads as an English word to a person but not to a model.
 */
export const CONFUSABLE_WITH_LATIN: ReadonlyMap<number, string> = new Map([
  [0x0430, 'a'], [0x0435, 'e'], [0x043e, 'o'], [0x0440, 'p'], [0x0441, 'c'], [0x0443, 'y'],
  [0x0445, 'x'], [0x0456, 'i'], [0x0458, 'j'], [0x0455, 's'], [0x04bb, 'h'], [0x0501, 'd'],
  [0x0410, 'A'], [0x0412, 'B'], [0x0415, 'E'], [0x041a, 'K'], [0x041c, 'M'], [0x041d, 'H'],
  [0x041e, 'O'], [0x0420, 'P'], [0x0421, 'C'], [0x0422, 'T'], [0x0425, 'X'], [0x0406, 'I'],
  [0x0408, 'J'], [0x0405, 'S'],
  [0x03bf, 'o'], [0x03b1, 'a'], [0x03bd, 'v'], [0x03c1, 'p'], [0x0391, 'A'], [0x0392, 'B'],
  [0x0395, 'E'], [0x0396, 'Z'], [0x0397, 'H'], [0x0399, 'I'], [0x039a, 'K'], [0x039c, 'M'],
  [0x039d, 'N'], [0x039f, 'O'], [0x03a1, 'P'], [0x03a4, 'T'], [0x03a5, 'Y'], [0x03a7, 'X'],
]);

/** Replace confusable letters by the Latin letters they imitate. */
export function toLatinSkeleton(word: string): string {
  let out = '';
  for (const ch of word) {
    const code = ch.codePointAt(0)!;
    if (isInvisible(code)) continue;
    out += CONFUSABLE_WITH_LATIN.get(code) ?? ch;
  }
  return out;
}
