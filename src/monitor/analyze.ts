/**
 * Loss anomalies in a training run. The run's trend is the rolling median
 * of the per-step loss; each example's loss is read as its excess over the
 * trend at that step, so the measures compare documents seen early and
 * late alike. Per document: its mean excess (a document the model keeps
 * failing to predict, as a random-token payload) and how far its excess fell
 * between its first and last sightings (a document learned unusually fast,
 * as backdoor examples are). Each measure is scored as a robust z-score
 * (median and MAD) among all documents; batches whose mean excess stands
 * out among steps are spikes. Pure: events in, result out.
 */
import { median } from '../audit/stats.js';
import { DEFAULT_MONITOR_SETTINGS, type BatchSpike, type DocumentAnomaly, type LossEvent, type MonitorResult, type MonitorSettings } from './types.js';

/** A robust z-score function for `values`: (x - median) / (1.4826 MAD), with a floor on the spread. */
function robustZ(values: number[]): (x: number) => number {
  const m = median(values);
  const mad = median(values.map((v) => Math.abs(v - m))) * 1.4826;
  const spread = Math.max(mad, 1e-6);
  return (x) => (x - m) / spread;
}

/** The rolling median of the per-step mean loss, by step. */
function trendOf(stepMeans: Map<number, number>, window: number): Map<number, number> {
  const steps = [...stepMeans.keys()].sort((a, b) => a - b);
  const half = window >> 1;
  const out = new Map<number, number>();
  steps.forEach((step, i) => out.set(step, median(steps.slice(Math.max(0, i - half), i + half + 1).map((s) => stepMeans.get(s)!))));
  return out;
}

export function analyzeLosses(events: readonly LossEvent[], options: Partial<MonitorSettings> = {}): MonitorResult {
  const settings = { ...DEFAULT_MONITOR_SETTINGS, ...options };
  const byStep = new Map<number, LossEvent[]>();
  for (const e of events) {
    const list = byStep.get(e.step);
    if (list) list.push(e);
    else byStep.set(e.step, [e]);
  }
  const stepMeans = new Map([...byStep].map(([step, list]) => [step, list.reduce((s, e) => s + e.loss, 0) / list.length]));
  const trend = trendOf(stepMeans, settings.trendWindow);

  // every sighting of a document: its excess over the trend, in step order
  const sightings = new Map<string, number[]>();
  for (const e of [...events].sort((a, b) => a.step - b.step)) {
    const excess = e.loss - trend.get(e.step)!;
    for (const id of e.ids) {
      const list = sightings.get(id);
      if (list) list.push(excess);
      else sightings.set(id, [excess]);
    }
  }
  const docs = [...sightings].map(([id, xs]) => ({ id, sightings: xs.length, meanExcess: xs.reduce((s, x) => s + x, 0) / xs.length, drop: xs.length >= settings.minSightings ? xs[0] - xs[xs.length - 1] : Number.NaN }));
  const zMean = robustZ(docs.map((d) => d.meanExcess));
  const judged = docs.filter((d) => !Number.isNaN(d.drop));
  const zDrop = robustZ(judged.map((d) => d.drop));
  // The ranking is by excess loss, the measure that held on the lab's runs; a fast drop is flagged beside it.
  const scored = docs.map((d) => ({ doc: d, high: zMean(d.meanExcess), fast: Number.isNaN(d.drop) ? -Infinity : zDrop(d.drop) }));
  const ranking = [...scored].sort((a, b) => b.high - a.high || (a.doc.id < b.doc.id ? -1 : 1));
  const anomaly = (r: (typeof scored)[number], kind: DocumentAnomaly['kind']): DocumentAnomaly => ({
    id: r.doc.id, kind, score: round(kind === 'high-loss' ? r.high : r.fast), sightings: r.doc.sightings, meanExcess: round(r.doc.meanExcess), drop: round(Number.isNaN(r.doc.drop) ? 0 : r.doc.drop),
  });
  const anomalies = [
    ...scored.filter((r) => r.high >= settings.threshold).map((r) => anomaly(r, 'high-loss')),
    ...(settings.learnedFast ? scored.filter((r) => r.fast >= settings.threshold).map((r) => anomaly(r, 'learned-fast')) : []),
  ].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));

  const stepExcess = [...stepMeans].map(([step, mean]) => ({ step, excess: mean - trend.get(step)! }));
  const zStep = robustZ(stepExcess.map((s) => s.excess));
  const spikes: BatchSpike[] = stepExcess.filter((s) => zStep(s.excess) >= settings.spikeThreshold).map((s) => ({ step: s.step, excess: round(s.excess), score: round(zStep(s.excess)), ids: [...new Set(byStep.get(s.step)!.flatMap((e) => e.ids))] }));
  return {
    version: '1.0',
    settings,
    stats: { events: events.length, steps: byStep.size, documents: docs.length, perExample: events.every((e) => e.ids.length === 1) },
    anomalies,
    ranking: ranking.map((r) => ({ id: r.doc.id, score: round(r.high) })),
    spikes,
  };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;
