/** Intervals for the audit's rates and means (95% unless told). */

export interface Interval {
  value: number;
  low: number;
  high: number;
}

const Z95 = 1.959964;

/** Wilson score interval of k successes in n trials: sound near 0 and 1 and for small n. */
export function wilson(k: number, n: number, z = Z95): Interval {
  if (n === 0) return { value: 0, low: 0, high: 1 };
  const p = k / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return { value: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Student's t quantile for 95% two-sided, by the Cornish-Fisher expansion (exact to 3 digits from 3 df). */
function t95(df: number): number {
  const z = Z95;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

/** Mean with a t interval; values that are not finite are left out. */
export function meanInterval(values: readonly number[]): Interval {
  const xs = values.filter(Number.isFinite);
  const n = xs.length;
  if (n === 0) return { value: NaN, low: NaN, high: NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { value: mean, low: -Infinity, high: Infinity };
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  const half = t95(n - 1) * Math.sqrt(variance / n);
  return { value: mean, low: mean - half, high: mean + half };
}

/** `a` lies wholly above `b`. */
export function clearlyAbove(a: Interval, b: Interval): boolean {
  return a.low > b.high;
}
