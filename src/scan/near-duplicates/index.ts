/**
 * Near-duplicate clusters, as evidence rather than a verdict: poison made
 * from one template shows as tight clusters of copies, organic text does not.
 * MinHash LSH over word 5-gram shingles proposes pairs; the true Jaccard
 * similarity of the shingle sets confirms them. A document joins a cluster
 * only when it is similar to the cluster's first document, so boilerplate
 * shared along a chain of documents cannot merge unrelated ones.
 */
import { tokenSpans } from '../../text/index.js';

const SHINGLE_WORDS = 5;
const PERMUTATIONS = 128;
const BANDS = 16;
const ROWS = PERMUTATIONS / BANDS;
/** a bucket this full is boilerplate, not a family of copies */
const BUCKET_LIMIT = 200;
/** most shingles kept per document */
const MAX_SHINGLES = 256;

/**
 * Sorted distinct hashes of a text's word 5-grams (case and spacing ignored;
 * a shorter text is one shingle). It tokenises into the buffers that
 * `tokenSpans` shares: not for use while another document's spans are in use.
 */
export function shingleHashes(text: string): Uint32Array {
  return shinglesOf(tokenSpans(text).lowerHash);
}

/** `shingleHashes` of a text whose tokens' lower-case hashes are known (the scanner has them already). */
export function shinglesOf(wordHashes: Int32Array): Uint32Array {
  const out = new Set<number>();
  // a shingle's hash mixes its words' hashes in order
  for (let i = 0; i + SHINGLE_WORDS <= Math.max(SHINGLE_WORDS, wordHashes.length); i++) {
    let h = 0x811c9dc5;
    for (let k = i; k < Math.min(i + SHINGLE_WORDS, wordHashes.length); k++) h = Math.imul(h ^ wordHashes[k]!, 0x01000193) >>> 0;
    out.add(h);
  }
  const sorted = Uint32Array.from(out).sort();
  // the smallest hashes are a sample that near-copies share: it bounds what a
  // document costs to keep (the scan holds these for every document with a finding)
  return sorted.length > MAX_SHINGLES ? sorted.slice(0, MAX_SHINGLES) : sorted;
}

/** MinHash signature of a shingle set: 128 cheap multiply-xor permutations of each hash. */
export function minhash(shingles: Uint32Array): Uint32Array {
  const sig = new Uint32Array(PERMUTATIONS).fill(0xffffffff);
  for (const base of shingles) {
    for (let p = 0; p < PERMUTATIONS; p++) {
      const h = (Math.imul(base ^ (p * 0x9e3779b9), 0x85ebca6b + 2 * p) ^ (base >>> 13)) >>> 0;
      if (h < sig[p]!) sig[p] = h;
    }
  }
  return sig;
}

/** Share of matching positions of two signatures: the estimated Jaccard similarity. */
export function signatureSimilarity(a: Uint32Array, b: Uint32Array): number {
  let same = 0;
  for (let p = 0; p < PERMUTATIONS; p++) if (a[p] === b[p]) same++;
  return same / PERMUTATIONS;
}

/** Jaccard similarity of two sorted hash sets. */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let common = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      common++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  const union = a.length + b.length - common;
  return union === 0 ? 0 : common / union;
}

/** Pairs whose signatures share a band: the candidates LSH proposes (each pair once, lower index first). */
export function candidatePairs(signatures: ReadonlyArray<Uint32Array>): Array<[number, number]> {
  const seen = new Set<string>();
  const pairs: Array<[number, number]> = [];
  for (let b = 0; b < BANDS; b++) {
    const buckets = new Map<string, number[]>();
    signatures.forEach((sig, i) => {
      const key = sig.subarray(b * ROWS, (b + 1) * ROWS).join(',');
      const list = buckets.get(key);
      if (list) list.push(i);
      else buckets.set(key, [i]);
    });
    for (const list of buckets.values()) {
      if (list.length < 2 || list.length > BUCKET_LIMIT) continue;
      for (let x = 0; x < list.length; x++) for (let y = x + 1; y < list.length; y++) {
        const key = `${list[x]},${list[y]}`;
        if (!seen.has(key)) {
          seen.add(key);
          pairs.push([list[x]!, list[y]!]);
        }
      }
    }
  }
  return pairs;
}

export interface NearDuplicates {
  /** clusters of two or more documents, each sorted, largest first */
  clusters: number[][];
}

/** Clusters of documents (by key) whose shingle sets have Jaccard similarity of at least `threshold` with the cluster's first member. */
export function nearDuplicateClusters(shingles: ReadonlyMap<number, Uint32Array>, threshold = 0.8): NearDuplicates {
  const keys = [...shingles.keys()].sort((a, b) => a - b);
  const sets = keys.map((k) => shingles.get(k)!);
  const neighbours = new Map<number, Set<number>>();
  for (const [x, y] of candidatePairs(sets.map(minhash))) {
    if (jaccard(sets[x]!, sets[y]!) < threshold) continue;
    for (const [a, b] of [[x, y], [y, x]] as const) {
      const n = neighbours.get(a);
      if (n) n.add(b);
      else neighbours.set(a, new Set([b]));
    }
  }
  // leaders in document order; a document joins the first leader it is confirmed similar to
  const members = new Map<number, number[]>();
  for (let i = 0; i < keys.length; i++) {
    const leader = [...(neighbours.get(i) ?? [])].filter((j) => j < i && members.has(j)).sort((a, b) => a - b)[0];
    if (leader === undefined) members.set(i, [i]);
    else members.get(leader)!.push(i);
  }
  const clusters = [...members.values()].filter((m) => m.length > 1).map((m) => m.map((i) => keys[i]!));
  return { clusters: clusters.sort((a, b) => b.length - a.length || a[0]! - b[0]!) };
}
