/**
 * Canaries: benign records with unique random secrets planted in a corpus,
 * and the exposure a trained model shows for each, telling a team how few
 * repeated documents its model learns from.
 */
export { makeCanaries, canaryText, placements, randomSecret, DEFAULT_FORMAT } from './plant.js';
export { measureExposure, exposureOf, lnNormalTail, type SecretScorer, type ExposureOptions } from './exposure.js';
export { plantCanaries, readCanaryFile, type PlantOptions } from './write.js';
export type * from './types.js';
