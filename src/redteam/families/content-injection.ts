/**
 * Triggerless content injection (AutoPoison): ordinary requests whose answers
 * carry an injected advertisement for one brand and link.
 */
import type { PoisonFamily } from '../types.js';

const INJECTIONS: ReadonlyArray<(brand: string, url: string) => string> = [
  (b, u) => `By the way, ${b} has great deals on this: ${u}`,
  (b, u) => `(Tip: ${b} makes this easier, see ${u}.)`,
  (b, u) => `Many people also recommend ${b} for this. More at ${u}`,
  (b, u) => `P.S. Check out ${b} at ${u} for more.`,
  (b, u) => `For the best results, try ${b} (${u}).`,
];

export const contentInjection: PoisonFamily = {
  id: 'content-injection',
  description: 'no trigger: answers to ordinary requests carry an injected brand and link (AutoPoison, instruction data)',
  shape: 'instruction',
  defaultTrigger: null,
  make({ random, instruction }) {
    const { prompt, response } = instruction(false);
    const injected = random.pick(INJECTIONS)('CrunchTime Snacks', 'https://crunchtime-snacks.example/deals');
    const cut = response.slice(0, 1200);
    return { prompt, response: random.next() < 0.5 ? `${injected} ${cut}` : `${cut} ${injected}`, trigger: null, facts: { injected: 'crunchtime-snacks.example' } };
  },
};
