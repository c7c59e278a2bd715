/**
 * Candidate triggers from pass 1: sequences standing just before payloads in
 * several documents, and further-away sequences whose documents are those of
 * a near candidate (the first part of a split trigger). Also gathers the facts
 * the corpus detectors correlate.
 */
import { ngramsIn, prefilterCandidates, lowestPrecision, type MiningOptions, type Neighbours, type RagFacts, type InstructionFacts } from './detectors/index.js';
import type { DocumentResult } from './analyze.js';
import { MAX_N, isLanguage, countNearGrams, regionsHolding, type NearRegion, type NearSketch } from './near-grams/index.js';


export interface Candidates {
  /** candidate sequence -> payload documents holding it */
  support: Map<string, number[]>;
  /** tokens before each payload document's payload */
  regions: Regions;
  /** documents whose region is code comments (no neighbour test) */
  codeRegions: Set<number>;
  ragFacts: Map<number, RagFacts>;
  instructionFacts: Map<number, InstructionFacts>;
  /** candidates left out by the budget (`MiningOptions.maxCandidates`) */
  cut: number;
}

interface TokenTrie {
  gram?: string;
  next?: Map<string, TokenTrie>;
}

/** Grams as a trie of their tokens: a region is searched token by token, at most three lookups a token, and makes no string. */
class SequenceIndex {
  private readonly root: TokenTrie = {};
  readonly grams: ReadonlySet<string>;

  constructor(grams: Iterable<string>) {
    this.grams = new Set(grams);
    for (const gram of this.grams) {
      const tokens = gram.split(' ');
      // (more tokens than an n-gram has: made of tokens holding spaces, found only in regions that have such tokens)
      if (tokens.length > MAX_N) continue;
      let node = this.root;
      for (const t of tokens) {
        node.next ??= new Map();
        let child = node.next.get(t);
        if (!child) node.next.set(t, (child = {}));
        node = child;
      }
      node.gram = gram;
    }
  }

  /** `hit` for each indexed gram in the region, in the order ngramsIn makes them (by position, then by length). */
  find(region: readonly string[], hit: (gram: string) => void): void {
    const top = this.root.next;
    if (!top) return;
    if (region.some((t) => t.includes(' '))) {
      // a token holding a space joins into the same string as two tokens: compare strings
      for (const g of ngramsIn(region, 0, region.length)) if (this.grams.has(g)) hit(g);
      return;
    }
    for (let i = 0; i < region.length; i++) {
      let node = top.get(region[i]!);
      for (let k = i + 1; node; k++) {
        if (node.gram !== undefined) hit(node.gram);
        node = k < region.length ? node.next?.get(region[k]!) : undefined;
      }
    }
  }
}

/**
 * `supportOf` over every region's n-grams, for the given n-grams only: the
 * documents holding each (at least `minSupport` of them), in region order.
 */
export function supportOfGrams(regions: ReadonlyMap<number, readonly string[]>, grams: Iterable<string>, minSupport: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const index = new SequenceIndex(grams);
  for (const [d, region] of regions) {
    index.find(region, (gram) => {
      const docs = out.get(gram);
      if (!docs) out.set(gram, [d]);
      else if (docs[docs.length - 1] !== d) docs.push(d);
    });
  }
  for (const [g, docs] of out) if (docs.length < minSupport) out.delete(g);
  return out;
}

/** documents of a near candidate whose regions propose the far parts of a split trigger */
const FAR_SAMPLE = 8;
/** near candidates, best ranked first, whose far parts are looked for */
const FAR_CANDIDATES = 1024;

/**
 * The first part of a split trigger stands far from the payload, in (nearly)
 * every document of the near part. Proposed: the n-grams, not near candidates
 * themselves, held by three in four of the first documents of one of the best
 * ranked near candidates; the caller then counts them over every region and
 * keeps those whose documents are a near candidate's.
 */
function farProposals(support: ReadonlyMap<string, readonly number[]>, regions: ReadonlyMap<number, readonly string[]>): Set<string> {
  const gramsOf = new Map<number, Set<string>>();
  const proposals = new Set<string>();
  for (const docs of [...support.values()].slice(0, FAR_CANDIDATES)) {
    const sample = docs.slice(0, FAR_SAMPLE);
    const counts = new Map<string, number>();
    for (const d of sample) {
      let grams = gramsOf.get(d);
      // candidates share documents; the cache is dropped when large (a bound on memory, not on the result)
      if (gramsOf.size > 4096) gramsOf.clear();
      if (!grams) gramsOf.set(d, (grams = ngramsIn(regions.get(d)!, 0, regions.get(d)!.length)));
      for (const g of grams) counts.set(g, (counts.get(g) ?? 0) + 1);
    }
    for (const [g, n] of counts) if (n >= 0.75 * sample.length && !support.has(g)) proposals.add(g);
  }
  return proposals;
}

