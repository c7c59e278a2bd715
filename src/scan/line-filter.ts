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

const utf8 = new TextEncoder();

/** The pieces of a gram: runs of characters JSON writes as themselves, tokens within a run joined by separators. */
function piecesOf(gram: string, caseless: boolean): Element[][] {
  const pieces: Element[][] = [];
  let piece: Element[] = [];
  const end = () => {
    if (piece.length) pieces.push(piece);
    piece = [];
  };
  for (const token of gram.split(' ')) {
    if (numberLike(token)) {
      end();
      continue;
    }
    if (piece.length) piece.push('separator');
    for (const ch of token) {
      const c = ch.codePointAt(0)!;
      if (usable(c)) piece.push(c >= 65 && c <= 90 ? c + 32 : c);
      else if (c < 128) end();
      else if (!caseless) piece.push(...utf8.encode(ch));
      else if (piece[piece.length - 1] !== 'non-ascii') piece.push('non-ascii');
    }
  }
  end();
  return pieces;
}

/** how much a piece narrows the search: its bytes */
const characters = (piece: Element[]) => piece.filter((e) => typeof e === 'number').length;

/** A text field that is a JSON number becomes the number's string, which its JSON need not hold ("1e5" for 100000). */
const numberLike = (token: string) => /^[-+.0-9e]+$/i.test(token);

/** The piece to look for: the one with most bytes of any gram the record must hold all of. */
function bestPiece(requirement: Requirement): Element[] | undefined {
  let best: Element[] | undefined;
  for (const gram of requirement.all) {
    for (const piece of piecesOf(gram, requirement.caseless)) if (!best || characters(piece) > characters(best)) best = piece;
  }
  return best;
}

/** A non-deterministic automaton; state 0 is the start and loops on every symbol. */
class Nfa {
  readonly edges: Array<Array<[Uint8Array, number]>> = [[]];
  readonly epsilon: number[][] = [[]];
  readonly final = new Set<number>();

  state(): number {
    this.edges.push([]);
    this.epsilon.push([]);
    return this.edges.length - 1;
  }

  edge(from: number, symbols: Uint8Array, to: number): void {
    this.edges[from]!.push([symbols, to]);
  }
}

function only(...symbols: number[]): Uint8Array {
  const set = new Uint8Array(SYMBOLS);
  for (const s of symbols) set[s] = 1;
  return set;
}
const ANY = new Uint8Array(SYMBOLS).fill(1);
const NON_ASCII_ONLY = new Uint8Array(SYMBOLS).fill(1, 128);
const BACKSLASH_ONLY = only(BACKSLASH);

/** Add a piece to the automaton, from the start state to a final one. */
function addPiece(nfa: Nfa, piece: Element[], caseless: boolean): void {
  let at = nfa.state();
  nfa.epsilon[0]!.push(at);
  for (const element of piece) {
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
  for (const always of ['\\u', ...MULTI_FIELD_KEYS.map((key) => `"${key}"`)]) addPiece(nfa, [...always].map((ch) => ch.charCodeAt(0)), false);
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

  constructor(private readonly nfa: Nfa) {
    this.startSet = closure(nfa, [0]);
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
    // as UTF-8, as JSON holds it
    const bytes = Buffer.from(text);
    return this.bytes(bytes, 0, bytes.length);
  }

  /** Add to `into` where `states` go on `symbol`, closed, leaving out the start closure. */
  private move(states: readonly number[], symbol: number, into: Set<number>): void {
    for (const s of states) {
      for (const [symbols, to] of this.nfa.edges[s]!) {
        if (!symbols[symbol]) continue;
        for (const t of (this.closures[to] ??= closure(this.nfa, [to]))) if (!this.inStart[t]) into.add(t);
      }
    }
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
