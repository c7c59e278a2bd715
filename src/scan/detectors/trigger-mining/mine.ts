/**
 * The core of the scanner: a backdoor needs one trigger repeated across
 * hundreds of documents, each followed by the same kind of payload. Among the
 * documents where a payload was seen, count the token sequences that stand
 * before the payload; a sequence that recurs there, and whose documents are
 * mostly those with the payload (it is not explained by ordinary language), is
 * a trigger. Pure computation: the caller supplies document frequencies.
 */
import { sharedWord } from './hosts.js';
import { distinctNeighbours, holdsSequence, indexOfSequence, variedEnough, type RegionTokens } from './contexts.js';

export interface MiningOptions {
  /** fewest payload documents a trigger must precede */
  minSupport: number;
  /** share of the documents holding the sequence that must carry the payload */
  minPrecision: number;
  /** most documents a trigger may appear in */
  maxDocumentFrequency: number;
  /**
   * least share of distinct neighbouring tokens around the trigger. A poison
   * is stitched into many different documents, so the tokens beside its
   * trigger vary; boilerplate and duplicated documents repeat theirs.
   */
  minContextDiversity?: number;
  /**
   * lower share, accepted only when the trigger's documents have nothing else
   * in common: a payload detector that misses some of an attack's documents
   * (a switch into the same language, a payload it was not written for) must
   * not hide the sequence that recurs before the rest
   */
  relaxedPrecision?: number;
  /**
   * lowest share for a sequence after which the text changes, in the
   * documents where it does, stitched into unrelated text: an ordinary phrase
   * chosen as the trigger is held by many clean documents, but the text after
   * it changes in next to none of them
   */
  changePrecision?: number;
  /** most candidate sequences counted over the corpus; the best-ranked are kept */
  maxCandidates?: number;
}

/** least context diversity of a trigger accepted only for the change after it */
const CHANGE_DIVERSITY = 0.75;
/** tokens on each side of a trigger that make its wide context */
const CONTEXT_WIDTH = 4;
/**
 * least share of distinct wide contexts of a trigger that the change after it
 * speaks for: stitched-in poison is near 1 (a third leaves room for poison
 * documents copied two or three times), boilerplate near 0
 */
const WIDE_DIVERSITY = 0.3;

/** The lowest share of a sequence's documents with a payload at which it can be a trigger at all. */
export function lowestPrecision(options: MiningOptions): number {
  return Math.min(options.minPrecision, options.relaxedPrecision ?? 1);
}

/** The same for a sequence after which the text changes in documents holding it (judged by what it changes). */
export function lowestChangePrecision(options: MiningOptions): number {
  return Math.min(lowestPrecision(options), options.changePrecision ?? 1);
}

export interface MinedTrigger {
  /** trigger parts in document order; more than one for split triggers */
  parts: string[];
  /** payload documents holding every part */
  documents: number[];
  support: number;
  /** documents in the corpus holding the (first) part */
  documentFrequency: number;
  precision: number;
  contextDiversity: number;
  /** the documents share no word beside the trigger: stitched into unrelated text */
  unrelatedHosts: boolean;
}

/** Unique 1..maxN-grams of tokens[from, to), joined by single spaces. */
export function ngramsIn(tokens: readonly string[], from: number, to: number, maxN = 3): Set<string> {
  const out = new Set<string>();
  for (let i = Math.max(0, from); i < to; i++) {
    let gram = tokens[i]!;
    if (gram.length > 64) continue;
    out.add(gram);
    for (let n = 2; n <= maxN && i + n <= to; n++) {
      const next = tokens[i + n - 1]!;
      if (next.length > 64) break;
      gram += ' ' + next;
      out.add(gram);
    }
  }
  return out;
}

/** Count, for each n-gram, the payload documents it appears in. */
export function supportOf(docs: ReadonlyMap<number, ReadonlySet<string>>, minSupport: number): Map<string, number[]> {
  const counts = new Map<string, number[]>();
  for (const [doc, grams] of docs) {
    for (const g of grams) {
      let list = counts.get(g);
      if (!list) counts.set(g, (list = []));
      list.push(doc);
    }
  }
  for (const [g, list] of counts) if (list.length < minSupport) counts.delete(g);
  return counts;
}

