/**
 * Candidate triggers from pass 1: sequences standing just before payloads in
 * several documents, and further-away sequences whose documents are those of
 * a near candidate (the first part of a split trigger). Also gathers the facts
 * the corpus detectors correlate.
 */
import { isFunctionWord } from '../text/index.js';
import { ngramsIn, prefilterCandidates, type MiningOptions, type RagFacts, type InstructionFacts } from './detectors/index.js';
import type { DocumentResult } from './analyze.js';

/** tokens before a payload's estimated onset where its trigger is looked for first */
const NEAR_ONSET = 24;

export interface Candidates {
  /** candidate sequence -> payload documents holding it */
  support: Map<string, number[]>;
  /** tokens before each payload document's payload */
  regions: Map<number, string[]>;
  /** documents whose region is code comments (no neighbour test) */
  codeRegions: Set<number>;
  ragFacts: Map<number, RagFacts>;
  instructionFacts: Map<number, InstructionFacts>;
}

/** Drop sequences of function words alone ("of the": language, not triggers), then what `prefilterCandidates` rules out. */
function prefilter(grams: Map<string, number[]>, regions: ReadonlyMap<number, string[]>, mining: MiningOptions, codeRegions: ReadonlySet<number>): void {
  for (const gram of grams.keys()) if (gram.split(' ').every((w) => isFunctionWord(w.toLowerCase()))) grams.delete(gram);
  prefilterCandidates(grams, regions, mining, codeRegions);
}

/** Add each n-gram of `grams` to the documents holding it. */
function count(support: Map<string, number[]>, grams: Iterable<string>, doc: number): void {
  for (const g of grams) {
    let list = support.get(g);
    if (!list) support.set(g, (list = []));
    list.push(doc);
  }
}

/**
 * Gathers what the corpus steps need from pass 1's results as they come in:
 * counting n-grams while the workers analyse takes that work out of the pause
 * after the pass, when the workers wait.
 */
export class CandidateCollector {
  private readonly regions = new Map<number, string[]>();
  private readonly codeRegions = new Set<number>();
  private readonly ragFacts = new Map<number, RagFacts>();
  private readonly instructionFacts = new Map<number, InstructionFacts>();
  /** payload documents per n-gram near payload onsets, and per n-gram anywhere in the regions */
  private readonly near = new Map<string, number[]>();
  private readonly anywhere = new Map<string, number[]>();

  constructor(private readonly mineTriggers: boolean) {}

  add(index: number, r: DocumentResult): void {
    if (r.region?.length && this.mineTriggers) {
      this.regions.set(index, r.region);
      if (r.codeRegion) this.codeRegions.add(index);
      count(this.anywhere, ngramsIn(r.region, 0, r.region.length), index);
      // a trigger stands just before its payload (the onset is known to a few tokens)
      const onset = r.onset ?? r.region.length;
      count(this.near, ngramsIn(r.region, Math.max(0, onset - NEAR_ONSET), r.region.length), index);
    }
    if (r.rag) this.ragFacts.set(index, r.rag);
    if (r.instruction) this.instructionFacts.set(index, r.instruction);
  }

  /** The candidates, once every result is in. */
  select(mining: MiningOptions): Candidates {
    const { regions, codeRegions, ragFacts, instructionFacts } = this;
    const minSupport = mining.minSupport;
    // Candidates: sequences near payload onsets, and sequences further away
    // whose documents are those of a near candidate (the first part of a split trigger).
    const support = new Map([...this.near].filter(([, docs]) => docs.length >= minSupport));
    prefilter(support, regions, mining, codeRegions);
    const nearOf = new Map<number, string[]>();
    for (const [gram, docs] of support) for (const d of docs) {
      let list = nearOf.get(d);
      if (!list) nearOf.set(d, (list = []));
      list.push(gram);
    }
    for (const [gram, docs] of this.anywhere) {
      if (docs.length < minSupport || (support.get(gram)?.length ?? 0) >= docs.length) continue;
      const shared = new Map<string, number>();
      for (const d of docs) for (const g of nearOf.get(d) ?? []) shared.set(g, (shared.get(g) ?? 0) + 1);
      if (![...shared].some(([g, n]) => g !== gram && n >= 0.8 * Math.max(docs.length, support.get(g)!.length))) continue;
      // judged only now: most far sequences share no near candidate's documents, and judging costs a search of every region
      const one = new Map([[gram, docs]]);
      prefilter(one, regions, mining, codeRegions);
      if (one.size) support.set(gram, docs);
    }
    this.near.clear();
    this.anywhere.clear();
    return { support, regions, codeRegions, ragFacts, instructionFacts };
  }
}
