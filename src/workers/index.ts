/** Worker threads shared by the scanner and the ledger. */
export { WorkerPool, type Unnumbered } from './pool.js';
