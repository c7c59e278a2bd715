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

/** Student's t 0.975 quantiles for 1 to 30 degrees of freedom. */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** Student's t quantile for 95% two-sided: the table, then the Cornish-Fisher expansion (exact to 3 digits beyond 30 df). */
function t95(df: number): number {
  if (df <= T95.length) return T95[df - 1]!;
  const z = Z95;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

/** The arithmetic mean; undefined for no values. */
/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export function mean(xs: readonly number[]): number | undefined {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
}

/** Mean with a t interval; values that are not finite are left out. */
export function meanInterval(values: readonly number[]): Interval {
  const xs = values.filter(Number.isFinite);
  const n = xs.length;
  const m = mean(xs);
  if (m === undefined) return { value: NaN, low: NaN, high: NaN };
  if (n === 1) return { value: m, low: -Infinity, high: Infinity };
  const variance = xs.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1);
  const half = t95(n - 1) * Math.sqrt(variance / n);
  return { value: m, low: m - half, high: m + half };
}

/** A rate as a person reads it: `88% [72, 95]`. */
export function formatRate(i: Interval): string {
  return `${(i.value * 100).toFixed(0)}% [${(i.low * 100).toFixed(0)}, ${(i.high * 100).toFixed(0)}]`;
}

/** `a` lies wholly above `b`. */
export function clearlyAbove(a: Interval, b: Interval): boolean {
  return a.low > b.high;
}
