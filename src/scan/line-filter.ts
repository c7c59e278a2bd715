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
import { MULTI_FIELD_KEYS } from '../corpus/index.js';

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

/** Input symbols: bytes, ASCII letters folded to lower case. */
const SYMBOLS = 256;

/** states kept at most; past this the automaton starts afresh (a few MiB) */
const MAX_STATES = 8192;

const EDGES = '.,;:!?"\'()[]{}*';
/** symbols that can stand between two tokens: whitespace, edge punctuation, non-ASCII bytes (spaces and edges beyond ASCII) */
const SEPARATOR = new Uint8Array(SYMBOLS);
for (const c of [9, 10, 11, 12, 13, 32]) SEPARATOR[c] = 1;
SEPARATOR.fill(1, 128);
for (const ch of EDGES) SEPARATOR[ch.charCodeAt(0)] = 1;
const BACKSLASH = 92;

/** ASCII characters a piece may hold: printable, and not changed by JSON escaping */
function usable(c: number): boolean {
  return c > 32 && c < 127 && c !== 34 && c !== BACKSLASH && c !== 47;
}

/** ASCII letters that a non-ASCII character lower-cases into (K for the Kelvin sign, i for İ) */
const REACHED_FROM_NON_ASCII = new Uint8Array(128);
for (let c = 128; c < 0x10000; c++) {
  if (c >= 0xd800 && c <= 0xdfff) continue;
  for (const ch of String.fromCharCode(c).toLowerCase()) if (ch.charCodeAt(0) < 128) REACHED_FROM_NON_ASCII[ch.charCodeAt(0)] = 1;
}

/** One element of a piece: a byte (ASCII lower-cased), a run of non-ASCII characters (one or more non-ASCII bytes, whatever their case), or a separator between tokens. */
type Element = number | 'non-ascii' | 'separator';

/** A piece, and whether it starts at a token's start and ends at a token's end (the bytes beyond must then be a separator or an escape). */
interface Piece {
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
function bestPiece(requirement: Requirement): Piece | undefined {
  let best: Piece | undefined;
  for (const gram of requirement.all) {
    for (const piece of piecesOf(gram, requirement.caseless)) if (!best || characters(piece) > characters(best)) best = piece;
  }
  return best;
}

function only(...symbols: number[]): Uint8Array {
  const set = new Uint8Array(SYMBOLS);
  for (const s of symbols) set[s] = 1;
  return set;
}
const ANY = new Uint8Array(SYMBOLS).fill(1);
const NON_ASCII_ONLY = new Uint8Array(SYMBOLS).fill(1, 128);
const BACKSLASH_ONLY = only(BACKSLASH);
/** what may follow a token's end: a separator, or the backslash of an escape */
const TOKEN_END = SEPARATOR.map((v, c) => (v || c === BACKSLASH ? 1 : 0));

/**
 * A non-deterministic automaton. State 0 is the start and loops on every
 * symbol; BOUNDARY is where a token can start (after a separator byte, or
 * after an escape: a backslash and the character after it), and leads to the
 * pieces that start at a token's start.
 */
const BOUNDARY = 1;
const ESCAPE = 2;

class Nfa {
  readonly edges: Array<Array<[Uint8Array, number]>> = [[], [], []];
  readonly epsilon: number[][] = [[], [], []];
  readonly final = new Set<number>();

  constructor() {
    this.edge(0, SEPARATOR, BOUNDARY);
    this.edge(0, BACKSLASH_ONLY, ESCAPE);
    this.edge(ESCAPE, ANY, BOUNDARY);
  }

  state(): number {
    this.edges.push([]);
    this.epsilon.push([]);
    return this.edges.length - 1;
  }

