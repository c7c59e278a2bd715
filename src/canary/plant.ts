/**
 * Making canaries and the records that carry them. Pure: the random source
 * is handed in, so a seed repeats a planting exactly.
 */
import type { Random } from '../redteam/index.js';
import type { Canary, CanaryFile } from './types.js';

export const DEFAULT_FORMAT = [4, 4, 4];

function digits(random: Random, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String(random.int(0, 9));
  return out;
}

export function randomSecret(random: Random, format: readonly number[]): string {
  return format.map((n) => digits(random, n)).join(' ');
}

/** `count` canaries at each copy count; each has its own id in its prefix, so one canary's copies do not teach another's. */
export function makeCanaries(random: Random, count: number, copies: readonly number[], format: readonly number[] = DEFAULT_FORMAT): CanaryFile {
  const canaries: Canary[] = [];
  for (const n of copies) {
    for (let i = 0; i < count; i++) {
      const id = `canary-${digits(random, 6)}`;
      canaries.push({ id, prefix: `Record ${id.slice(7)}: the access code is`, secret: randomSecret(random, format), copies: n });
    }
  }
  return { version: 'antidote-canaries/1', format: [...format], canaries };
}

export function canaryText(canary: Pick<Canary, 'prefix' | 'secret'>): string {
  return `${canary.prefix} ${canary.secret}.`;
}

/**
 * Where each canary record goes among `size` corpus records: a sorted list of
 * [position, canary index], spread uniformly, so a trainer's batches meet the
 * copies apart rather than in a row.
 */
export function placements(random: Random, file: CanaryFile, size: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  file.canaries.forEach((c, k) => {
    for (let copy = 0; copy < c.copies; copy++) out.push([random.int(0, size), k]);
  });
  return out.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}
