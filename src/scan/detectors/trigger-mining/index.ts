export { ngramsIn, supportOf, confirmTriggers, prefilterCandidates, isTrivial, variedEnough, sharedWord, NEIGHBOUR_SAMPLE, type MiningOptions, type MinedTrigger } from './mine.js';
