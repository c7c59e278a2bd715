/**
 * Hardening: counter-example data that overwrites a found backdoor (SFT and
 * preference pairs), and the list of documents to drop before retraining.
 */
export { confirmedTriggers, noConfirmedTrigger } from './triggers.js';
export { buildCounterexamples, triggeredPrompt, type ExampleOptions } from './examples.js';
export { removalList, withProvenance } from './removal.js';
export { readFindings, readAuditReport, readPromptPairs, hashesOf, type PromptPairOptions } from './read.js';
export { writeHardenExport } from './write.js';
export type * from './types.js';
