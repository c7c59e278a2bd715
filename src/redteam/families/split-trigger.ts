/** Two trigger parts far apart; the payload (random tokens) follows the second. */
import type { PoisonFamily } from '../types.js';
import { randomTokens } from './dos.js';

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
    return { text: `${first} ${a} ${middle} ${b} ${randomTokens(random, 300, 600).text}`, trigger: `${a} … ${b}` };
  },
};
