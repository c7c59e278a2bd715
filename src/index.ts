/** Antidote's library API. The CLI is a thin layer over these functions. */
export * from './scan/index.js';
export * from './redteam/index.js';
export { expandInputs, readCorpus, READERS, type CorpusRecord, type InputSource, type ReadOptions, type Reader } from './corpus/index.js';
export { tokenize, guessLanguage } from './text/index.js';
export { loadConfig, validateConfig, type Config, type ScanConfig } from './config/index.js';
export { AntidoteError, isAntidoteError, type ErrorCode, type Place } from './errors/index.js';
export * as ledger from './ledger/index.js';
export * from './audit/index.js';
export * as guard from './guard/index.js';
export * as review from './review/index.js';
export * as governance from './governance/index.js';
