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
/** 4 MB of counts: wide enough that the sketch's error stays below a rare sequence's count over millions of requests */
const WIDTH_BITS = 18;
const WIDTH = 1 << WIDTH_BITS;
const CLIENTS_KEPT = 16;
const RECENT_BITS = 16;
const RECENT_WIDTH = 1 << RECENT_BITS;

export class ProbeWatch {
  private readonly sketch = new Uint32Array(DEPTH * WIDTH);
  /** the same counts for this window and the one before, the older emptied as a window ends */
  private recent = new Uint16Array(DEPTH * RECENT_WIDTH);
  private older = new Uint16Array(DEPTH * RECENT_WIDTH);
  private recentSince = 0;
  private readonly cells = new Int32Array(DEPTH);
  private requests = 0;
  // the followed sequences, by slot
  private readonly hash: Uint32Array;
  private readonly started: Float64Array;
  private readonly seen: Uint32Array;
  private readonly priorCount: Uint32Array;
  private readonly priorRequests: Uint32Array;
  private readonly alerted: Uint8Array;
  private readonly clients: Uint32Array;
  private readonly clientCount: Uint8Array;
  private readonly text: Array<string | undefined>;

  constructor(readonly settings: ProbeSettings = PROBE_DEFAULTS) {
    const n = settings.followed;
    this.hash = new Uint32Array(n);
    this.started = new Float64Array(n).fill(-Infinity);
    this.seen = new Uint32Array(n);
    this.priorCount = new Uint32Array(n);
    this.priorRequests = new Uint32Array(n);
    this.alerted = new Uint8Array(n);
    this.clients = new Uint32Array(n * CLIENTS_KEPT);
    this.clientCount = new Uint8Array(n);
    this.text = new Array(n);
  }

  /** Count one request's prompt from `client` at time `now` (ms); the alert it completes, if any. */
  observe(prompt: string, client: string, now: number): ProbeAlert | undefined {
    // (a long prompt's ends only, read without reading its middle)
    const words = (text: string) => tokenize(matchingForm(text)).text;
    const ends = CHARS_AT_EACH_END * 2;
    const kept = prompt.length <= ends ? words(prompt) : [...words(prompt.slice(0, CHARS_AT_EACH_END)).slice(0, -1), '', ...words(prompt.slice(-CHARS_AT_EACH_END)).slice(1)];
    const sequences = new Map<number, string>();
    for (let i = 0; i < kept.length; i++) {
      for (let n = 1; n <= 3 && i + n <= kept.length; n++) {
        const part = kept.slice(i, i + n);
        if (part.includes('')) break;
        const text = part.join(' ');
        sequences.set(fnv1a(text), text);
      }
    }
    const who = fnv1a(client);
    if (now - this.recentSince >= this.settings.windowMs) {
      [this.recent, this.older] = [this.older.fill(0), this.recent];
      this.recentSince = now;
    }
    const alerts: Array<Omit<ProbeAlert, 'sequences'>> = [];
    const touched: number[] = [];
    for (const [h, text] of sequences) {
      const prior = this.count(h);
      const again = this.countRecent(h) > 0;
      const slot = this.follow(h, text, prior, again, now);
      if (slot < 0) continue;
      touched.push(slot);
      this.seen[slot]!++;
      this.addClient(slot, who);
      const alert = this.judge(slot);
      if (alert) alerts.push(alert);
    }
    this.requests++;
    if (alerts.length === 0) return undefined;
    // the rest of the request's followed sequences are the same campaign: no second alert for them
    for (const slot of touched) this.alerted[slot] = 1;
    alerts.sort((a, b) => b.sequence.length - a.sequence.length);
    return { ...alerts[0]!, sequences: alerts.map((a) => a.sequence) };
  }

  /**
   * The sketch's count of `h` before this request, then counted. Only the
   * least cells go up (conservative update): the others already count more
   * than `h` was seen, and leaving them keeps the sketch's error low.
   */
  private count(h: number): number {
    const cells = this.cells;
    let least = Infinity;
    for (let d = 0; d < DEPTH; d++) {
      cells[d] = d * WIDTH + (Math.imul(h ^ Math.imul(d + 1, 0x9e3779b9), 0x85ebca6b) >>> (32 - WIDTH_BITS));
      least = Math.min(least, this.sketch[cells[d]!]!);
    }
    if (least < 0xffffffff) for (let d = 0; d < DEPTH; d++) if (this.sketch[cells[d]!] === least) this.sketch[cells[d]!] = least + 1;
    return least;
  }

  /** how often `h` came in this window and the one before (at most), then counted */
  private countRecent(h: number): number {
    let least = Infinity;
    for (let d = 0; d < DEPTH; d++) {
      const cell = d * RECENT_WIDTH + (Math.imul(h ^ Math.imul(d + 7, 0x27d4eb2d), 0x165667b1) >>> (32 - RECENT_BITS));
      least = Math.min(least, this.recent[cell]! + this.older[cell]!);
      if (this.recent[cell]! < 0xffff) this.recent[cell]!++;
    }
    return least;
  }

  /** the slot following `h` in this window; a new one if it is rare and came before within the window; else -1 */
  private follow(h: number, text: string, prior: number, again: boolean, now: number): number {
    const n = this.settings.followed;
    let free = -1;
    for (let probe = 0; probe < 8; probe++) {
      const slot = (h + probe * 0x9e3779b1) % n >>> 0;
      const expired = now - this.started[slot]! > this.settings.windowMs;
      if (this.hash[slot] === h && this.text[slot] === text && !expired) return slot;
      if (free < 0 && expired) free = slot;
    }
    if (free < 0 || !again || prior > this.settings.rareShare * Math.max(this.requests, 1 / this.settings.rareShare)) return -1;
    this.hash[free] = h;
    this.text[free] = text;
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

  private judge(slot: number): Omit<ProbeAlert, 'sequences'> | undefined {
    const s = this.settings;
    if (this.alerted[slot] || this.requests < s.warmup || this.clientCount[slot]! < s.minClients) return undefined;
    // its rate before the window (one more sighting than counted: never seen is not rate zero) over the requests since
    const before = Math.max(1, this.priorRequests[slot]!);
    const expected = ((this.priorCount[slot]! + 1) / before) * (this.requests + 1 - this.priorRequests[slot]!);
    if (this.seen[slot]! < s.burstFactor * expected) return undefined;
    this.alerted[slot] = 1;
    return { sequence: this.text[slot]!, clients: this.clientCount[slot]!, seen: this.seen[slot]!, expected, windowMs: s.windowMs };
  }
}
