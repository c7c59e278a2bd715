/**
 * The worker side of recurring-claim detection: which sentences of a document
 * could carry a planted claim, and MinHash band keys that make the sentences
 * of one claim collide however it is phrased.
 *
 * A planted claim is a prose sentence set inside a paragraph (after another
 * sentence on the same line), so headings, list items, signatures and the
 * first line of a section are never candidates; this keeps the counting small
 * and rules out most recurring boilerplate before anything is counted.
 */
import { lowerAt, wordsIn, type TokenSpans } from '../../../text/index.js';

/** bands of two MinHash rows: sentences sharing half their content words collide in one band or more */
const BANDS = 8;
const ROWS = 2;
/** band keys are this many bits wide; the count sketch has one cell per key */
const KEY_BITS = 22;

const MIN_TOKENS = 8;
const MAX_TOKENS = 80;
const MIN_CONTENT_WORDS = 4;
const MAX_CONTENT_WORDS = 40;
/** tokens before a sentence whose hash is its lead */
const LEAD_TOKENS = 6;

export interface ClaimSentence {
  /** token range [from, to) */
  from: number;
  to: number;
  /** one key per band */
  keys: number[];
  /** hash of the tokens just before the sentence: the same in copies of one document */
  lead: number;
}

/** MurmurHash3's finaliser: a cheap 32-bit permutation. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const SEEDS = Array.from({ length: BANDS * ROWS }, (_, i) => mix(Math.imul(i + 1, 0x9e3779b9)));

/** Band keys of a set of words, given as the first `count` of `hashes`. */
function bandKeys(hashes: Int32Array, count: number): number[] {
  const keys: number[] = [];
  for (let band = 0; band < BANDS; band++) {
    let key = mix(band + 1);
    for (let row = 0; row < ROWS; row++) {
      const seed = SEEDS[band * ROWS + row]!;
      let min = 0xffffffff;
      for (let i = 0; i < count; i++) {
        const v = mix(hashes[i]! ^ seed);
        if (v < min) min = v;
      }
      key = mix(key ^ min);
    }
    keys.push(key >>> (32 - KEY_BITS));
  }
  return keys;
}

/** What lies between two tokens: sentence end, line break, paragraph break. */
function gapAt(text: string, from: number, to: number): { terminal: boolean; newline: boolean; paragraph: boolean } {
  let terminal = false;
  let newlines = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e || c === 0x21 || c === 0x3f) terminal = true; // . ! ?
    else if (c === 10) newlines++;
  }
  return { terminal, newline: newlines > 0, paragraph: newlines > 1 };
}

function isContentWord(word: string): boolean {
  return word.length >= 2 && word.length <= 40 && /[\p{L}\p{N}]/u.test(word);
}

/** Whether token k is a function word. */
export type FunctionWordTest = (k: number) => boolean;

/**
 * Whether token k can be a content word: NO, YES, or ASK (a non-ASCII token:
 * its lower case decides). ASCII tokens are told from their characters, so a
 * string is made only for a content word.
 */
const NO = 0;
const YES = 1;
const ASK = 2;
function contentWordKind(tokens: TokenSpans, isFunctionWord: FunctionWordTest, k: number): number {
  const start = tokens.start[k]!;
  const end = tokens.end[k]!;
  if (end - start < 2 || end - start > 40 || isFunctionWord(k)) return NO;
  let alphanumeric = false;
  for (let i = start; i < end; i++) {
    const c = tokens.text.charCodeAt(i);
    if (c >= 0x80) return ASK;
    const letter = c | 0x20;
    if ((letter >= 97 && letter <= 122) || (c >= 48 && c <= 57)) alphanumeric = true;
  }
  return alphanumeric ? YES : NO;
}

/** Token k is a content word: lower-cased, else undefined. */
function contentWordAt(tokens: TokenSpans, isFunctionWord: FunctionWordTest, k: number): string | undefined {
  const kind = contentWordKind(tokens, isFunctionWord, k);
  if (kind === NO) return undefined;
  const word = lowerAt(tokens, k);
  return kind === YES || isContentWord(word) ? word : undefined;
}

/** Whether token k is a content word, with no string made for an ASCII token. */
function isContentWordAt(tokens: TokenSpans, isFunctionWord: FunctionWordTest, k: number): boolean {
  const kind = contentWordKind(tokens, isFunctionWord, k);
  return kind === YES || (kind === ASK && isContentWord(lowerAt(tokens, k)));
}

