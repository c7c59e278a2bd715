/** FNV-1a, 32 bits, of `s[from, to)` (all of it by default): the cheap string hash behind the scanner's sketches. */
export function fnv1a(s: string, from = 0, to = s.length): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Each UTF-16 code unit lower-cased, where that gives one code unit (nearly
 * always; `İ` and a few others keep their case). Lower-casing code unit by
 * code unit lets a token be hashed and compared without making its string.
 */
export const LOWER_CODE_UNIT = new Uint16Array(0x10000);
for (let c = 0; c < 0x10000; c++) {
  const lower = String.fromCharCode(c).toLowerCase();
  LOWER_CODE_UNIT[c] = lower.length === 1 ? lower.charCodeAt(0) : c;
}

/** FNV-1a of `text[from, to)` lower-cased: equal to `fnv1a` of the lower-cased token (as a signed integer). */
export function lowerHash(text: string, from: number, to: number): number {
  let h = 0x811c9dc5 | 0;
  for (let k = from; k < to; k++) h = Math.imul(h ^ LOWER_CODE_UNIT[text.charCodeAt(k)]!, 0x01000193);
  return h;
}
