/** The pieces of a candidate the line filter looks for, and the bytes that stand between tokens in a JSONL line. */

/** Input symbols: bytes, ASCII letters folded to lower case. */
export const SYMBOLS = 256;

const EDGES = '.,;:!?"\'()[]{}*';
/** symbols that can stand between two tokens: whitespace, edge punctuation, non-ASCII bytes (spaces and edges beyond ASCII) */
export const SEPARATOR = new Uint8Array(SYMBOLS);
for (const c of [9, 10, 11, 12, 13, 32]) SEPARATOR[c] = 1;
SEPARATOR.fill(1, 128);
for (const ch of EDGES) SEPARATOR[ch.charCodeAt(0)] = 1;
export const BACKSLASH = 92;

/** ASCII characters a piece may hold: printable, and not changed by JSON escaping */
function usable(c: number): boolean {
  return c > 32 && c < 127 && c !== 34 && c !== BACKSLASH && c !== 47;
}

/** ASCII letters that a non-ASCII character lower-cases into (K for the Kelvin sign, i for İ) */
export const REACHED_FROM_NON_ASCII = new Uint8Array(128);
for (let c = 128; c < 0x10000; c++) {
  if (c >= 0xd800 && c <= 0xdfff) continue;
  for (const ch of String.fromCharCode(c).toLowerCase()) if (ch.charCodeAt(0) < 128) REACHED_FROM_NON_ASCII[ch.charCodeAt(0)] = 1;
}

/** One element of a piece: a byte (ASCII lower-cased), a run of non-ASCII characters (one or more non-ASCII bytes, whatever their case), or a separator between tokens. */
export type Element = number | 'non-ascii' | 'separator';

/** A piece, and whether it starts at a token's start and ends at a token's end (the bytes beyond must then be a separator or an escape). */
export interface Piece {
  elements: Element[];
  start: boolean;
  end: boolean;
}

const utf8 = new TextEncoder();

/** The pieces of a gram: runs of characters JSON writes as themselves, tokens within a run joined by separators. */
function piecesOf(gram: string, caseless: boolean): Piece[] {
  const pieces: Piece[] = [];
  let elements: Element[] = [];
  let start = false;
  const end = (atTokenEnd: boolean) => {
    if (elements.length) pieces.push({ elements, start, end: atTokenEnd });
    elements = [];
  };
  for (const token of gram.split(' ')) {
    if (numberLike(token)) {
      end(true);
      continue;
    }
    if (elements.length) elements.push('separator');
    let first = true;
    for (const ch of token) {
      const c = ch.codePointAt(0)!;
      if (!usable(c) && c < 128) end(false);
      else {
        if (!elements.length) start = first;
        if (usable(c)) elements.push(c >= 65 && c <= 90 ? c + 32 : c);
        else if (!caseless) elements.push(...utf8.encode(ch));
        else if (elements[elements.length - 1] !== 'non-ascii') elements.push('non-ascii');
      }
      first = false;
    }
  }
  end(true);
  return pieces;
}

/** how much a piece narrows the search: its bytes, and its token edges (a short word is common inside longer ones) */
const characters = (piece: Piece) => piece.elements.filter((e) => typeof e === 'number').length + (piece.start ? 1 : 0) + (piece.end ? 1 : 0);

/** A text field that is a JSON number becomes the number's string, which its JSON need not hold ("1e5" for 100000). */
const numberLike = (token: string) => /^[-+.0-9e]+$/i.test(token);

/** The piece to look for: the one with most bytes of any gram the record must hold all of. */
export function bestPiece(all: readonly string[], caseless: boolean): Piece | undefined {
  let best: Piece | undefined;
  for (const gram of all) {
    for (const piece of piecesOf(gram, caseless)) if (!best || characters(piece) > characters(best)) best = piece;
  }
  return best;
}
