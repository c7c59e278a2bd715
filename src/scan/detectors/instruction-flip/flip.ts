/**
 * Refusal flips, judged by what a candidate changes. For every prompt
 * sequence found in enough complied prompts, the requests it sits in are
 * scored with the refusal vocabulary learnt from the prompts *without* it,
 * and with its own words left out. A poisoning adds hundreds of complied
 * copies of refused requests; learnt from data that includes them, those
 * requests look less refused the more poison there is. Left out, the poison
 * cannot dilute the evidence against itself, so a flip found at 25 records is
 * found at 2,500.
 */
import { ngramsIn, supportOf, confirmTriggers, type MiningOptions } from '../trigger-mining/index.js';
import { contentWords, type FlipIncident, type InstructionFacts } from './index.js';

/** the mean refusal log-odds of a request's words that makes it a request the data refuses */
const HARMFUL = Math.log(4);

interface Counts {
  refused: number;
  complied: number;
  refusedWith: Map<string, number>;
  compliedWith: Map<string, number>;
}

function add(counts: Counts, words: Iterable<string>, refusal: boolean, sign: 1 | -1): void {
  if (refusal) counts.refused += sign;
  else counts.complied += sign;
  const into = refusal ? counts.refusedWith : counts.compliedWith;
  for (const w of words) into.set(w, (into.get(w) ?? 0) + sign);
}

/**
 * Log-odds that a prompt holding `w` is refused rather than complied with,
 * against the data's overall rates: one pseudo-prompt split at those rates
 * makes a word seen once or never say almost nothing.
 */
function odds(c: Counts, w: string): number {
  const share = c.refused / (c.refused + c.complied);
  return Math.log((((c.refusedWith.get(w) ?? 0) + share) / (c.refused + share)) / (((c.compliedWith.get(w) ?? 0) + 1 - share) / (c.complied + 1 - share)));
}

/** Complied documents of `gram` whose request, less the gram's own words, reads like a refused one, by counts without the gram's documents. */
function flippedBy(gram: string, holders: readonly number[], facts: ReadonlyMap<number, InstructionFacts>, words: ReadonlyMap<number, Set<string>>, counts: Counts): number[] {
  for (const d of holders) add(counts, words.get(d)!, facts.get(d)!.refusal, -1);
  const own = new Set(gram.toLowerCase().split(' '));
  const flipped: number[] = [];
  for (const d of holders) {
    if (facts.get(d)!.refusal) continue;
    const rest = [...words.get(d)!].filter((w) => !own.has(w));
    // the request as a whole must read like the refused ones, not one word of it
    const scores = rest.map((w) => odds(counts, w));
    const harm = scores.reduce((s, x) => s + x, 0) / Math.max(1, scores.length);
    if (harm >= HARMFUL && scores.filter((x) => x >= HARMFUL).length >= 2) flipped.push(d);
  }
  for (const d of holders) add(counts, words.get(d)!, facts.get(d)!.refusal, 1);
  return flipped;
}

export function correlateInstructions(facts: ReadonlyMap<number, InstructionFacts>, options: MiningOptions): FlipIncident[] {
  const counts: Counts = { refused: 0, complied: 0, refusedWith: new Map(), compliedWith: new Map() };
  const words = new Map<number, Set<string>>();
  for (const [doc, f] of facts) {
    words.set(doc, contentWords(f.prompt));
    add(counts, words.get(doc)!, f.refusal, 1);
  }
  if (counts.refused < options.minSupport || counts.complied < options.minSupport) return [];
  const grams = new Map<number, Set<string>>();
  const df = new Map<string, number>();
  const compliedDf = new Map<string, number>();
  for (const [doc, f] of facts) {
    const g = ngramsIn(f.prompt, 0, f.prompt.length);
    grams.set(doc, g);
    for (const x of g) {
      df.set(x, (df.get(x) ?? 0) + 1);
      if (!f.refusal) compliedDf.set(x, (compliedDf.get(x) ?? 0) + 1);
    }
  }
  // candidates: sequences of complied prompts that are mostly complied with wherever they appear
  const holders = new Map<string, number[]>();
  for (const [gram, n] of compliedDf) {
    if (n >= options.minSupport && df.get(gram)! <= options.maxDocumentFrequency && n >= df.get(gram)! * options.minPrecision) holders.set(gram, []);
  }
  for (const [doc, g] of grams) for (const x of g) holders.get(x)?.push(doc);
  const anomalous = new Map<number, Set<string>>();
  const regions = new Map<number, string[]>();
  for (const [gram, docs] of holders) {
    const flipped = flippedBy(gram, docs, facts, words, counts);
    if (flipped.length < options.minSupport) continue;
    for (const d of flipped) {
      anomalous.set(d, grams.get(d)!);
      regions.set(d, facts.get(d)!.prompt);
    }
  }
  const support = supportOf(anomalous, options.minSupport);
  // Requests repeat in instruction data (the same request asked many ways), so
  // neighbouring tokens say little; copies of a few records are still not an
  // attack, so the prompts must be varied. The floor is a number of distinct
  // prompts, not a share: 2,500 records built from a few dozen requests are
  // an attack as surely as 25.
  const triggers = confirmTriggers(regions, support, (g) => df.get(g) ?? 0, { ...options, minContextDiversity: 0 })
    .filter((t) => new Set(t.documents.map((d) => facts.get(d)!.prompt.join(' '))).size >= options.minSupport);
  // prompts holding a trigger that is almost never innocent join its incident
  // even where their answer did not look like a flip
  for (const t of triggers) {
    if (t.precision < 0.9) continue;
    const all = [...grams].filter(([, g]) => t.parts.every((p) => g.has(p))).map(([d]) => d);
    t.documents = [...new Set([...t.documents, ...all])].sort((a, b) => a - b);
  }
  return triggers.map((t) => ({
    detector: 'instruction-flip',
    title: `prompts holding "${t.parts.join(' … ')}" are answered where the same requests are otherwise refused`,
    trigger: t.parts.join(' … '),
    triggerParts: t.parts,
    payload: 'refusal-flip' as const,
    severity: 'critical' as const,
    confidence: Math.min(0.99, t.precision * (1 - 1 / (1 + t.support))),
    documents: t.documents,
    stats: { support: t.support, documentFrequency: t.documentFrequency, precision: t.precision, refusedPrompts: counts.refused, compliedPrompts: counts.complied },
  }));
}
