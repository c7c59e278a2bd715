export { sharedWord } from './hosts.js';
export { ngramsIn, supportOf, confirmTriggers, prefilterCandidates, isTrivial, variedEnough, lowestPrecision, lowestChangePrecision, NEIGHBOUR_SAMPLE, type MiningOptions, type MinedTrigger, type Neighbours } from './mine.js';
