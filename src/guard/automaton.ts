/**
 * Known triggers found in one pass over a text, whatever their number: an
 * Aho-Corasick automaton over UTF-16 code units, built once and stored in
 * typed arrays (100,000 triggers make a million states; a Map per state
 * would hold several hundred megabytes, even while building).
 */

export interface TriggerHit {
  trigger: string;
  /** offset of the match's end in the text searched */
  end: number;
}

export class TriggerAutomaton {
  /** per state: its first edge in `edgeChar`/`edgeTo`, and how many it has (sorted by char) */
  private readonly firstEdge: Int32Array;
  private readonly edgeCount: Int32Array;
  private readonly edgeChar: Uint16Array;
  private readonly edgeTo: Int32Array;
  private readonly fail: Int32Array;
  /** per state: the trigger ending there (-1: none), and the next state on its fail chain where one ends */
  private readonly ends: Int32Array;
  private readonly nextEnd: Int32Array;
  /** the root's transitions for every code unit (0: stay at the root): most of a text is read at the root, where a search among thousands of first characters would cost most */
  private readonly fromRoot = new Int32Array(1 << 16);
  readonly triggers: readonly string[];

  /** `triggers` in matching form, non-empty; duplicates count once */
  constructor(triggers: Iterable<string>) {
    // sorted, the triggers sharing a prefix come together: the trie is built
    // in one walk, each state numbered as it is made, with no map per state
    this.triggers = [...new Set(triggers)].filter((t) => t.length > 0).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let most = 1;
    for (const t of this.triggers) most += t.length;
    const parentOf = new Int32Array(most);
    const charOf = new Uint16Array(most);
    const ends = new Int32Array(most).fill(-1);
    const path = [0];
    let states = 1;
    let previous = '';
    this.triggers.forEach((t, id) => {
      let shared = 0;
      while (shared < t.length && shared < previous.length && t.charCodeAt(shared) === previous.charCodeAt(shared)) shared++;
      path.length = shared + 1;
      for (let d = shared; d < t.length; d++) {
        parentOf[states] = path[d]!;
        charOf[states] = t.charCodeAt(d);
        path.push(states++);
      }
      ends[path[t.length]!] = id;
      previous = t;
    });
    // edges grouped by state: each state's children were made in the order of their chars
    this.firstEdge = new Int32Array(states);
    this.edgeCount = new Int32Array(states);
    for (let s = 1; s < states; s++) this.edgeCount[parentOf[s]!]!++;
    for (let s = 1; s < states; s++) this.firstEdge[s] = this.firstEdge[s - 1]! + this.edgeCount[s - 1]!;
    this.edgeChar = new Uint16Array(states - 1);
    this.edgeTo = new Int32Array(states - 1);
    const filled = new Int32Array(states);
    for (let s = 1; s < states; s++) {
      const p = parentOf[s]!;
      const e = this.firstEdge[p]! + filled[p]!++;
      this.edgeChar[e] = charOf[s]!;
      this.edgeTo[e] = s;
    }
    this.ends = ends.slice(0, states);
    for (let e = 0; e < this.edgeCount[0]!; e++) this.fromRoot[this.edgeChar[e]!] = this.edgeTo[e]!;
    this.fail = new Int32Array(states);
    this.nextEnd = new Int32Array(states).fill(-1);
    // fail links breadth first: a state's fail is its parent's fail followed by the same char
    const queue = new Int32Array(states);
    let tail = 0;
    for (let e = 0; e < this.edgeCount[0]!; e++) queue[tail++] = this.edgeTo[e]!;
    for (let head = 0; head < tail; head++) {
      const s = queue[head]!;
      for (let e = this.firstEdge[s]!; e < this.firstEdge[s]! + this.edgeCount[s]!; e++) {
        const c = this.edgeChar[e]!;
        const to = this.edgeTo[e]!;
        let f = this.fail[s]!;
        while (f > 0 && this.step(f, c) < 0) f = this.fail[f]!;
        const via = this.step(f, c);
        this.fail[to] = via >= 0 && via !== to ? via : 0;
        const failed = this.fail[to]!;
        this.nextEnd[to] = this.ends[failed]! >= 0 ? failed : this.nextEnd[failed]!;
        queue[tail++] = to;
      }
    }
  }

  /** the state reached from `s` on `c`, or -1 */
  private step(s: number, c: number): number {
    let lo = this.firstEdge[s]!;
    let hi = lo + this.edgeCount[s]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.edgeChar[mid]!;
      if (m === c) return this.edgeTo[mid]!;
      if (m < c) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Every trigger occurrence in `text` (already in matching form), in order of their ends. */
  find(text: string): TriggerHit[] {
    const hits: TriggerHit[] = [];
    if (this.triggers.length === 0) return hits;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let next = s === 0 ? this.fromRoot[c]! : this.step(s, c);
      while (next < 0 && s > 0) {
        s = this.fail[s]!;
        next = s === 0 ? this.fromRoot[c]! : this.step(s, c);
      }
      s = next < 0 ? 0 : next;
      for (let t = this.ends[s]! >= 0 ? s : this.nextEnd[s]!; t >= 0; t = this.nextEnd[t]!) hits.push({ trigger: this.triggers[this.ends[t]!]!, end: i + 1 });
    }
    return hits;
  }
}
