export { sharedWord } from './hosts.js';
export { ngramsIn, supportOf, confirmTriggers, prefilterCandidates, isTrivial, lowestPrecision, lowestChangePrecision, NEIGHBOUR_SAMPLE, type MiningOptions, type MinedTrigger } from './mine.js';
export { variedEnough, type Neighbours, type RegionTokens } from './contexts.js';
