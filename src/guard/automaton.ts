/**
 * Known triggers found in one pass over a text, whatever their number: an
 * Aho-Corasick automaton over UTF-16 code units, built once and stored in
 * typed arrays (100,000 triggers make a million states; a Map per state
 * would hold several hundred megabytes).
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
    this.triggers = [...new Set(triggers)].filter((t) => t.length > 0);
    // the trie, built with one Map per state, then packed
    const children: Array<Map<number, number>> = [new Map()];
    const ends: number[] = [-1];
    this.triggers.forEach((t, id) => {
      let s = 0;
      for (let i = 0; i < t.length; i++) {
        const c = t.charCodeAt(i);
        let next = children[s]!.get(c);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          ends.push(-1);
          children[s]!.set(c, next);
        }
        s = next;
      }
      ends[s] = id;
    });
    const states = children.length;
    this.firstEdge = new Int32Array(states);
    this.edgeCount = new Int32Array(states);
    this.edgeChar = new Uint16Array(states - 1);
    this.edgeTo = new Int32Array(states - 1);
    let e = 0;
    for (let s = 0; s < states; s++) {
      const sorted = [...children[s]!].sort((a, b) => a[0] - b[0]);
      this.firstEdge[s] = e;
      this.edgeCount[s] = sorted.length;
      for (const [c, to] of sorted) {
        this.edgeChar[e] = c;
        this.edgeTo[e++] = to;
      }
    }
    for (const [c, to] of children[0]!) this.fromRoot[c] = to;
    this.ends = Int32Array.from(ends);
    this.fail = new Int32Array(states);
    this.nextEnd = new Int32Array(states).fill(-1);
    // fail links breadth first: a state's fail is its parent's fail followed by the same char
    const queue: number[] = [];
    for (const [, to] of children[0]!) queue.push(to);
    for (let head = 0; head < queue.length; head++) {
      const s = queue[head]!;
      for (const [c, to] of children[s]!) {
        let f = this.fail[s]!;
        while (f > 0 && this.step(f, c) < 0) f = this.fail[f]!;
        const via = this.step(f, c);
        this.fail[to] = via >= 0 && via !== to ? via : 0;
        const failed = this.fail[to]!;
        this.nextEnd[to] = this.ends[failed]! >= 0 ? failed : this.nextEnd[failed]!;
        queue.push(to);
      }
      children[s] = new Map();
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