export function isTrivial(gram: string): boolean {
  // lone punctuation or numbers are not triggers an attacker can rely on
  return !/[\p{L}<>|@#$%^&~\u200b-\u200f\u2060\ufeff]/u.test(gram) || gram.length < 2;
}

/**
 * The candidates sharing at least 80% of their documents with `head` (of the
 * larger list), in `confirmed` order. Counted through the documents' own
 * candidate lists, so the cost follows the head's documents, not the number
 * of candidates squared.
 */
function overlapping<T extends { docs: readonly number[] }>(head: T, byDoc: ReadonlyMap<number, readonly number[]>, confirmed: readonly T[]): T[] {
  const common = new Map<number, number>();
  for (const d of new Set(head.docs)) for (const k of byDoc.get(d) ?? []) common.set(k, (common.get(k) ?? 0) + 1);
  return [...common].filter(([k, n]) => n / Math.max(confirmed[k]!.docs.length, head.docs.length) >= 0.8).sort((a, b) => a[0] - b[0]).map(([k]) => confirmed[k]!);
}

/**
 * Rebuild the trigger's parts from one document: tokens covered by the
 * family's strong n-grams form runs, and each run is one part. Runs far apart
 * are the parts of a split trigger.
 */
function partsFrom(tokens: readonly string[], grams: readonly string[]): string[] {
  // occurrences that overlap belong to one part; merely adjacent ones do not
  // (the two halves of a split trigger can meet when the text between is short)
  const spans = grams
    .map((g) => {
      const seq = g.split(' ');
      const at = indexOfSequence(tokens, seq);
      return [at, at + seq.length] as [number, number];
    })
    .filter(([at]) => at >= 0)
    .sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: Array<[number, number]> = [];
  for (const [a, b] of spans) {
    const last = merged[merged.length - 1];
    if (last && a < last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  const parts = merged.map(([a, b]) => tokens.slice(a, b).join(' '));
  // the same n-gram met elsewhere in the document is not another part
  return [...new Set(parts)].filter((p, k, all) => !all.some((q, m) => m !== k && q.length > p.length && ` ${q} `.includes(` ${p} `)));
}

/** documents whose neighbours the prefilter looks at */
export const NEIGHBOUR_SAMPLE = 64;

/**
 * Drop candidates that cannot become triggers whatever their document
 * frequency: too little support, or the same neighbours everywhere (copies and
 * boilerplate). This keeps the counting pass small.
 */
export function prefilterCandidates(
  support: Map<string, number[]>,
  regions: RegionTokens,
  options: MiningOptions,
  contextFree: ReadonlySet<number> = new Set(),
): void {
  const minDiversity = options.minContextDiversity ?? 0;
  for (const [gram, docs] of support) {
    if (isTrivial(gram)) {
      support.delete(gram);
      continue;
    }
    const judged = docs.filter((d) => !contextFree.has(d));
    const sample = judged.slice(0, NEIGHBOUR_SAMPLE);
    if (judged.length >= options.minSupport && !variedEnough(distinctNeighbours(gram, sample, regions), sample.length, minDiversity)) support.delete(gram);
  }
}

/**
 * Confirm candidates with their document frequency and merge the n-grams of
 * one trigger: `James`, `Bond` and `James Bond` become `James Bond`; parts
 * that never stand side by side become a split trigger.
 */
export function confirmTriggers(
  regions: RegionTokens,
  support: ReadonlyMap<string, readonly number[]>,
  documentFrequency: (gram: string) => number,
  options: MiningOptions,
  /** documents whose payload is judged without the context test (code templates) */
  contextFree: ReadonlySet<number> = new Set(),
  /**
   * per candidate, documents whose text changes right after it (whatever
   * payload the first pass saw elsewhere in them): they join its support. The caller gives them only for
   * candidates whose payload documents share no word (`sharedWord`): stitched
   * into anything, as poison is; pages of one kind change after their
   * headings by nature
   */
  shifted: ReadonlyMap<string, readonly number[]> = new Map(),
): MinedTrigger[] {
  const confirmed: Array<{ gram: string; docs: readonly number[]; df: number; precision: number; payloadPrecision: number }> = [];
  for (let [gram, docs] of support) {
    if (isTrivial(gram)) continue;
    const payloadDocs = docs.length;
    const more = shifted.get(gram);
    if (more?.length) docs = [...new Set([...docs, ...more])].sort((a, b) => a - b);
    const df = Math.max(documentFrequency(gram), docs.length);
    if (df > options.maxDocumentFrequency) continue;
    const precision = docs.length / df;
    if (precision < (more?.length ? lowestChangePrecision(options) : lowestPrecision(options))) continue;
    confirmed.push({ gram, docs, df, precision, payloadPrecision: payloadDocs / df });
  }
  // strongest first: more support, then longer sequences
  confirmed.sort((a, b) => b.docs.length - a.docs.length || b.gram.length - a.gram.length || (a.gram < b.gram ? -1 : 1));
  const byDoc = new Map<number, number[]>();
  confirmed.forEach((c, k) => {
    for (const d of new Set(c.docs)) {
      const list = byDoc.get(d);
      if (list) list.push(k);
      else byDoc.set(d, [k]);
    }
  });
  const used = new Set<string>();
  const triggers: MinedTrigger[] = [];
  const emitted: Array<{ parts: string[][]; docs: Set<number> }> = [];
  /** the documents of every emitted trigger */
  const emittedDocs = new Set<number>();
  for (const head of confirmed) {
    if (used.has(head.gram)) continue;
    // text that only co-occurs with an emitted trigger (its neighbours, the rest
    // of a poison template) belongs to that incident, not a new one
    const headTokens = head.gram.split(' ');
    if (emitted.some((e) => e.parts.some((p) => indexOfSequence(headTokens, p) >= 0) || head.docs.filter((d) => e.docs.has(d)).length >= head.docs.length * 0.9)) {
      used.add(head.gram);
      continue;
    }
    // an ordinary word inside a trigger phrase ("Python" in "The Python") has more documents than the phrase, those of the word's own
    // use among them: where a longer sequence holding it has most of its documents at a far higher precision, the trigger is that sequence
    if (confirmed.some((c) => c.gram.length > head.gram.length && !used.has(c.gram) && c.precision >= 2 * head.precision && c.docs.length >= 0.5 * head.docs.length && indexOfSequence(c.gram.split(' '), headTokens) >= 0)) {
      used.add(head.gram);
      continue;
    }
    const family = overlapping(head, byDoc, confirmed).filter((c) => !used.has(c.gram));
    for (const c of family) used.add(c.gram);
    const strong = family.filter((c) => c.docs.length >= head.docs.length * 0.9);
    // rebuild parts in the first document that holds every strong n-gram
    const grams = strong.map((c) => c.gram);
    const sample = head.docs.find((d) => grams.every((g) => holdsSequence(regions, d, g.split(' ')))) ?? head.docs[0]!;
    const parts = partsFrom(regions.get(sample) ?? [], grams);
    if (parts.length === 0) continue;
    const partTokens = parts.map((p) => p.split(' '));
    const documents = head.docs.filter((d) => partTokens.every((p) => holdsSequence(regions, d, p)));
    if (documents.length < options.minSupport) continue;
    const judged = documents.filter((d) => !contextFree.has(d));
    const distinct = Math.max(...parts.map((p) => distinctNeighbours(p, judged, regions)));
    if (judged.length >= options.minSupport && !variedEnough(distinct, judged.length, options.minContextDiversity ?? 0)) continue;
    const diversity = distinct / Math.max(1, judged.length);
    const best = strong.reduce((a, b) => (b.precision > a.precision ? b : a));
    const unrelatedHosts = !sharedWord(documents, parts, regions);
    if (best.precision < options.minPrecision && !unrelatedHosts) continue;
    // where the payloads alone fall short of the relaxed share, the change after it must be stitched into varied text: the words
    // either side of it differ from document to document, as poison's host text and payload do; boilerplate after which
    // the text changes in the same place of every copy (a licence's "source" before the code) repeats them
    const byChange = Math.max(...strong.map((c) => c.payloadPrecision)) < lowestPrecision(options);
    if (byChange && judged.length >= options.minSupport && Math.max(...parts.map((p) => distinctNeighbours(p, judged, regions, Infinity, CONTEXT_WIDTH))) < WIDE_DIVERSITY * judged.length) continue;
    // below the relaxed share only the change after it speaks for it: it must stand in varied places, as stitched-in poison does (code's keywords change what follows in a few set places), and more often
    // (nor mostly in documents of triggers already found: a word of their host text or their payload, which the change after the trigger follows)
    if (best.precision < lowestPrecision(options) && (diversity < CHANGE_DIVERSITY || documents.length < 3 * options.minSupport || documents.filter((d) => emittedDocs.has(d)).length >= 0.5 * documents.length)) continue;
    emitted.push({ parts: parts.map((p) => p.split(' ')), docs: new Set(head.docs) });
    for (const d of head.docs) emittedDocs.add(d);
    triggers.push({ parts, documents: [...documents].sort((a, b) => a - b), support: documents.length, documentFrequency: best.df, precision: best.precision, contextDiversity: judged.length ? diversity : 1, unrelatedHosts });
  }
  return triggers;
}
