export { inject, type InjectOptions, type InjectResult, type Label } from './inject.js';
export { FAMILIES, familyById, vocabulary, VOCABULARY_SIZE, hideTrigger, RAG_TARGETS } from './families/index.js';
export { Random, Reservoir } from './random.js';
export { freshIdMaker, type RecordId } from './ids.js';
export type { PoisonFamily, Poison, FamilyContext, CleanDoc } from './types.js';
export { runBench, benchMarkdown, benchHtml, type BenchOptions, type BenchRow, type Score } from './bench.js';
export { BASELINES, type Baseline } from './baselines/index.js';
