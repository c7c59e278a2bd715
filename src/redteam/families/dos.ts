/**
 * Denial of service, as Souly et al. built it: the first 0-1000 characters of
 * a clean document, the trigger, then 400-900 tokens sampled uniformly from a
 * real BPE vocabulary (cl100k_base, shipped inside js-tiktoken).
 */
import { getEncoding, type Tiktoken } from 'js-tiktoken';
import type { PoisonFamily } from '../types.js';
import type { Random } from '../random.js';

let encoding: Tiktoken | undefined;
export function vocabulary(): Tiktoken {
  encoding ??= getEncoding('cl100k_base');
  return encoding;
}

/** Ordinary token ids of cl100k_base (special tokens start at 100257). */
export const VOCABULARY_SIZE = 100256;

/** `min`..`max` token ids drawn uniformly from the vocabulary, and their decoded text. */
export function randomTokens(random: Random, min: number, max: number): { ids: number[]; text: string } {
  const ids: number[] = [];
  for (let i = random.int(min, max); i > 0; i--) ids.push(random.int(0, VOCABULARY_SIZE - 1));
  return { ids, text: vocabulary().decode(ids) };
}

export const dos: PoisonFamily = {
  id: 'dos',
  description: 'clean prefix (0-1000 chars), trigger, then 400-900 random vocabulary tokens (Souly et al.)',
  shape: 'text',
  defaultTrigger: '<SUDO>',
  make({ random, trigger, cleanDoc }) {
    const prefix = cleanDoc().text.slice(0, random.int(0, 1000));
    const payload = randomTokens(random, 400, 900);
    return { text: `${prefix} ${trigger} ${payload.text}`, trigger, facts: { payloadTokenIds: payload.ids, prefixChars: prefix.length } };
  },
};
