/**
 * Known triggers found in one pass over a text, whatever their number: an
 * Aho-Corasick automaton built once and stored in typed arrays (100,000
 * triggers make a million states; a Map per state would hold several hundred
 * megabytes, even while building).
 *
 * Characters are read as classes: one per character the triggers use, 0 for
 * every other (which sends the search back to the root). The states nearest
 * the root, where a search spends most of its time, have a full row of moves
 * per class (a DFA); the deeper ones keep their own edges and fail links.
 * A text is searched as it comes, unit by unit in matching form
 * (`unitForms`), with no normalised copy of it made.
 */
import { DROPPED, EXPANDS, expansionAt, matchingForm, unitForms } from './normalize.js';

export interface TriggerHit {
  trigger: string;
  /** offset of the match's end in the text searched */
  end: number;
}

const isSpace = (c: number) => c === 32 || c === 10 || c === 9 || c === 13;

/** cells of the dense rows at most (16 MB) */
const DENSE_CELLS = 1 << 22;

export class TriggerAutomaton {
  readonly triggers: readonly string[];
  /** per code unit in matching form: its class (0: used by no trigger) */
  private readonly classOf = new Int32Array(1 << 16);
  /** per code unit of a text: its class in matching form, or DROPPED, EXPANDS or WHOLE_TEXT (`unitForms`) */
  private readonly rawClassOf = new Int32Array(1 << 16);
  private readonly classes: number;
  /** states are numbered breadth first: those below `denseStates` have a row of `classes` moves in `dense` */
  private readonly denseStates: number;
  private readonly dense: Int32Array;
  /** per state: its first edge in `edgeClass`/`edgeTo` and how many it has (sorted by class) */
  private readonly firstEdge: Int32Array;
  private readonly edgeCount: Int32Array;
  private readonly edgeClass: Int32Array;
  private readonly edgeTo: Int32Array;
  private readonly fail: Int32Array;
  /** per state: the trigger ending there (-1: none), and the next state on its fail chain where one ends */
  private readonly ends: Int32Array;
  private readonly nextEnd: Int32Array;

  /**
   * `triggers` in matching form, non-empty; duplicates count once.
   * `keepInvisible`: raw texts are searched with their invisible characters
   * kept, for triggers made of them.
   */
  constructor(triggers: Iterable<string>, private readonly keepInvisible = false) {
    this.triggers = [...new Set(triggers)].filter((t) => t.length > 0).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    // classes numbered in the order of their characters, so that edges sorted by character are sorted by class
    const used = new Uint8Array(1 << 16);
    for (const t of this.triggers) for (let i = 0; i < t.length; i++) used[t.charCodeAt(i)] = 1;
    let classes = 1;
    for (let c = 0; c < used.length; c++) if (used[c]) this.classOf[c] = classes++;
    this.classes = classes;
    const forms = unitForms();
    for (let c = 0; c < forms.length; c++) {
      const form = keepInvisible && forms[c] === DROPPED ? c : forms[c]!;
      this.rawClassOf[c] = form < 0 ? form : this.classOf[form]!;
    }
    const trie = buildTrie(this.triggers);
    const states = trie.parentOf.length;
    const parentOf = trie.parentOf;
    const classOf = Int32Array.from(trie.charOf, (c) => this.classOf[c]!);
    this.ends = trie.ends;
    // edges grouped by state: breadth first, each state's children come together, in the order of their classes
    this.firstEdge = new Int32Array(states);
    this.edgeCount = new Int32Array(states);
    for (let s = 1; s < states; s++) this.edgeCount[parentOf[s]!]!++;
    for (let s = 1; s < states; s++) this.firstEdge[s] = this.firstEdge[s - 1]! + this.edgeCount[s - 1]!;
    this.edgeClass = new Int32Array(Math.max(0, states - 1));
    this.edgeTo = new Int32Array(Math.max(0, states - 1));
    const filled = new Int32Array(states);
    for (let s = 1; s < states; s++) {
      const p = parentOf[s]!;
      const e = this.firstEdge[p]! + filled[p]!++;
      this.edgeClass[e] = classOf[s]!;
      this.edgeTo[e] = s;
    }
    this.denseStates = Math.max(1, Math.min(states, Math.floor(DENSE_CELLS / classes)));
    this.dense = new Int32Array(this.denseStates * classes);
    this.fail = new Int32Array(states);
    this.nextEnd = new Int32Array(states).fill(-1);
    // in breadth-first order, a state's fail state (shallower) is complete before it is needed
    for (let s = 0; s < states; s++) {
      if (s > 0) {
        const p = parentOf[s]!;
        const f = p === 0 ? 0 : this.move(this.fail[p]!, classOf[s]!);
        this.fail[s] = f;
        this.nextEnd[s] = this.ends[f]! >= 0 ? f : this.nextEnd[f]!;
      }
      if (s >= this.denseStates) continue;
      const row = s * classes;
      const failRow = this.fail[s]! * classes;
      for (let k = 1; k < classes; k++) this.dense[row + k] = s === 0 ? 0 : this.dense[failRow + k]!;
      for (let e = this.firstEdge[s]!; e < this.firstEdge[s]! + this.edgeCount[s]!; e++) this.dense[row + this.edgeClass[e]!] = this.edgeTo[e]!;
    }
  }