/** Distinct content words of tokens [from, to) with their hashes, and how many function words they hold. */
function sentenceWords(tokens: TokenSpans, isFunctionWord: FunctionWordTest, from: number, to: number): { words: string[]; hashes: number[]; functionWords: number } {
  let functionWords = 0;
  const words = new Set<string>();
  const hashes: number[] = [];
  for (let k = from; k < to; k++) {
    if (isFunctionWord(k)) {
      functionWords++;
      continue;
    }
    const word = contentWordAt(tokens, isFunctionWord, k);
    if (word === undefined || words.has(word)) continue;
    words.add(word);
    hashes.push(tokens.lowerHash[k]!);
  }
  return { words: [...words], hashes, functionWords };
}

/** the distinct content-word hashes of the sentence being keyed (a sentence has at most MAX_TOKENS) */
const sentenceHashes = new Int32Array(MAX_TOKENS);

/**
 * The distinct hashes of the content words of tokens [from, to) (in
 * `sentenceHashes`, how many is returned) and how many function words they
 * hold. Words are told apart by their hash: MinHash keys depend on the set of
 * hashes only, and two words of one sentence sharing a 32-bit hash could
 * change nothing but the count by one.
 */
function sentenceWordHashes(tokens: TokenSpans, isFunctionWord: FunctionWordTest, from: number, to: number): { distinct: number; functionWords: number } {
  let functionWords = 0;
  let distinct = 0;
  for (let k = from; k < to; k++) {
    if (isFunctionWord(k)) {
      functionWords++;
      continue;
    }
    if (!isContentWordAt(tokens, isFunctionWord, k)) continue;
    const h = tokens.lowerHash[k]!;
    let seen = 0;
    while (seen < distinct && sentenceHashes[seen] !== h) seen++;
    if (seen === distinct) sentenceHashes[distinct++] = h;
  }
  return { distinct, functionWords };
}

/** A hash of the lower-cased tokens [from, to). */
function hashOfTokens(tokens: TokenSpans, from: number, to: number): number {
  let h = mix(to - from);
  for (let k = from; k < to; k++) h = mix(h ^ tokens.lowerHash[k]!);
  return h;
}

/** A capital letter first. */
function capitalised(tokens: TokenSpans, k: number): boolean {
  const c = tokens.text.charCodeAt(tokens.start[k]!);
  if (c < 0x80) return c >= 65 && c <= 90;
  return /^\p{Lu}/u.test(tokens.text.slice(tokens.start[k]!, tokens.start[k]! + 2));
}

/**
 * Whether most words of tokens [from, to) are written in capitals: legal
 * disclaimers and warnings are, and recur in many wordings across a code
 * corpus; a claim meant to be learnt as a fact is written as prose.
 */
function inCapitals(tokens: TokenSpans, from: number, to: number): boolean {
  let words = 0;
  let capitals = 0;
  for (let k = from; k < to; k++) {
    const a = tokens.start[k]!;
    const b = tokens.end[k]!;
    if (b - a < 2) continue;
    words++;
    let upper = true;
    for (let i = a; i < b && upper; i++) {
      const c = tokens.text.charCodeAt(i);
      upper = c >= 65 && c <= 90;
    }
    if (upper) capitals++;
  }
  return capitals > words / 2;
}

/**
 * Sentences that could be a planted claim: prose (a capital first, a full
 * stop last, some function words, 8 to 80 tokens, not mostly in capitals)
 * that follows another sentence on the same line.
 */
