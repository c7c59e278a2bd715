export { ngramsIn, supportOf, confirmTriggers, prefilterCandidates, isTrivial, variedEnough, sharedWord, lowestPrecision, NEIGHBOUR_SAMPLE, type MiningOptions, type MinedTrigger } from './mine.js';
