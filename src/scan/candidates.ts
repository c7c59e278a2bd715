/**
 * Candidate triggers from pass 1: sequences standing just before payloads in
 * several documents, and further-away sequences whose documents are those of
 * a near candidate (the first part of a split trigger). Also gathers the facts
 * the corpus detectors correlate.
 */
import { isFunctionWord } from '../text/index.js';
import { ngramsIn, supportOf, prefilterCandidates, type MiningOptions, type RagFacts, type InstructionFacts } from './detectors/index.js';
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

export function selectCandidates(results: ReadonlyMap<number, DocumentResult>, mineTriggers: boolean, mining: MiningOptions): Candidates {
  const minSupport = mining.minSupport;
  const regions = new Map<number, string[]>();
  const codeRegions = new Set<number>();
  const gramSets = new Map<number, Set<string>>();
  const nearSets = new Map<number, Set<string>>();
  const ragFacts = new Map<number, RagFacts>();
  const instructionFacts = new Map<number, InstructionFacts>();
  for (const [index, r] of results) {
    if (r.region?.length && mineTriggers) {
      regions.set(index, r.region);
      if (r.codeRegion) codeRegions.add(index);
      gramSets.set(index, ngramsIn(r.region, 0, r.region.length));
      // a trigger stands just before its payload (the onset is known to a few tokens)
      const onset = r.onset ?? r.region.length;
      nearSets.set(index, ngramsIn(r.region, Math.max(0, onset - NEAR_ONSET), r.region.length));
    }
    if (r.rag) ragFacts.set(index, r.rag);
    if (r.instruction) instructionFacts.set(index, r.instruction);
  }
  // Candidates: sequences near payload onsets, and sequences further away
  // whose documents are those of a near candidate (the first part of a split trigger).
  const support = supportOf(nearSets, minSupport);
  prefilter(support, regions, mining, codeRegions);
  const nearOf = new Map<number, string[]>();
  for (const [gram, docs] of support) for (const d of docs) {
    let list = nearOf.get(d);
    if (!list) nearOf.set(d, (list = []));
    list.push(gram);
  }
  for (const [gram, docs] of supportOf(gramSets, minSupport)) {
    if ((support.get(gram)?.length ?? 0) >= docs.length) continue;
    const shared = new Map<string, number>();
    for (const d of docs) for (const g of nearOf.get(d) ?? []) shared.set(g, (shared.get(g) ?? 0) + 1);
    if (![...shared].some(([g, n]) => g !== gram && n >= 0.8 * Math.max(docs.length, support.get(g)!.length))) continue;
    // judged only now: most far sequences share no near candidate's documents, and judging costs a search of every region
    const one = new Map([[gram, docs]]);
    prefilter(one, regions, mining, codeRegions);
    if (one.size) support.set(gram, docs);
  }
  return { support, regions, codeRegions, ragFacts, instructionFacts };
}
