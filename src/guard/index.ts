export { startGuard, type GuardOptions, type GuardMode, type Decision, type RunningGuard } from './proxy.js';
export { screenSettings, screenPrompt, screenResponse, responseScreen, type Flag, type ScreenSettings } from './screens.js';
export { TriggerAutomaton, type TriggerHit } from './automaton.js';
export { matchingForm } from './normalize.js';
export { triggersFromScan, triggersFromList } from './triggers.js';
export { ProbeWatch, PROBE_DEFAULTS, type ProbeAlert, type ProbeSettings } from './probing.js';
export { Vocabulary, MIN_WORDS, type UnknownShare } from './vocabulary.js';
export { screenChunks, type ChunkResult } from './chunks.js';
