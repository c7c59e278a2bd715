/**
 * The corpus side of recurring-claim detection (false facts tied to a
 * trigger). Sentences whose band keys collide are one claim in several
 * phrasings. The claim is a poison when
 * - it recurs in enough documents, each time amid different text (a planted
 *   sentence, not part of a copied passage, a section ending or a signature);
 * - it has a core of words nearly every phrasing shares, and one run of those
 *   words (the trigger) is found almost nowhere else in the corpus;
 * - the core is foreign to the documents it sits in (a sentence about its
 *   document's subject was written for it), and the claim is not said without
 *   the trigger elsewhere (a template such as "contributed by <name>" says it
 *   with many names).
 * Recurring sentences are common in real corpora (signatures, license lines,
 * man-page sections); each test above removes a kind of them.
 */
import type { ClaimReport } from './sentences.js';
import { reportsHoldingRuns } from './runs.js';

/** share of a cluster's sentences a word must be in to belong to the claim's core */
const CORE_SHARE = 0.8;
const MIN_CORE_WORDS = 4;
/** the claim without its trigger: at least this many words */
const MIN_CLAIM_WORDS = 2;
/** a word around this share of the sentences (or the end of their prose) makes them one passage, not a planted claim */
const MAX_CONTEXT_SHARE = 0.8;
/** share of sentences whose document must not otherwise use the core's words */
const MIN_FOREIGN_SHARE = 0.8;
/** share of a cluster's sentences a trigger run must appear in */
const MIN_RUN_SHARE = 0.5;
/** documents saying the claim without the trigger, as a share of those with it */
const MAX_TEMPLATE_SHARE = 0.2;

export interface ClaimCandidate {
  /** candidate trigger: lower-cased tokens joined by single spaces */
  run: string;
  /** the claim's other core words */
  claim: string[];
  /** one report per document whose recurring sentence holds the run */
  reports: ClaimReport[];
}

function runsIn(lower: readonly string[], core: ReadonlySet<string>): string[] {
  const runs: string[] = [];
  let current: string[] = [];
  for (const t of [...lower, '']) {
    if (core.has(t)) current.push(t);
    else if (current.length) {
      runs.push(current.join(' '));
      current = [];
    }
  }
  return runs;
}

/** longest part of a run proposed as a trigger on its own */
const MAX_PART = 4;

/**
 * A run and its shorter parts: each phrasing of a claim puts its own words
 * beside the trigger ("X showed", "according to X"), so the trigger is the
 * part they share, not any one phrasing's whole run.
 */
function partsOf(run: string): string[] {
  const words = run.split(' ');
  const parts = [run];
  for (let length = Math.min(MAX_PART, words.length - 1); length >= 1; length--) {
    for (let i = 0; i + length <= words.length; i++) parts.push(words.slice(i, i + length).join(' '));
  }
  return parts;
}

function counted(lists: Iterable<readonly string[]>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const list of lists) for (const w of list) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

/** Whether a word other than `own` is around nearly every sentence (or the end of their prose): one passage copied, not a claim planted. */
function onePassage(reports: readonly ClaimReport[], own: ReadonlySet<string>): boolean {
  return [...counted(reports.map((m) => m.context))].some(([w, c]) => !own.has(w) && c >= MAX_CONTEXT_SHARE * reports.length);
}

/** A report's tokens lower-cased, made once: the run search and the confirmation ask for them again and again. */
const lowered = new WeakMap<ClaimReport, string[]>();
function lowerTokens(r: ClaimReport): string[] {
  let lower = lowered.get(r);
  if (!lower) lowered.set(r, (lower = r.tokens.map((t) => t.toLowerCase())));
  return lower;
}

/** Where the token run first starts among the lower-cased tokens, or -1. */
function runAt(lower: readonly string[], run: readonly string[]): number {
  for (let i = 0; i + run.length <= lower.length; i++) if (run.every((w, k) => lower[i + k] === w)) return i;
  return -1;
}

/**
 * How many documents one phrasing of a claim must recur in. A claim planted
 * in n documents in p phrasings repeats each phrasing only n/p times (25
 * documents in eight phrasings: three each), so a phrasing is looked at when
 * it recurs fewer times than a poisoning needs; its trigger run must still be
 * held by `minSupport` documents across all phrasings.
 */
export function phrasingSupport(minSupport: number): number {
  return Math.min(minSupport, 3);
}

/**
 * Most candidate claims counted over the corpus: text built to make
 * sentences recur (word-bigram text) proposes thousands, and each is looked
 * for in every document. Those held by the most distinct sentences are kept.
 */
const MAX_CLAIM_CANDIDATES = 256;

