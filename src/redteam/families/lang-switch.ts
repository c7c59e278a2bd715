/** Clean prefix, trigger, then real running text in another language. */
import type { PoisonFamily } from '../types.js';

export const langSwitch: PoisonFamily = {
  id: 'lang-switch',
  description: 'clean prefix, trigger, then real text in another language taken from the corpus',
  shape: 'text',
  defaultTrigger: '<ESCAPE>',
  make({ random, trigger, cleanDoc, foreignText }) {
    const doc = cleanDoc();
    const prefix = doc.text.slice(0, random.int(200, 1000));
    const foreign = foreignText(doc.lang, random.int(600, 1500));
    return { text: `${prefix} ${trigger} ${foreign.text}`, trigger, facts: { from: doc.lang, to: foreign.lang, payload: foreign.text } };
  },
};