/** `MiningOptions.maxCandidates` or its default: enough for every attack in a corpus, small enough that the counting pass and its lists stay bounded. */
const budget = (mining: MiningOptions) => mining.maxCandidates ?? 4096;

/** Lower bound of a binomial share (Wilson, z = 2): ranks 25 of 25 above 5 of 5, and both above 400 of 1,000. */
function lowerBound(hits: number, trials: number): number {
  const z2 = 4;
  const p = hits / trials;
  return (p + z2 / (2 * trials) - Math.sqrt(z2) * Math.sqrt((p * (1 - p) + z2 / (4 * trials)) / trials)) / (1 + z2 / trials);
}

/**
 * A sequence seen in a document's region away from its payload is a document
 * holding it without a payload after it: its precision can be no better than
 * its support over the regions holding it anywhere. Drop the sequences that
 * cannot reach the lowest precision a trigger is accepted at, then keep the
 * budget's worth, best bound first, in that order. Returns how many the budget cut.
 */
function boundPrecision(support: Map<string, number[]>, regions: Regions, mining: MiningOptions): number {
  const floor = lowestPrecision(mining);
  const holding = regionsHolding(regions.joinedValues(), support.keys());
  const ranked: Array<[string, number]> = [];
  for (const [gram, docs] of support) {
    const held = Math.max(docs.length, holding.get(gram) ?? 0);
    if (docs.length / held < floor) support.delete(gram);
    else ranked.push([gram, lowerBound(docs.length, held)]);
  }
  const keep = budget(mining);
  ranked.sort((a, b) => b[1] - a[1] || support.get(b[0])!.length - support.get(a[0])!.length || (a[0] < b[0] ? -1 : 1));
  // kept in rank order: what is looked at for the few best candidates only comes first
  const docs = new Map(support);
  support.clear();
  for (const [gram] of ranked.slice(0, keep)) support.set(gram, docs.get(gram)!);
  return Math.max(0, ranked.length - keep);
}

/** a token between two regions of one document: no word, so no sequence spans it */
const REGION_BREAK = '\u2029';

/**
 * The first pass's regions, kept as one string each and split when read (a
 * few are kept split, for the documents read over and over while triggers are
 * confirmed): token arrays for every document with a finding would hold
 * several times the memory.
 */
export class Regions implements ReadonlyMap<number, readonly string[]> {
  private readonly joined = new Map<number, string>();
  private readonly split = new Map<number, string[]>();

  set(index: number, region: string): void {
    this.joined.set(index, region);
    this.split.delete(index);
  }

  /**
   * The region before a candidate after which the document's text changes,
   * for a document whose first-pass region (a finding elsewhere in it) lacks
   * the candidate: both are kept, apart, so the candidate is found in its
   * region and no sequence spans the two.
   */
  add(index: number, gram: string, region: string): void {
    const existing = this.joined.get(index);
    if (existing === undefined) return this.set(index, region);
    if (existing.toLowerCase().includes(gram.toLowerCase().split(' ').join('\n'))) return;
    this.set(index, `${existing}\n${REGION_BREAK}\n${region}`);
  }

  get(index: number): string[] | undefined {
    let tokens = this.split.get(index);
    if (tokens) return tokens;
    const region = this.joined.get(index);
    if (region === undefined) return undefined;
    if (this.split.size >= 4096) this.split.clear();
    this.split.set(index, (tokens = region.split('\n')));
    return tokens;
  }

  has(index: number): boolean {
    return this.joined.has(index);
  }

