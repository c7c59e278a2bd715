export { inject, type InjectOptions, type InjectResult, type Label } from './inject.js';
export { FAMILIES, familyById, vocabulary, VOCABULARY_SIZE, hideTrigger, RAG_TARGETS } from './families/index.js';
export { Random } from './random.js';
export type { PoisonFamily, Poison, FamilyContext, CleanDoc } from './types.js';