export function claimSentences(tokens: TokenSpans, isFunctionWord: FunctionWordTest): ClaimSentence[] {
  const out: ClaimSentence[] = [];
  const { text, count: n } = tokens;
  let from = 0;
  let inline = false;
  for (let i = 0; i < n; i++) {
    const gapEnd = i + 1 < n ? tokens.start[i + 1]! : text.length;
    // most gaps are one space: nothing ends there
    if (i + 1 < n && gapEnd - tokens.end[i]! === 1 && text.charCodeAt(tokens.end[i]!) === 32) continue;
    const gap = gapAt(text, tokens.end[i]!, gapEnd);
    if (!gap.terminal && !gap.paragraph && i + 1 < n) continue;
    const to = i + 1;
    if (gap.terminal && inline && to - from >= MIN_TOKENS && to - from <= MAX_TOKENS && capitalised(tokens, from) && !inCapitals(tokens, from, to)) {
      const { distinct, functionWords } = sentenceWordHashes(tokens, isFunctionWord, from, to);
      if (functionWords >= 2 && distinct >= MIN_CONTENT_WORDS && distinct <= MAX_CONTENT_WORDS) {
        out.push({ from, to, keys: bandKeys(sentenceHashes, distinct), lead: hashOfTokens(tokens, Math.max(0, from - LEAD_TOKENS), from) });
      }
    }
    // the next sentence is inline when this one ended with a full stop on the same line
    inline = gap.terminal && !gap.newline;
    from = to;
  }
  return out;
}

/**
 * Documents per band key, and how many of them set the sentence amid different
 * text, counted in fixed-size tables (collisions only add). Copies of one
 * document (common in crawls) repeat every sentence with the same lead: they
 * count once, so a corpus full of duplicates does not make every key recur.
 */
export class ClaimKeyCounts {
  private readonly documents = new Uint16Array(1 << KEY_BITS);
  private readonly withLead = new Uint16Array(1 << KEY_BITS);
  private readonly distinct = new Float32Array(1 << KEY_BITS);
  /** per key, the last document counted (a sequence number), so a key counts once per document */
  private readonly lastDocument = new Int32Array(1 << KEY_BITS);
  private sequence = 0;

  /** First sweep: count one document's packed sentences. */
  addDocument({ packed, at, count }: PackedSentences): void {
    const sequence = ++this.sequence;
    for (let base = at; base < at + count * STRIDE; base += STRIDE) {
      for (let i = base + KEYS_AT; i < base + STRIDE; i++) {
        const key = packed[i]!;
        if (this.lastDocument[key] !== sequence) {
          this.lastDocument[key] = sequence;
          if (this.documents[key]! < 0xffff) this.documents[key]!++;
        }
        const cell = leadCell(key, packed[base]!);
        if (this.withLead[cell]! < 0xffff) this.withLead[cell]!++;
      }
    }
  }

  /** A bit per key found in as many documents as a poisoning needs, once the first sweep is complete; empty when none is. */
  keysInBand(minDocuments: number, maxDocuments: number): Uint8Array {
    const bits = new Uint8Array(this.documents.length >>> 3);
    let any = false;
    for (let k = 0; k < this.documents.length; k++) {
      const c = this.documents[k]!;
      if (c < minDocuments || c > maxDocuments) continue;
      bits[k >>> 3]! |= 1 << (k & 7);
      any = true;
    }
    return any ? bits : new Uint8Array(0);
  }

  /**
   * Second sweep: a sentence whose lead n documents share counts 1/n. Only
   * keys in the band are counted (most keys are in a few documents), and the
   * band's bits are read first since they fit in cache and the counts do not.
   */
  addDistinct({ packed, at, count }: PackedSentences, band: Uint8Array): void {
    for (let base = at; base < at + count * STRIDE; base += STRIDE) {
      for (let i = base + KEYS_AT; i < base + STRIDE; i++) {
        const key = packed[i]!;
        if (isSet(band, key)) this.distinct[key]! += 1 / Math.max(1, this.withLead[leadCell(key, packed[base]!)]!);
      }
    }
  }

  /** A bit per key of the band that recurs amid different text in as many documents as a poisoning needs; empty when none does. */
  heavyKeys(band: Uint8Array, minDocuments: number): Uint8Array {
    const bits = new Uint8Array(band.length);
    let any = false;
    for (let k = 0; k < band.length * 8; k++) {
      if (!isSet(band, k) || this.distinct[k]! < minDocuments - 0.01) continue;
      bits[k >>> 3]! |= 1 << (k & 7);
      any = true;
    }
    return any ? bits : new Uint8Array(0);
  }
}

function leadCell(key: number, lead: number): number {
  return (mix(key ^ lead) >>> (32 - KEY_BITS));
}

function isSet(bits: Uint8Array, key: number): boolean {
  return bits.length > 0 && (bits[key >>> 3]! & (1 << (key & 7))) !== 0;
}

/** Where a packed sentence's keys start: after its lead and its token range. */
const KEYS_AT = 3;
const STRIDE = KEYS_AT + BANDS;