  edge(from: number, symbols: Uint8Array, to: number): void {
    this.edges[from]!.push([symbols, to]);
  }
}

/** Add a piece to the automaton, from the start state to a final one. */
function addPiece(nfa: Nfa, piece: Piece, caseless: boolean): void {
  let at = nfa.state();
  nfa.epsilon[piece.start ? BOUNDARY : 0]!.push(at);
  for (const element of piece.elements) {
    const next = nfa.state();
    if (element === 'separator') {
      // one or more separator symbols or JSON escapes (a backslash and the character after it)
      const loop = nfa.state();
      const escape = nfa.state();
      for (const from of [at, loop]) {
        nfa.edge(from, SEPARATOR, loop);
        nfa.edge(from, BACKSLASH_ONLY, escape);
      }
      nfa.edge(escape, ANY, loop);
      nfa.epsilon[loop]!.push(next);
    } else if (element === 'non-ascii') {
      const run = nfa.state();
      nfa.edge(at, NON_ASCII_ONLY, run);
      nfa.edge(run, NON_ASCII_ONLY, run);
      nfa.epsilon[run]!.push(next);
    } else {
      nfa.edge(at, only(element), next);
      if (caseless && element < 128 && REACHED_FROM_NON_ASCII[element]) {
        // a non-ASCII character whose lower case holds this letter
        const wide = nfa.state();
        nfa.edge(at, NON_ASCII_ONLY, wide);
        nfa.edge(wide, NON_ASCII_ONLY, wide);
        nfa.epsilon[wide]!.push(next);
      }
    }
    at = next;
  }
  if (piece.end) {
    const past = nfa.state();
    nfa.edge(at, TOKEN_END, past);
    at = past;
  }
  nfa.final.add(at);
}

function closure(nfa: Nfa, states: Iterable<number>): number[] {
  const seen = new Set(states);
  const stack = [...seen];
  while (stack.length) for (const t of nfa.epsilon[stack.pop()!]!) if (!seen.has(t)) (seen.add(t), stack.push(t));
  return [...seen].sort((a, b) => a - b);
}

/**
 * The filter for records that must meet at least one of `requirements`;
 * undefined when some requirement cannot be looked for (every record must
 * then be matched).
 */
export function buildLineFilter(requirements: readonly Requirement[]): LineFilter | undefined {
  const nfa = new Nfa();
  for (const requirement of requirements) {
    const piece = bestPiece(requirement);
    if (!piece) return undefined;
    addPiece(nfa, piece, requirement.caseless);
  }
  // lines that always pass: a \u escape can spell any character; chat and instruction records join fields
  for (const always of ['\\u', ...MULTI_FIELD_KEYS.map((key) => `"${key}"`)]) addPiece(nfa, { elements: [...always].map((ch) => ch.charCodeAt(0)), start: false, end: false }, false);
  return new LazyDfa(nfa);
}

/**
 * The deterministic automaton, built as the records need it: a record visits
 * few of the states a full construction would make, and building them all
 * costs more than scanning a corpus. Table entries are row offsets of the
 * next state, UNKNOWN until worked out, or HIT (accepting states are
 * absorbing: one hit decides a record).
 *
 * Every state holds the start state's closure (a piece may begin at any
 * byte), which is most of its automaton states when there are many pieces:
 * a state is kept as the automaton states beyond that closure only, and the
 * closure's moves on each symbol are worked out once, so that working out a
 * state costs what its few pieces in progress do.
 */
const UNKNOWN = -1;
const HIT = -2;

class LazyDfa implements LineFilter {
  private table = new Int32Array(64 * SYMBOLS).fill(UNKNOWN);
  /** per state, the automaton states it holds beyond the start closure */
  private sets: number[][] = [];
  private ids = new Map<string, number>();
  private start = 0;
  private readonly startSet: number[];
  private readonly inStart: Uint8Array;
  /** per symbol, where the start closure's states go on it (closed, beyond the start closure) */
  private readonly startMoves: Array<number[] | undefined> = new Array(SYMBOLS);
  /** per automaton state, its closure, worked out when first needed */
  private readonly closures: Array<number[] | undefined> = [];
  /** BOUNDARY's closure less itself, and where it goes on each symbol */
  private readonly boundarySet: number[];
  private readonly boundaryMoves: Array<number[] | undefined> = new Array(SYMBOLS);