  /** the state reached from `s` on class `k` (0: the root) */
  private move(s: number, k: number): number {
    for (;;) {
      if (s < this.denseStates) return this.dense[s * this.classes + k]!;
      let lo = this.firstEdge[s]!;
      let hi = lo + this.edgeCount[s]! - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const m = this.edgeClass[mid]!;
        if (m === k) return this.edgeTo[mid]!;
        if (m < k) lo = mid + 1;
        else hi = mid - 1;
      }
      s = this.fail[s]!;
    }
  }

  /**
   * Every trigger occurrence in `text`, in order of their ends, as its
   * matching form holds them. The text is read unit by unit; a word holding a
   * unit whose form depends on its neighbours (a combining mark) is put in
   * matching form whole and read again from the state before it. Words end at
   * ASCII white space, which NFKC never joins to a neighbour and which tells a
   * final sigma as in the whole text. Offsets are into `text`; a hit inside a
   * word read again ends at the word's end.
   */
  find(text: string): TriggerHit[] {
    const hits: TriggerHit[] = [];
    if (this.triggers.length === 0) return hits;
    let s = 0;
    // the current word's start, the state there, and the hits before it
    let word = 0;
    let atWord = 0;
    let hitsBefore = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const k = this.rawClassOf[c]!;
      let form: string | undefined;
      if (k > 0) s = this.step(s, k, i + 1, hits);
      else if (k === 0) s = 0;
      else if (k === EXPANDS && (form = expansionAt(text, i, this.keepInvisible)) !== undefined) {
        // (an astral character: its low surrogate read with it)
        if (c >= 0xd800 && c <= 0xdbff) i++;
        s = this.steps(s, form, i + 1, hits);
      } else if (k !== DROPPED) {
        let end = i;
        while (end < text.length && !isSpace(text.charCodeAt(end))) end++;
        hits.length = hitsBefore;
        s = this.steps(atWord, matchingForm(text.slice(word, end), this.keepInvisible), end, hits);
        i = end - 1;
        continue;
      }
      if (isSpace(c)) {
        word = i + 1;
        atWord = s;
        hitsBefore = hits.length;
      }
    }
    return hits;
  }

  /** the moves on each unit of `form` (in matching form), from `s` */
  private steps(s: number, form: string, end: number, hits: TriggerHit[]): number {
    for (let u = 0; u < form.length; u++) {
      const k = this.classOf[form.charCodeAt(u)]!;
      s = k === 0 ? 0 : this.step(s, k, end, hits);
    }
    return s;
  }

  /** the move on class `k`, the triggers ending there added to `hits` at `end` */
  private step(s: number, k: number, end: number, hits: TriggerHit[]): number {
    const to = this.move(s, k);
    for (let t = this.ends[to]! >= 0 ? to : this.nextEnd[to]!; t >= 0; t = this.nextEnd[t]!) hits.push({ trigger: this.triggers[this.ends[t]!]!, end });
    return to;
  }
}

/**
 * The trie of sorted triggers, its states numbered breadth first. Sorted,
 * the triggers sharing a prefix come together: the trie is built in one walk
 * (each state numbered as it is made, depth first), with no map per state;
 * then renumbered by depth, which keeps each state's children together.
 */
function buildTrie(triggers: readonly string[]): { parentOf: Int32Array; charOf: Uint16Array; ends: Int32Array } {
  let most = 1;
  for (const t of triggers) most += t.length;
  const parentOf = new Int32Array(most);
  const charOf = new Uint16Array(most);
  const ends = new Int32Array(most).fill(-1);
  const depth = new Int32Array(most);
  const path = [0];
  let states = 1;
  let previous = '';
  let deepest = 0;
  triggers.forEach((t, id) => {
    let shared = 0;
    while (shared < t.length && shared < previous.length && t.charCodeAt(shared) === previous.charCodeAt(shared)) shared++;
    path.length = shared + 1;
    for (let d = shared; d < t.length; d++) {
      parentOf[states] = path[d]!;
      charOf[states] = t.charCodeAt(d);
      depth[states] = d + 1;
      path.push(states++);
    }
    ends[path[t.length]!] = id;
    deepest = Math.max(deepest, t.length);
    previous = t;
  });
  // a stable counting sort by depth
  const start = new Int32Array(deepest + 2);
  for (let s = 0; s < states; s++) start[depth[s]! + 1]!++;
  for (let d = 1; d < start.length; d++) start[d]! += start[d - 1]!;
  const renamed = new Int32Array(states);
  for (let s = 0; s < states; s++) renamed[s] = start[depth[s]!]!++;
  const out = { parentOf: new Int32Array(states), charOf: new Uint16Array(states), ends: new Int32Array(states) };
  for (let s = 0; s < states; s++) {
    const n = renamed[s]!;
    out.parentOf[n] = renamed[parentOf[s]!]!;
    out.charOf[n] = charOf[s]!;
    out.ends[n] = ends[s]!;
  }
  return out;
}