/** Append one document's claim sentences to a packed list: index, sentence count, then each sentence's lead, token range and keys. */
export function packClaimKeys(out: number[], index: number, sentences: readonly ClaimSentence[]): void {
  if (sentences.length === 0) return;
  out.push(index, sentences.length);
  for (const s of sentences) out.push(s.lead, s.from, s.to, ...s.keys);
}

/** One document's sentences in a packed list: `count` of them from `at`, each `[lead, from, to, ...keys]`. */
export interface PackedSentences {
  packed: Uint32Array;
  at: number;
  count: number;
}

/** Each document of a packed list. The view passed is reused: it is valid during the call only. */
export function forEachPackedDocument(packed: Uint32Array, visit: (index: number, sentences: PackedSentences) => void): void {
  const view: PackedSentences = { packed, at: 0, count: 0 };
  for (let i = 0; i < packed.length; i = view.at + view.count * STRIDE) {
    view.at = i + 2;
    view.count = packed[i + 1]!;
    visit(packed[i]!, view);
  }
}

/** A claim sentence of a document, by token range, with the band keys of it that recur in the corpus. */
export interface RecurringSentence {
  from: number;
  to: number;
  keys: number[];
}

/**
 * The sentences of one document holding recurring keys. A sentence counts only
 * when three of its keys recur: a phrasing planted again and again recurs in
 * every band, a recurring pair of common words in one or two bands is chance.
 */
export function recurringSentences({ packed, at, count }: PackedSentences, heavy: Uint8Array): RecurringSentence[] {
  const out: RecurringSentence[] = [];
  for (let base = at; base < at + count * STRIDE; base += STRIDE) {
    let recurring = 0;
    for (let i = base + KEYS_AT; i < base + STRIDE; i++) if (isSet(heavy, packed[i]!)) recurring++;
    if (recurring < 3) continue;
    const keys: number[] = [];
    for (let i = base + KEYS_AT; i < base + STRIDE; i++) if (isSet(heavy, packed[i]!)) keys.push(packed[i]!);
    out.push({ from: packed[base + 1]!, to: packed[base + 2]!, keys });
  }
  return out;
}

/** A candidate claim sentence whose band keys recur across the corpus (pass 2). */
export interface ClaimReport {
  index: number;
  /** the recurring band keys the sentence holds */
  keys: number[];
  /** the sentence's tokens as written */
  tokens: string[];
  words: string[];
  /** content words of the sentence that the rest of its document also uses */
  shared: string[];
  /** distinct content words of the text around the sentence, and END_OF_PROSE where no prose follows it */
  context: string[];
  /** the sentence with some text around it, and where the sentence lies in it */
  snippet: string;
  sentenceStart: number;
  sentenceEnd: number;
}

/** The word lists of a claim report, in the order they are packed. */
const LISTS = ['tokens', 'words', 'shared', 'context'] as const;

/**
 * Claim reports as a worker sends them: each distinct word once, and each
 * report's word lists as indices into those words. The reports are of
 * sentences that recur, so most of their words are the same, and sending
 * every word as a string of its own made the coordinator hold a copy of
 * each (100,000 reports held a few hundred MB), and pooling the copies there
 * cost it as much again as reading them.
 */
export interface PackedClaimReports {
  words: string[];
  /** per report: for each of its lists, the list's length, then its words' indices */
  lists: Uint32Array;
  reports: Array<Omit<ClaimReport, (typeof LISTS)[number]>>;
}

export function packClaimReports(reports: readonly ClaimReport[]): PackedClaimReports {
  const ids = new Map<string, number>();
  const lists: number[] = [];
  for (const r of reports) {
    for (const name of LISTS) {
      lists.push(r[name].length);
      for (const w of r[name]) {
        let id = ids.get(w);
        if (id === undefined) ids.set(w, (id = ids.size));
        lists.push(id);
      }
    }
  }
  return { words: [...ids.keys()], lists: Uint32Array.from(lists), reports: reports.map(({ tokens: _t, words: _w, shared: _s, context: _c, ...rest }) => rest) };
}

