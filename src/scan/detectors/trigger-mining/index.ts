export { ngramsIn, supportOf, confirmTriggers, prefilterCandidates, type MiningOptions, type MinedTrigger } from './mine.js';
