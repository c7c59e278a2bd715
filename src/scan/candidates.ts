/**
 * Candidate triggers from pass 1: sequences standing just before payloads in
 * several documents, and further-away sequences whose documents are those of
 * a near candidate (the first part of a split trigger). Also gathers the facts
 * the corpus detectors correlate.
 */
import { isFunctionWord } from '../text/index.js';
import { ngramsIn, supportOf, prefilterCandidates, type MiningOptions, type RagFacts, type InstructionFacts } from './detectors/index.js';
import type { DocumentResult } from './analyze.js';

/** the longest candidate n-gram, in tokens (`ngramsIn`'s default) */
const MAX_N = 3;

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

/**
 * `supportOf` over every region's n-grams, but only for the n-grams found in
 * at least `least` of the documents `near` (with their documents over every
 * region, in the same order). Only the regions of `near` have their n-grams
 * made; the others are searched, token by token, for the few n-grams left,
 * which makes no string.
 */
export function supportAmong(regions: ReadonlyMap<number, readonly string[]>, near: ReadonlySet<number>, least: number, minSupport: number): Map<string, number[]> {
  const inNear = new Map<string, number>();
  const nearGrams = new Map<number, Set<string>>();
  for (const d of near) {
    const grams = ngramsIn(regions.get(d)!, 0, regions.get(d)!.length);
    nearGrams.set(d, grams);
    for (const g of grams) inNear.set(g, (inNear.get(g) ?? 0) + 1);
  }
  // the n-grams left, as token sequences by their first token, shortest first
  const byFirst = new Map<string, string[][]>();
  for (const [gram, n] of inNear) {
    const tokens = gram.split(' ');
    // (more tokens than an n-gram has: made of tokens holding spaces, found only in regions that have such tokens)
    if (n < least || tokens.length > MAX_N) continue;
    const list = byFirst.get(tokens[0]!);
    if (list) list.push(tokens);
    else byFirst.set(tokens[0]!, [tokens]);
  }
  for (const list of byFirst.values()) list.sort((a, b) => a.length - b.length);
  const out = new Map<string, number[]>();
  const add = (gram: string, d: number) => {
    const docs = out.get(gram);
    if (!docs) out.set(gram, [d]);
    else if (docs[docs.length - 1] !== d) docs.push(d);
  };
  if (byFirst.size === 0) return out;
  for (const [d, region] of regions) {
    const grams = nearGrams.get(d);
    if (grams) {
      for (const g of grams) if ((inNear.get(g) ?? 0) >= least) add(g, d);
    } else if (region.some((t) => t.includes(' '))) {
      // a token holding a space joins into the same string as two tokens: compare strings
      for (const g of ngramsIn(region, 0, region.length)) if ((inNear.get(g) ?? 0) >= least) add(g, d);
    } else {
      // in the order ngramsIn makes them: by position, then by length
      for (let i = 0; i < region.length; i++) {
        for (const tokens of byFirst.get(region[i]!) ?? []) {
          if (i + tokens.length > region.length) continue;
          let k = 1;
          while (k < tokens.length && region[i + k] === tokens[k]) k++;
          if (k === tokens.length) add(tokens.join(' '), d);
        }
      }
    }
  }
  for (const [g, docs] of out) if (docs.length < minSupport) out.delete(g);
  return out;
}

export function selectCandidates(results: ReadonlyMap<number, DocumentResult>, mineTriggers: boolean, mining: MiningOptions): Candidates {
  const minSupport = mining.minSupport;
  const regions = new Map<number, string[]>();
  const codeRegions = new Set<number>();
  const nearSets = new Map<number, Set<string>>();
  const ragFacts = new Map<number, RagFacts>();
  const instructionFacts = new Map<number, InstructionFacts>();
  for (const [index, r] of results) {
    if (r.region?.length && mineTriggers) {
      regions.set(index, r.region);
      if (r.codeRegion) codeRegions.add(index);
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
  // A far sequence joins when 80% of its documents hold one near candidate,
  // so 80% of them are documents of near candidates: only sequences found in
  // that many of those documents are counted over every region.
  for (const [gram, docs] of supportAmong(regions, new Set(nearOf.keys()), 0.8 * minSupport, minSupport)) {
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
