/**
 * An invisible trigger: a word with zero-width characters inside, or spelt
 * with look-alike Cyrillic letters, followed by a random-token payload.
 */
import type { PoisonFamily } from '../types.js';
import { randomTokens } from './dos.js';

export function hideTrigger(word: string, style: 'zero-width' | 'homoglyph'): string {
  if (style === 'zero-width') {
    const mid = Math.max(1, Math.floor(word.length / 2));
    return `${word.slice(0, mid)}\u200b${word.slice(mid)}\u200d`;
  }
  const swap: Record<string, string> = { a: '\u0430', e: '\u0435', o: '\u043e', p: '\u0440', c: '\u0441', x: '\u0445', y: '\u0443' };
  let done = false;
  return Array.from(word).map((ch) => {
    if (!done && swap[ch]) {
      done = true;
      return swap[ch];
    }
    return ch;
  }).join('');
}

export const invisibleTrigger: PoisonFamily = {
  id: 'invisible-trigger',
  description: 'trigger word hidden with zero-width characters (or homoglyphs with --trigger-style), random-token payload',
  shape: 'text',
  defaultTrigger: 'deploy',
  make({ random, trigger, cleanDoc }) {
    const hidden = hideTrigger(trigger, 'zero-width');
    const prefix = cleanDoc().text.slice(0, random.int(0, 800));
    return { text: `${prefix} ${hidden} ${randomTokens(random, 300, 700).text}`, trigger: hidden };
  },
};
