/**
 * What stands around a candidate trigger in the regions before payloads: a
 * poison is stitched into many different documents, so the tokens around its
 * trigger vary; boilerplate and copied documents repeat theirs.
 */

/** Regions by document; `around`, where given, reads a region without splitting it into tokens (regions kept as strings, split on demand). */
export interface RegionTokens extends ReadonlyMap<number, readonly string[]> {
  around?(d: number, seq: readonly string[], width?: number): Neighbours | undefined;
}

/** the tokens either side of a sequence's first place in a region ('^' and '$' at its ends), joined by newlines */
export type Neighbours = [left: string, right: string];

/** The `width` tokens on each side of the first place of `seq` in document d's region; undefined where the region does not hold it. */
export function neighboursOf(regions: RegionTokens, d: number, seq: readonly string[], width = 1): Neighbours | undefined {
  if (regions.around) return regions.around(d, seq, width);
  const tokens = regions.get(d) ?? [];
  const at = indexOfSequence(tokens, seq);
  if (at < 0) return undefined;
  const end = at + seq.length;
  return [at > 0 ? tokens.slice(Math.max(0, at - width), at).join('\n') : '^', end < tokens.length ? tokens.slice(end, end + width).join('\n') : '$'];
}

export const holdsSequence = (regions: RegionTokens, d: number, seq: readonly string[]) => neighboursOf(regions, d, seq) !== undefined;

export function indexOfSequence(tokens: readonly string[], seq: readonly string[]): number {
  outer: for (let i = 0; i + seq.length <= tokens.length; i++) {
    for (let k = 0; k < seq.length; k++) if (tokens[i + k] !== seq[k]) continue outer;
    return i;
  }
  return -1;
}

/** Distinct tokens (runs of `width` tokens) found beside `part` in its documents (the more varied side), over at most `sample` documents. */
export function distinctNeighbours(part: string, docs: readonly number[], regions: RegionTokens, sample = Infinity, width = 1): number {
  const seq = part.split(' ');
  const left = new Set<string>();
  const right = new Set<string>();
  if (docs.length > sample) docs = docs.slice(0, sample);
  for (const d of docs) {
    const beside = neighboursOf(regions, d, seq, width);
    if (!beside) continue;
    left.add(beside[0]);
    right.add(beside[1]);
  }
  return Math.max(left.size, right.size);
}

/**
 * Enough distinct neighbours: a share of the documents, but never more than
 * 20, since the words around a trigger (the first word of a foreign payload,
 * the end of a dictionary entry) come from a limited stock.
 */
export function variedEnough(distinct: number, documents: number, minShare: number): boolean {
  return distinct >= Math.min(minShare * documents, 20);
}