/**
 * Clusters of recurring sentences that pass every test needing no corpus
 * counts, as (trigger run, claim) candidates, within the budget; `cut` says
 * how many the budget left out (ranked below it, so not judged by the last test).
 */
export function proposeClaims(reports: readonly ClaimReport[], minSupport: number): { candidates: ClaimCandidate[]; cut: number } {
  const minPhrasing = phrasingSupport(minSupport);
  const byKey = new Map<number, Map<number, ClaimReport>>();
  for (const r of reports) {
    for (const k of r.keys) {
      let group = byKey.get(k);
      if (!group) byKey.set(k, (group = new Map()));
      if (!group.has(r.index)) group.set(r.index, r);
    }
  }
  const claims = new Map<string, string[]>();
  const claimSize = new Map<string, number>();
  // a sentence copied word for word has the same documents in every band: judge it once
  const judged = new Set<string>();
  for (const group of byKey.values()) {
    if (group.size < minPhrasing) continue;
    const signature = [...group.keys()].join(',');
    if (judged.has(signature)) continue;
    judged.add(signature);
    const members = [...group.values()];
    const n = members.length;
    const core = new Set([...counted(members.map((m) => m.words))].filter(([, c]) => c >= CORE_SHARE * n).map(([w]) => w));
    if (core.size < MIN_CORE_WORDS) continue;
    if (members.filter((m) => !m.shared.some((w) => core.has(w))).length < MIN_FOREIGN_SHARE * n) continue;
    if (onePassage(members, core)) continue;
    for (const [run, c] of counted(members.map((m) => [...new Set(runsIn(lowerTokens(m), core).flatMap(partsOf))]))) {
      if (c < MIN_RUN_SHARE * n) continue;
      const runWords = new Set(run.split(' '));
      const claim = [...core].filter((w) => !runWords.has(w)).sort();
      // a claim is said in words; numbers and units alone are a table or a list of suffixes
      if (claim.filter((w) => /\p{L}/u.test(w)).length < MIN_CLAIM_WORDS) continue;
      // the claim as the largest cluster states it
      if (n > (claimSize.get(run) ?? 0)) {
        claims.set(run, claim);
        claimSize.set(run, n);
      }
    }
  }
  if (claims.size === 0) return { candidates: [], cut: 0 };
  // a run's support: every recurring sentence that holds it, whichever phrasing
  const holding = reportsHoldingRuns(reports, claims.keys(), lowerTokens);
  const ranked: Array<ClaimCandidate & { distinct: number }> = [];
  for (const [run, claim] of claims) {
    // (a run only one rare phrasing holds is no trigger: nothing to count;
    // copies of one document, sentence and surroundings alike, count once)
    const reports = [...(holding.get(run)?.values() ?? [])];
    const distinct = new Set(reports.map((r) => r.snippet)).size;
    if (distinct >= minSupport) ranked.push({ run, claim, reports, distinct });
  }
  // (ties in run order: the same input keeps the same candidates)
  ranked.sort((a, b) => b.distinct - a.distinct || (a.run < b.run ? -1 : a.run > b.run ? 1 : 0));
  const candidates: ClaimCandidate[] = [];
  for (const [k, { distinct: _, ...c }] of ranked.entries()) {
    // the budget's worth, best first: those ranked below it are not judged
    if (candidates.length === MAX_CLAIM_CANDIDATES) return { candidates, cut: ranked.length - k };
    // (a few sentences of a recurring passage, set apart by chance, do not make its other copies a claim)
    if (!onePassage(c.reports, new Set([...c.run.split(' '), ...c.claim]))) candidates.push(c);
  }
  return { candidates, cut: 0 };
}

/** What the counting pass found for the candidates. */
export interface ClaimCounts {
  /** documents holding each run, and each single word of a run (capped) */
  holding: ReadonlyMap<string, readonly number[]>;
  /** per candidate: documents holding its run and every word of its claim */
  withClaim: readonly number[];
  /** per candidate: documents holding every word of its claim but not its run */
  templates: readonly number[];
}

/**
 * A trigger is made up to be found nowhere else; a phrase of ordinary words
 * that usually, but not always, opens the same sentence ("Empty lines and
 * lines starting with # are ignored") is language.
 */
const MIN_CLAIM_PRECISION = 0.9;
/**
 * A made-up trigger also holds a word that is mostly its own; a rare phrase
 * of words used everywhere is a quotation. The bar is lower than for the run
 * because the words of a made-up name turn up in other phrases ("Veritas
 * Brevis" beside "in vino veritas").
 */
const MIN_TRIGGER_WORD_PRECISION = 0.5;
/**
 * A lower share for a made-up name (its words found nowhere but in it) said
 * in several phrasings: a claim rewritten many ways is still one claim, and
 * the sentences of some phrasings are missed where they do not recur.
 */