  constructor(private readonly nfa: Nfa) {
    this.startSet = closure(nfa, [0]);
    this.boundarySet = closure(nfa, [BOUNDARY]).filter((t) => t !== BOUNDARY);
    this.inStart = new Uint8Array(nfa.edges.length);
    for (const s of this.startSet) this.inStart[s] = 1;
    this.start = this.rowOf([]);
  }

  bytes(bytes: Uint8Array, from: number, to: number): boolean {
    let s = this.start;
    let table = this.table;
    for (let i = from; i < to; i++) {
      const symbol = FOLD[bytes[i]!]!;
      let next = table[s + symbol]!;
      if (next < 0) {
        if ((next = this.expand(s, symbol)) === HIT) return true;
        table = this.table;
      }
      s = next;
    }
    return false;
  }

  text(text: string): boolean {
    // as UTF-8, as JSON holds it, between separators as between the quotes of a JSON string
    const bytes = Buffer.from(` ${text} `);
    return this.bytes(bytes, 0, bytes.length);
  }

  /**
   * Add to `into` where `states` go on `symbol`, closed, leaving out the start
   * closure. BOUNDARY stands for its closure (the first states of every piece
   * that starts at a token's start), whose moves are worked out once per
   * symbol, as the start closure's are.
   */
  private move(states: readonly number[], symbol: number, into: Set<number>): void {
    for (const s of states) {
      if (s === BOUNDARY) {
        for (const t of this.boundaryMove(symbol)) into.add(t);
        continue;
      }
      for (const [symbols, to] of this.nfa.edges[s]!) {
        if (!symbols[symbol]) continue;
        if (to === BOUNDARY) into.add(BOUNDARY);
        else for (const t of (this.closures[to] ??= closure(this.nfa, [to]))) if (!this.inStart[t]) into.add(t);
      }
    }
  }

  private boundaryMove(symbol: number): number[] {
    let moved = this.boundaryMoves[symbol];
    if (!moved) {
      const set = new Set<number>();
      this.move(this.boundarySet, symbol, set);
      this.boundaryMoves[symbol] = moved = [...set];
    }
    return moved;
  }

  /** The state after `row` on `symbol`, worked out and stored. */
  private expand(row: number, symbol: number): number {
    const known = this.table[row + symbol]!;
    if (known !== UNKNOWN) return known;
    let fromStart = this.startMoves[symbol];
    if (!fromStart) {
      const moved = new Set<number>();
      this.move(this.startSet, symbol, moved);
      this.startMoves[symbol] = fromStart = [...moved];
    }
    const next = new Set<number>(fromStart);
    this.move(this.sets[row / SYMBOLS]!, symbol, next);
    const set = [...next].sort((a, b) => a - b);
    if (this.sets.length >= MAX_STATES) {
      // hostile or unusual text: drop the states worked out so far
      this.table = new Int32Array(64 * SYMBOLS).fill(UNKNOWN);
      this.sets = [];
      this.ids = new Map();
      this.start = this.rowOf([]);
      row = -1;
    }
    const target = set.some((s) => this.nfa.final.has(s)) ? HIT : this.rowOf(set);
    if (row >= 0) this.table[row + symbol] = target;
    return target;
  }

  private rowOf(set: number[]): number {
    const key = set.join(',');
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.sets.length;
      this.ids.set(key, id);
      this.sets.push(set);
      if ((id + 1) * SYMBOLS > this.table.length) {
        const bigger = new Int32Array(this.table.length * 2).fill(UNKNOWN);
        bigger.set(this.table);
        this.table = bigger;
      }
    }
    return id * SYMBOLS;
  }
}

const FOLD = new Uint8Array(256);
for (let b = 0; b < 256; b++) FOLD[b] = b >= 65 && b <= 90 ? b + 32 : b;