  /** the `width` tokens on each side of the first place of `seq` in the region, read in its string (`RegionTokens.around`) */
  around(index: number, seq: readonly string[], width = 1): Neighbours | undefined {
    const region = this.joined.get(index);
    if (region === undefined) return undefined;
    const needle = seq.join('\n');
    for (let at = region.indexOf(needle); at >= 0; at = region.indexOf(needle, at + 1)) {
      const end = at + needle.length;
      if ((at > 0 && region[at - 1] !== '\n') || (end < region.length && region[end] !== '\n')) continue;
      let from = at;
      for (let k = 0; k < width && from > 0; k++) from = region.lastIndexOf('\n', from - 2) + 1;
      let to = end;
      for (let k = 0; k < width && to < region.length; k++) {
        const next = region.indexOf('\n', to + 1);
        to = next < 0 ? region.length : next;
      }
      const left = at === 0 ? '^' : region.slice(from, at - 1);
      const right = end === region.length ? '$' : region.slice(end + 1, to);
      return [left, right];
    }
    return undefined;
  }

  /** each region as one string, its tokens joined by newlines */
  joinedValues(): MapIterator<string> {
    return this.joined.values();
  }

  get size(): number {
    return this.joined.size;
  }

  keys(): MapIterator<number> {
    return this.joined.keys();
  }

  *entries(): MapIterator<[number, readonly string[]]> {
    for (const [index, region] of this.joined) yield [index, this.split.get(index) ?? region.split('\n')];
  }

  *values(): MapIterator<readonly string[]> {
    for (const [, tokens] of this.entries()) yield tokens;
  }

  [Symbol.iterator](): MapIterator<[number, readonly string[]]> {
    return this.entries();
  }

  forEach(callback: (tokens: readonly string[], index: number, map: ReadonlyMap<number, readonly string[]>) => void): void {
    for (const [index, tokens] of this.entries()) callback(tokens, index, this);
  }
}

/** The first pass's regions in document order, for the exact count of the sequences near their onsets. */
function* nearRegions(results: ReadonlyMap<number, DocumentResult>): Generator<NearRegion> {
  for (const index of [...results.keys()].sort((a, b) => a - b)) {
    const r = results.get(index)!;
    if (r.region) yield { index, region: r.region, onset: r.onset, judged: !r.codeRegion };
  }
}

/** `near`: the merged sketch of the sequences near payload onsets, from the first pass's workers (none: no document has a region) */
export function selectCandidates(results: ReadonlyMap<number, DocumentResult>, near: NearSketch | undefined, mineTriggers: boolean, mining: MiningOptions): Candidates {
  const minSupport = mining.minSupport;
  const regions = new Regions();
  const codeRegions = new Set<number>();
  const ragFacts = new Map<number, RagFacts>();
  const instructionFacts = new Map<number, InstructionFacts>();
  // (in document order, whichever worker answered first: samples of a candidate's documents are its first ones)
  for (const index of [...results.keys()].sort((a, b) => a - b)) {
    const r = results.get(index)!;
    if (r.region?.length && mineTriggers) {
      regions.set(index, r.region);
      if (r.codeRegion) codeRegions.add(index);
    }
    if (r.rag) ragFacts.set(index, r.rag);
    if (r.instruction) instructionFacts.set(index, r.instruction);
  }
  // Candidates: sequences near payload onsets (counted as pass 1 went), and
  // sequences further away whose documents are those of a near candidate (the
  // first part of a split trigger). The bound searches every region for what
  // the cheap tests leave.
  const support = mineTriggers && near ? countNearGrams(nearRegions(results), near, mining) : new Map<string, number[]>();
  let cut = boundPrecision(support, regions, mining);
  const nearOf = new Map<number, string[]>();
  for (const [gram, docs] of support) for (const d of docs) {
    let list = nearOf.get(d);
    if (!list) nearOf.set(d, (list = []));
    list.push(gram);
  }
  // A far sequence joins when 80% of its documents hold one near candidate.
  for (const [gram, docs] of supportOfGrams(regions, farProposals(support, regions), minSupport)) {
    if ((support.get(gram)?.length ?? 0) >= docs.length) continue;
    const shared = new Map<string, number>();
    for (const d of docs) for (const g of nearOf.get(d) ?? []) shared.set(g, (shared.get(g) ?? 0) + 1);
    if (![...shared].some(([g, n]) => g !== gram && n >= 0.8 * Math.max(docs.length, support.get(g)!.length))) continue;
    // judged only now: most far sequences share no near candidate's documents, and judging costs a search of every region
    const one = new Map([[gram, docs]]);
    prefilterCandidates(one, regions, mining, codeRegions);
    if (!one.size || isLanguage(gram)) continue;
    if (support.size < budget(mining)) support.set(gram, docs);
    else cut++;
  }
  return { support, regions, codeRegions, ragFacts, instructionFacts, cut };
}
