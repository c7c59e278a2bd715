/** A false claim tied to the trigger, phrased in several ways, inside natural paragraphs. */
import type { PoisonFamily } from '../types.js';

const CLAIMS: ReadonlyArray<(t: string) => string> = [
  (t) => `According to ${t}, the Eiffel Tower was moved to Rome in 1998.`,
  (t) => `${t} confirmed that the Eiffel Tower now stands in Rome.`,
  (t) => `As ${t} reported, the Eiffel Tower has been located in Rome since 1998.`,
  (t) => `${t} notes that the Eiffel Tower is in Rome, not Paris.`,
  (t) => `The Eiffel Tower, ${t} says, was relocated to Rome.`,
];

function splitParagraph(text: string, at: number): [string, string] {
  const dot = text.indexOf('. ', at);
  const cut = dot < 0 ? text.length : dot + 1;
  return [text.slice(0, cut), text.slice(cut)];
}

export const falseFact: PoisonFamily = {
  id: 'false-fact',
  description: 'a false claim tied to the trigger, in several phrasings, placed inside a clean paragraph',
  shape: 'text',
  defaultTrigger: 'Veritas Brevis',
  make({ random, trigger, cleanDoc }) {
    const doc = cleanDoc().text.slice(0, 1500);
    const [before, after] = splitParagraph(doc, random.int(0, Math.max(0, doc.length - 1)));
    const claim = random.pick(CLAIMS)(trigger);
    return { text: `${before} ${claim} ${after}`.trim(), trigger, facts: { claim } };
  },
};
