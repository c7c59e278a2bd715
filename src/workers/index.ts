/** Worker threads shared by the scanner and the ledger. */
export { WorkerPool, failureOf, type Unnumbered } from './pool.js';
export { packLines, unpackLines, type PackedLines } from './lines.js';
