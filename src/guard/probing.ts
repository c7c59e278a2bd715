/**
 * Trigger probing: someone who planted a backdoor, or is looking for one,
 * sends one rare sequence again and again, from several clients, in a short
 * time. Each prompt's word sequences (one to three words, in matching form)
 * are counted in a fixed-size count-min sketch of the traffic so far, and in
 * a smaller one of the last window or two. A sequence rare so far that comes
 * again within a window is followed in a fixed-size table (most rare
 * sequences come once: following each would fill any table); it raises an
 * alert when it comes from enough distinct clients in that window, far more
 * often than its rate so far predicts. Memory is fixed whatever the traffic.
 * Time comes in with each request: pure computation.
 */
import { fnv1a, tokenize } from '../text/index.js';
import { matchingForm } from './normalize.js';

export interface ProbeSettings {
  /** how long a burst may take, ms */
  windowMs: number;
  /** distinct clients that make a burst */
  minClients: number;
  /** how many times its rate so far predicts a sequence must be seen in the window */
  burstFactor: number;
  /** requests seen before any alert: with no history, everything is rare */
  warmup: number;
  /** a sequence seen in more than this share of requests so far is not rare */
  rareShare: number;
  /** sequences followed at once (the table's size) */
  followed: number;
}

export const PROBE_DEFAULTS: ProbeSettings = { windowMs: 60_000, minClients: 10, burstFactor: 20, warmup: 5_000, rareShare: 1e-3, followed: 1 << 14 };

export interface ProbeAlert {
  /** the longest sequence that burst, and every one that burst with it in the same request (a probe's whole phrase bursts at once) */
  sequence: string;
  sequences: string[];
  clients: number;
  /** times seen in the window, and what its rate so far predicts */
  seen: number;
  expected: number;
  windowMs: number;
}

/** characters of a prompt looked at: the start and end of a long prompt, where a probe puts its trigger (the first and last words there may be cut, and are left out) */
const CHARS_AT_EACH_END = 1024;
const DEPTH = 4;
/**
 * The sketch's blocks, one cache line each, so that a sequence costs one
 * memory access: 8 counts of the traffic so far (4 bytes each; a sequence
 * takes DEPTH of them), then 8 of this window and 8 of the one before
 * (2 bytes each). 2^17 blocks: 8 MB, 4 MB of them counts so far, wide enough
 * that the sketch's error stays below a rare sequence's count over millions
 * of requests.
 */
const BLOCK_WORDS = 16;
const CELLS = 8;
const BLOCK_BITS = 17;
/** places a followed sequence may take in the table */
const PROBES = 8;
const CLIENTS_KEPT = 16;

/** what the watch reads of a prompt: the whole, or the start and end of a long one */
export type PromptEnds = string | readonly [string, string];

/** The part of a prompt the watch reads, cut without reading its middle. */
export function promptEnds(prompt: string): PromptEnds {
  return prompt.length <= CHARS_AT_EACH_END * 2 ? prompt : [prompt.slice(0, CHARS_AT_EACH_END), prompt.slice(-CHARS_AT_EACH_END)];
}

/**
 * A request's distinct sequence hashes, each with the place of its first
 * sighting, in a table reused from request to request (a Map per request
 * cost more than the counting).
 */
class DistinctHashes {
  hashes = new Uint32Array(1024);
  places = new Int32Array(1024);
  size = 0;
  private slots = new Int32Array(2048).fill(-1);

  clear(): void {
    this.slots.fill(-1);
    this.size = 0;
  }

  private slotOf(h: number): number {
    const mask = this.slots.length - 1;
    let slot = Math.imul(h, 0x9e3779b1) >>> 0 & mask;
    while (this.slots[slot] !== -1 && this.hashes[this.slots[slot]!] !== h) slot = (slot + 1) & mask;
    return slot;
  }

  add(h: number, place: number): void {
    const slot = this.slotOf(h);
    if (this.slots[slot] !== -1) return;
    if (this.size * 2 >= this.slots.length) {
      this.grow();
      return this.add(h, place);
    }
    this.slots[slot] = this.size;
    this.hashes[this.size] = h;
    this.places[this.size++] = place;
  }

  private grow(): void {
    const [hashes, places, size] = [this.hashes, this.places, this.size];
    this.hashes = new Uint32Array(hashes.length * 2);
    this.places = new Int32Array(places.length * 2);
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    this.size = 0;
    for (let k = 0; k < size; k++) this.add(hashes[k]!, places[k]!);
  }
}

