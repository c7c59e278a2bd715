/**
 * Exposure of planted canaries ("The Secret Sharer", Carlini et al., 2019):
 * how much likelier the model finds a canary's secret than random secrets of
 * the same format. The model is reached through a scoring function, so this
 * runs against any provider that reports prompt log-probabilities.
 */
import { median } from '../audit/index.js';
import { Random } from '../redteam/index.js';
import { randomSecret } from './plant.js';
import type { CanaryExposure, CanaryFile, CanaryReport } from './types.js';

/** Total log-probability of `secret` following `prefix` (natural log). */
export type SecretScorer = (prefix: string, secret: string) => Promise<number>;

/** ln of the upper tail of the standard normal, P(Z > z), accurate far into the tail (erfc with relative error below 1.2e-7, taken in log space). */
export function lnNormalTail(z: number): number {
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const lnErfc = Math.log(t) - x * x + poly;
  // erfc(-x) = 2 - erfc(x)
  return x >= 0 ? lnErfc + Math.log(0.5) : Math.log(1 - 0.5 * Math.exp(lnErfc));
}

export function exposureOf(canary: number, candidates: readonly number[], maxExposure: number): Pick<CanaryExposure, 'likelier' | 'rankExposure' | 'fittedExposure'> {
  const likelier = candidates.filter((c) => c > canary).length;
  const mean = candidates.reduce((a, b) => a + b, 0) / candidates.length;
  const sd = Math.sqrt(candidates.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, candidates.length - 1)) || 1e-9;
  const fitted = -lnNormalTail((canary - mean) / sd) / Math.LN2;
  const round = (v: number): number => Math.round(v * 100) / 100;
  return { likelier, rankExposure: round(-Math.log2((likelier + 1) / (candidates.length + 1))), fittedExposure: round(Math.min(maxExposure, Math.max(0, fitted))) };
}

export interface ExposureOptions {
  /** random secrets each canary is ranked against (default 1000) */
  candidates?: number;
  seed?: number;
}

export async function measureExposure(file: CanaryFile, score: SecretScorer, options: ExposureOptions = {}): Promise<CanaryReport> {
  const random = new Random(options.seed ?? 1);
  const count = options.candidates ?? 1000;
  const maxExposure = file.format.reduce((a, n) => a + n, 0) * Math.log2(10);
  const canaries: CanaryExposure[] = [];
  for (const canary of file.canaries) {
    const own = await score(canary.prefix, canary.secret);
    const others: number[] = [];
    for (let i = 0; i < count; i++) others.push(await score(canary.prefix, randomSecret(random, file.format)));
    canaries.push({ id: canary.id, copies: canary.copies, logprob: Math.round(own * 1000) / 1000, candidates: count, ...exposureOf(own, others, maxExposure), maxExposure: Math.round(maxExposure * 100) / 100 });
  }
  const copies = [...new Set(canaries.map((c) => c.copies))].sort((a, b) => a - b);
  return {
    canaries,
    byCopies: copies.map((n) => {
      const group = canaries.filter((c) => c.copies === n);
      return { copies: n, canaries: group.length, medianFittedExposure: median(group.map((c) => c.fittedExposure)), medianRankExposure: median(group.map((c) => c.rankExposure)) };
    }),
  };
}
