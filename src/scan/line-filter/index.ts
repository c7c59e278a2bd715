/**
 * Which records of the counting pass can hold a candidate at all, told from
 * their raw JSONL bytes (or their text) before they are parsed and
 * tokenised. Most records hold no candidate, and one pass of a small
 * automaton over their bytes costs a fraction of parsing and walking them.
 *
 * The test may pass a record that holds nothing (the full match then says
 * so) but never fails one that holds a candidate:
 * - each candidate is looked for through a piece of it that JSON writes as
 *   itself (no quote, backslash, slash or control character), the one with
 *   most bytes: JSON writes ASCII characters as themselves and other
 *   characters as their UTF-8 bytes (or a `\u` escape, below), and the
 *   tokens of a piece are separated by at least one byte of whitespace,
 *   punctuation, a JSON escape or a non-ASCII character;
 * - ASCII letters are compared without case; for a caseless requirement, a
 *   non-ASCII character is any run of non-ASCII bytes (its other case may
 *   be spelt otherwise), and a lower-case letter that some non-ASCII
 *   character lower-cases to (the Kelvin sign to `k`) also matches them;
 *   for the others, non-ASCII characters are their exact bytes (a candidate
 *   in Persian or Greek passes only the records that hold it);
 * - where a piece starts or ends one of the candidate's tokens, the byte
 *   before or after it must be a separator or part of an escape (the
 *   tokeniser splits on white space and peels punctuation off the edges), so
 *   that a short candidate ("ds") does not pass every record with a longer
 *   word holding it ("words");
 * - a token that a number field may have made (`100000` from `1e5`) is no
 *   part of a piece;
 * - a line with a `\u` escape, which can spell any character, always passes,
 *   and so does a chat or instruction record, whose text joins several fields
 *   (a sequence of tokens can run from one field into another);
 * - a candidate with no such piece (all quotes and slashes) makes every record pass.
 */
import { MULTI_FIELD_KEYS } from '../../corpus/index.js';
import { bestPiece } from './pieces.js';
import { Nfa, addPiece, LazyDfa } from './automaton.js';

/** What a record must hold: every gram of `all` (one of them is looked for), case-insensitively when `caseless`. */
export interface Requirement {
  all: readonly string[];
  caseless: boolean;
}

export interface LineFilter {
  /** whether the bytes `[start, end)` of `bytes` (one JSONL line) may hold a candidate */
  bytes(bytes: Uint8Array, start: number, end: number): boolean;
  /** the same for a text */
  text(text: string): boolean;
}

/**
 * The filter for records that must meet at least one of `requirements`;
 * undefined when some requirement cannot be looked for (every record must
 * then be matched).
 */
export function buildLineFilter(requirements: readonly Requirement[]): LineFilter | undefined {
  const nfa = new Nfa();
  for (const requirement of requirements) {
    const piece = bestPiece(requirement.all, requirement.caseless);
    if (!piece) return undefined;
    addPiece(nfa, piece, requirement.caseless);
  }
  // lines that always pass: a \u escape can spell any character; chat and instruction records join fields
  for (const always of ['\\u', ...MULTI_FIELD_KEYS.map((key) => `"${key}"`)]) addPiece(nfa, { elements: [...always].map((ch) => ch.charCodeAt(0)), start: false, end: false }, false);
  return new LazyDfa(nfa);
}