/** The reports again, their words taken from `pool` where it holds an equal string (which it then keeps for the next answers). */
export function unpackClaimReports(packed: PackedClaimReports, pool: Map<string, string>): ClaimReport[] {
  const words = packed.words.map((w) => {
    const held = pool.get(w);
    if (held !== undefined) return held;
    pool.set(w, w);
    return w;
  });
  let at = 0;
  const read = (): string[] => {
    const out = new Array<string>(packed.lists[at++]!);
    for (let k = 0; k < out.length; k++) out[k] = words[packed.lists[at++]!]!;
    return out;
  };
  // (the lists are read in the order of LISTS, as `packClaimReports` wrote them)
  return packed.reports.map((r) => ({ index: r.index, keys: r.keys, tokens: read(), words: read(), shared: read(), context: read(), snippet: r.snippet, sentenceStart: r.sentenceStart, sentenceEnd: r.sentenceEnd }));
}

/** tokens on each side of a sentence that make its context */
const CONTEXT_TOKENS = 24;
const END_OF_PROSE = '\u00b6end';
const CONTEXT_CHARS = 120;

/**
 * Whether the text after a sentence's end is not more prose: the document
 * ends, or a list, a table or a heading follows. A sentence that keeps
 * closing its paragraph is a signature, a closing line or the preamble of an
 * options list ("Mandatory arguments to long options are mandatory for short
 * options too."); a planted claim is followed by whatever its host says next.
 */
function closesProse(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (/[\s.!?"'”’»)\]]/.test(c)) continue;
    return !/[\p{L}\p{N}“‘«„(\[`]/u.test(c);
  }
  return true;
}

function contextOf(tokens: TokenSpans, isFunctionWord: FunctionWordTest, s: RecurringSentence): string[] {
  const words = new Set<string>();
  for (let k = Math.max(0, s.from - CONTEXT_TOKENS); k < Math.min(tokens.count, s.to + CONTEXT_TOKENS); k++) {
    const word = k < s.from || k >= s.to ? contentWordAt(tokens, isFunctionWord, k) : undefined;
    if (word !== undefined) words.add(word);
  }
  if (closesProse(tokens.text, tokens.end[s.to - 1]!)) words.add(END_OF_PROSE);
  return [...words];
}

/** How often each of the words with these hashes is found among the tokens [from, to). */
function occurrences(tokens: TokenSpans, hashes: ReadonlySet<number>, from: number, to: number): Map<number, number> {
  // a bit per hash's low bits: most tokens are none of the words, and the bit says so without a lookup
  const bits = new Uint32Array(32);
  for (const h of hashes) bits[(h >>> 5) & 31]! |= 1 << (h & 31);
  const counts = new Map<number, number>();
  for (let k = from; k < to; k++) {
    const h = tokens.lowerHash[k]!;
    if ((bits[(h >>> 5) & 31]! & (1 << (h & 31))) === 0 || !hashes.has(h)) continue;
    counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  return counts;
}

/** Reports of a document's recurring claim sentences (found by the first pass). */
export function claimReports(index: number, tokens: TokenSpans, isFunctionWord: FunctionWordTest, sentences: readonly RecurringSentence[]): ClaimReport[] {
  const out: ClaimReport[] = [];
  const { text } = tokens;
  const ofSentence = sentences.map((s) => sentenceWords(tokens, isFunctionWord, s.from, s.to));
  // one walk over the document counts the words of all its sentences
  const inDocument = occurrences(tokens, new Set(ofSentence.flatMap((w) => w.hashes)), 0, tokens.count);
  for (const [k, s] of sentences.entries()) {
    const { words, hashes } = ofSentence[k]!;
    const inSentence = occurrences(tokens, new Set(hashes), s.from, s.to);
    const shared = words.filter((_, i) => inDocument.get(hashes[i]!)! > inSentence.get(hashes[i]!)!);
    // a sentence mostly about its own document's subject was written for it
    if (shared.length > words.length / 2) continue;
    const start = tokens.start[s.from]!;
    const end = tokens.end[s.to - 1]! + 1;
    const from = Math.max(0, start - CONTEXT_CHARS);
    out.push({
      index,
      keys: s.keys,
      tokens: wordsIn(tokens, s.from, s.to),
      words,
      shared,
      context: contextOf(tokens, isFunctionWord, s),
      snippet: text.slice(from, Math.min(text.length, end + CONTEXT_CHARS)),
      sentenceStart: start - from,
      sentenceEnd: Math.min(text.length, end) - from,
    });
  }
  return out;
}