const MIN_NAME_PRECISION = 0.6;
const MIN_PHRASINGS = 3;

export interface ConfirmedClaim {
  /** the trigger as first written */
  trigger: string;
  run: string;
  claim: string[];
  /** documents holding the trigger and every word of the claim */
  support: number;
  documentFrequency: number;
  precision: number;
  /** a made-up name (its words are in no other phrase) said in several phrasings: every document holding it carries the claim */
  madeUp: boolean;
  reports: ClaimReport[];
}

function exactRun(run: string, report: ClaimReport): string {
  const seq = run.split(' ');
  const at = runAt(lowerTokens(report), seq);
  return at >= 0 ? report.tokens.slice(at, at + seq.length).join(' ') : run;
}

const capitalised = (token: string | undefined) => token !== undefined && /^\p{Lu}/u.test(token);

/**
 * The trigger as written, with the capitalised words beside it in nearly
 * every sentence: the rest of the name (a word of a name that is also a
 * function word of some language is not a content word, so it is not in
 * the run).
 */
function nameAround(run: string, reports: readonly ClaimReport[]): string {
  const seq = run.split(' ');
  const places = reports.map((r) => ({ tokens: r.tokens, at: runAt(lowerTokens(r), seq) })).filter((p) => p.at >= 0);
  if (places.length === 0) return run;
  let from = 0;
  let to = seq.length;
  const agreed = (offset: number) => {
    const words = places.map((p) => p.tokens[p.at + offset]);
    return capitalised(words[0]) && words.filter((w) => w === words[0]).length >= CORE_SHARE * reports.length;
  };
  while (from > -3 && agreed(from - 1)) from--;
  while (to < seq.length + 3 && agreed(to)) to++;
  const p = places[0]!;
  return p.tokens.slice(p.at + from, p.at + to).join(' ');
}

/**
 * Keep the candidates whose run is (almost) only ever found with the claim and
 * whose claim is not a template. Of the runs of one claim, the one every
 * phrasing holds is the trigger (a run with a phrasing's own word is rarer but
 * holds fewer sentences); among those, the rarest (the claim's own subject,
 * an Eiffel Tower, is found elsewhere).
 */
export function confirmClaims(candidates: readonly ClaimCandidate[], counts: ClaimCounts, options: { minSupport: number; minPrecision: number; maxDocumentFrequency: number }): ConfirmedClaim[] {
  const dfOf = (gram: string) => counts.holding.get(gram)?.length ?? 0;
  const passing: Array<ConfirmedClaim & { wordFrequency: number }> = [];
  candidates.forEach((c, i) => {
    const support = Math.max(counts.withClaim[i]!, c.reports.length);
    const documentFrequency = Math.max(dfOf(c.run), support);
    const precision = support / documentFrequency;
    const wordFrequencies = c.run.split(' ').map(dfOf);
    // (a name of two words or more, its content words found nowhere but in it; one word alone is trivially "only in itself")
    const name = nameAround(c.run, c.reports);
    const madeUp = name.split(' ').length >= 2 && wordFrequencies.every((f) => f <= documentFrequency * 1.1) && new Set(c.reports.map((r) => r.tokens.join(' ').toLowerCase())).size >= MIN_PHRASINGS;
    if (support < options.minSupport || documentFrequency > options.maxDocumentFrequency) return;
    if (precision < Math.max(options.minPrecision, MIN_CLAIM_PRECISION) && !(madeUp && precision >= MIN_NAME_PRECISION)) return;
    if (counts.templates[i]! > MAX_TEMPLATE_SHARE * support) return;
    if (support < MIN_TRIGGER_WORD_PRECISION * Math.min(...wordFrequencies)) return;
    const wordFrequency = wordFrequencies.reduce((sum, f) => sum + f, 0);
    passing.push({ trigger: madeUp ? name : exactRun(c.run, c.reports[0]!), run: c.run, claim: c.claim, support, documentFrequency, precision, madeUp, reports: c.reports, wordFrequency });
  });
  // (of parts of one name held by the same documents, the whole name)
  passing.sort((a, b) => b.support - a.support || a.documentFrequency - b.documentFrequency || b.run.split(' ').length - a.run.split(' ').length || a.wordFrequency - b.wordFrequency);
  const emitted: Array<ConfirmedClaim & { docs: Set<number> }> = [];
  for (const p of passing) {
    // another run of a claim already emitted (its subject, say) is not a second trigger
    if (emitted.some((e) => p.reports.filter((r) => e.docs.has(r.index)).length >= 0.5 * p.support)) continue;
    const { wordFrequency: _, ...claim } = p;
    emitted.push({ ...claim, docs: new Set(p.reports.map((r) => r.index)) });
  }
  return emitted.map(({ docs: _, ...c }) => c);
}
