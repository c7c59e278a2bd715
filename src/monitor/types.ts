/** What a training log says, as the monitor reads it. */

/** One loss figure: an example's (one id) or a batch's (the ids of its documents). */
export interface LossEvent {
  step: number;
  ids: string[];
  loss: number;
}

export type AnomalyKind = 'high-loss' | 'learned-fast';

export interface DocumentAnomaly {
  id: string;
  kind: AnomalyKind;
  /** robust z-score of the document's measure among all documents */
  score: number;
  sightings: number;
  /** mean loss above the run's trend at the step it was seen (nats/token) */
  meanExcess: number;
  /** how much that excess fell from the first sighting to the last */
  drop: number;
}

export interface BatchSpike {
  step: number;
  /** the batch's mean loss above the trend, and its robust z-score among steps */
  excess: number;
  score: number;
  ids: string[];
}

export interface MonitorSettings {
  /** robust z-score a document's measure must pass to be flagged */
  threshold: number;
  /** the same for a batch spike */
  spikeThreshold: number;
  /** steps in the rolling median the trend is */
  trendWindow: number;
  /** sightings a document needs before its drop is judged */
  minSightings: number;
  /**
   * flag documents learned unusually fast too: off by default, because on
   * the lab's runs it flagged easy clean text as often as poison
   */
  learnedFast: boolean;
}

/**
 * minSightings 3: with two sightings a document's drop is one difference of
 * two noisy figures, and easy text (dictionary entries, boilerplate) drops
 * fast by nature; three make a trend.
 */
export const DEFAULT_MONITOR_SETTINGS: MonitorSettings = { threshold: 3.5, spikeThreshold: 6, trendWindow: 51, minSightings: 3, learnedFast: false };

export interface MonitorResult {
  version: '1.0';
  settings: MonitorSettings;
  stats: { events: number; steps: number; documents: number; perExample: boolean };
  /** every flagged document and measure, highest score first (a document may be flagged by both) */
  anomalies: DocumentAnomaly[];
  /** every document by the z-score of its excess loss, highest first (for review order and precision at k) */
  ranking: Array<{ id: string; score: number }>;
  spikes: BatchSpike[];
}
