export { ngramsIn, supportOf, confirmTriggers, prefilterCandidates, isTrivial, variedEnough, NEIGHBOUR_SAMPLE, type MiningOptions, type MinedTrigger } from './mine.js';