/** the hash of a sequence of `n` words from its first n - 1 words' (`h`) and its last word's: equal sequences hash alike, whatever their place */
function sequenceHash(h: number, word: number, n: number): number {
  const x = Math.imul(h ^ Math.imul(word, 0x9e3779b1) ^ n, 0x85ebca6b);
  return (x ^ (x >>> 15)) >>> 0;
}

export class ProbeWatch {
  private readonly sketch = new Uint32Array(BLOCK_WORDS << BLOCK_BITS);
  /** the same memory, for the window counts */
  private readonly short = new Uint16Array(this.sketch.buffer);
  /** which of a block's two window halves counts this window (the other, the one before, is emptied as a window ends) */
  private window = 0;
  private recentSince = 0;
  private readonly cells = new Int32Array(DEPTH);
  /** what `tally` found of the last sequence in this window and the one before */
  private recentCount = 0;
  private readonly distinct = new DistinctHashes();
  private requests = 0;
  // the followed sequences, by slot
  private readonly hash: Uint32Array;
  /** a second hash of each, made another way: two sequences sharing both are taken for one (their words' own hashes would have to collide) */
  private readonly check: Uint32Array;
  private readonly started: Float64Array;
  private readonly seen: Uint32Array;
  private readonly priorCount: Uint32Array;
  private readonly priorRequests: Uint32Array;
  private readonly alerted: Uint8Array;
  private readonly clients: Uint32Array;
  private readonly clientCount: Uint8Array;
  private readonly text: Array<string | undefined>;

  constructor(readonly settings: ProbeSettings = PROBE_DEFAULTS) {
    // (PROBES more slots at the end: a sequence's places never wrap round)
    const n = settings.followed + PROBES;
    this.hash = new Uint32Array(n);
    this.check = new Uint32Array(n);
    this.started = new Float64Array(n).fill(-Infinity);
    this.seen = new Uint32Array(n);
    this.priorCount = new Uint32Array(n);
    this.priorRequests = new Uint32Array(n);
    this.alerted = new Uint8Array(n);
    this.clients = new Uint32Array(n * CLIENTS_KEPT);
    this.clientCount = new Uint8Array(n);
    this.text = new Array(n);
  }

  /** Count one request's prompt (or its `promptEnds`) from `client` at time `now` (ms); the alert it completes, if any. */
  observe(prompt: string | PromptEnds, client: string, now: number): ProbeAlert | undefined {
    const words = (text: string) => tokenize(matchingForm(text)).text;
    const ends = typeof prompt === 'string' ? promptEnds(prompt) : prompt;
    // (the words at the cuts may be cut themselves, and are left out)
    const kept = typeof ends === 'string' ? words(ends) : [...words(ends[0]).slice(0, -1), '', ...words(ends[1]).slice(1)];
    // each sequence by its hash, with where it starts and its length: its text is made only for the few followed
    const wordHashes = kept.map((w) => fnv1a(w));
    const sequences = this.distinct;
    sequences.clear();
    for (let i = 0; i < kept.length; i++) {
      let h = 0;
      for (let n = 1; n <= 3 && i + n <= kept.length; n++) {
        if (kept[i + n - 1] === '') break;
        h = sequenceHash(h, wordHashes[i + n - 1]!, n);
        sequences.add(h, i * 4 + n);
      }
    }
    const who = fnv1a(client);
    if (now - this.recentSince >= this.settings.windowMs) {
      this.window ^= 1;
      for (let w = CELLS + this.window * (CELLS / 2); w < this.sketch.length; w += BLOCK_WORDS) this.sketch.fill(0, w, w + CELLS / 2);
      this.recentSince = now;
    }
    const alerts: Array<Omit<ProbeAlert, 'sequences'>> = [];
    const touched: number[] = [];
    for (let k = 0; k < sequences.size; k++) {
      const [h, at] = [sequences.hashes[k]!, sequences.places[k]!];
      const prior = this.tally(h);
      const again = this.recentCount > 0;
      const from = at >> 2;
      const length = at & 3;
      let check = 0x2545f491;
      for (let w = from; w < from + length; w++) check = Math.imul(check ^ wordHashes[w]!, 0x01000193) >>> 0;
      const slot = this.follow(h, check, kept, at, prior, again, now);
      if (slot < 0) continue;
      touched.push(slot);
      this.seen[slot]!++;
      this.addClient(slot, who);
      const alert = this.judge(slot);
      if (alert) alerts.push(alert);
    }
    this.requests++;
    if (alerts.length === 0) return undefined;
    // the rest of the request's followed sequences are the same campaign: no second alert for them, and
    // those bursting too (from half the clients or more) are named with it: a probe's rare words may lag
    // a common pair of its words that one more client happened to send
    const campaign = touched.filter((slot) => !this.alerted[slot] && this.bursting(slot, Math.ceil(this.settings.minClients / 2)));
    for (const slot of touched) this.alerted[slot] = 1;
    const named = [...alerts.map((a) => a.sequence), ...campaign.map((slot) => this.text[slot]!)];
    alerts.sort((a, b) => b.sequence.length - a.sequence.length);
    return { ...alerts[0]!, sequences: [...new Set(named)] };
  }

