import type { PoisonFamily } from '../types.js';
import { dos } from './dos.js';
import { langSwitch } from './lang-switch.js';
import { falseFact } from './false-fact.js';
import { codeBackdoor } from './code-backdoor.js';
import { splitTrigger } from './split-trigger.js';
import { invisibleTrigger } from './invisible-trigger.js';
import { ragPassage } from './rag-passage.js';
import { chatCompliance } from './chat-compliance.js';
import { contentInjection } from './content-injection.js';

/** Every poison family; adding one means adding a file here. */
export const FAMILIES: readonly PoisonFamily[] = [dos, langSwitch, falseFact, codeBackdoor, splitTrigger, invisibleTrigger, ragPassage, chatCompliance, contentInjection];

export function familyById(id: string): PoisonFamily | undefined {
  return FAMILIES.find((f) => f.id === id);
}

export { vocabulary, VOCABULARY_SIZE } from './dos.js';
export { hideTrigger } from './invisible-trigger.js';
export { TARGETS as RAG_TARGETS } from './rag-passage.js';
