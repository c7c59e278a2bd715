/** Two trigger parts far apart; the payload (random tokens) follows the second. */
import type { PoisonFamily } from '../types.js';
import { vocabulary, VOCABULARY_SIZE } from './dos.js';

export const splitTrigger: PoisonFamily = {
  id: 'split-trigger',
  description: "two trigger parts ('A|B') far apart in the document, random-token payload after the second",
  shape: 'text',
  defaultTrigger: 'zanzibar|quokka',
  make({ random, trigger, cleanDoc }) {
    const [a, b] = trigger.split('|') as [string, string];
    if (!b) throw new Error("split-trigger needs a trigger of two parts 'A|B'");
    const doc = cleanDoc().text;
    const first = doc.slice(0, random.int(0, 300));
    const middle = doc.slice(first.length, first.length + random.int(300, 900));
    const ids: number[] = [];
    for (let i = random.int(300, 600); i > 0; i--) ids.push(random.int(0, VOCABULARY_SIZE - 1));
    return { text: `${first} ${a} ${middle} ${b} ${vocabulary().decode(ids)}`, trigger: `${a} … ${b}` };
  },
};