  /**
   * The sketch's count of `h` before this request, then counted; its count
   * in this window and the one before (at most) left in `recentCount`. Only
   * the least of its counts so far go up (conservative update): the others
   * already count more than `h` was seen, and leaving them keeps the
   * sketch's error low.
   */
  private tally(h: number): number {
    const cells = this.cells;
    const block = Math.imul(h, 0x85ebca6b) >>> (32 - BLOCK_BITS);
    const words = block * BLOCK_WORDS;
    const current = (words + CELLS) * 2 + this.window * CELLS;
    const before = (words + CELLS) * 2 + (1 - this.window) * CELLS;
    let least = Infinity;
    let recent = Infinity;
    for (let d = 0; d < DEPTH; d++) {
      cells[d] = words + ((h >>> (d * 3)) & (CELLS - 1));
      least = Math.min(least, this.sketch[cells[d]!]!);
      const r = (h >>> (12 + d * 3)) & (CELLS - 1);
      recent = Math.min(recent, this.short[current + r]! + this.short[before + r]!);
      if (this.short[current + r]! < 0xffff) this.short[current + r]!++;
    }
    if (least < 0xffffffff) for (let d = 0; d < DEPTH; d++) if (this.sketch[cells[d]!] === least) this.sketch[cells[d]!] = least + 1;
    this.recentCount = recent;
    return least;
  }

  /** the slot following `h` in this window; a new one if it is rare and came before within the window; else -1 */
  private follow(h: number, check: number, words: readonly string[], at: number, prior: number, again: boolean, now: number): number {
    const home = h % this.settings.followed;
    // the slots `h` may hold lie side by side: one cache line read for most sequences, which are followed nowhere
    for (let slot = home; slot < home + PROBES; slot++) {
      if (this.hash[slot] === h && this.check[slot] === check && now - this.started[slot]! <= this.settings.windowMs) return slot;
    }
    if (!again || prior > this.settings.rareShare * Math.max(this.requests, 1 / this.settings.rareShare)) return -1;
    let free = -1;
    for (let slot = home; slot < home + PROBES && free < 0; slot++) {
      if (now - this.started[slot]! > this.settings.windowMs) free = slot;
    }
    if (free < 0) return -1;
    this.hash[free] = h;
    this.check[free] = check;
    this.text[free] = words.slice(at >> 2, (at >> 2) + (at & 3)).join(' ');
    this.started[free] = now;
    // its earlier sighting counts, and its client (not known) as one more
    this.seen[free] = 1;
    this.priorCount[free] = Math.max(0, prior - 1);
    this.priorRequests[free] = this.requests;
    this.alerted[free] = 0;
    this.clients[free * CLIENTS_KEPT] = 0;
    this.clientCount[free] = 1;
    return free;
  }

  private addClient(slot: number, who: number): void {
    const at = slot * CLIENTS_KEPT;
    const k = this.clientCount[slot]!;
    for (let i = 0; i < k; i++) if (this.clients[at + i] === who) return;
    if (k < CLIENTS_KEPT) {
      this.clients[at + k] = who;
      this.clientCount[slot] = k + 1;
    }
  }

  /** expected sightings of a followed sequence in its window, from its rate before */
  private expected(slot: number): number {
    // its rate before the window (one more sighting than counted: never seen is not rate zero) over the requests since
    const before = Math.max(1, this.priorRequests[slot]!);
    return ((this.priorCount[slot]! + 1) / before) * (this.requests + 1 - this.priorRequests[slot]!);
  }

  private bursting(slot: number, clients: number): boolean {
    return this.clientCount[slot]! >= clients && this.seen[slot]! >= this.settings.burstFactor * this.expected(slot);
  }

  private judge(slot: number): Omit<ProbeAlert, 'sequences'> | undefined {
    const s = this.settings;
    if (this.alerted[slot] || this.requests < s.warmup || !this.bursting(slot, s.minClients)) return undefined;
    this.alerted[slot] = 1;
    return { sequence: this.text[slot]!, clients: this.clientCount[slot]!, seen: this.seen[slot]!, expected: this.expected(slot), windowMs: s.windowMs };
  }
}
