/** The line filter's automaton: pieces as a non-deterministic automaton, run over a line's bytes as a deterministic one built as it goes. */
import { SYMBOLS, SEPARATOR, BACKSLASH, REACHED_FROM_NON_ASCII, type Piece } from './pieces.js';
import type { LineFilter } from './index.js';

/** states kept at most; past this the automaton starts afresh (a few MiB) */
const MAX_STATES = 8192;

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

export class Nfa {
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
export function addPiece(nfa: Nfa, piece: Piece, caseless: boolean): void {
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

export class LazyDfa implements LineFilter {
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
