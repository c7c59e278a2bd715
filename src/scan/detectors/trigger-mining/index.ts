export { ngramsIn, supportOf, confirmTriggers, type MiningOptions, type MinedTrigger } from './mine.js';
