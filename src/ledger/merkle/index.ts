/**
 * RFC 6962 / RFC 9162 Merkle trees: hashing, proof construction over stored
 * node hashes, and verification of inclusion, consistency and subtree proofs
 * (the subtree forms of draft-ietf-plants-merkle-tree-certs).
 *
 * Sizes and indices are plain numbers; anything beyond 2^53 is refused rather
 * than rounded, so a proof is never checked against a silently wrong size.
 */
import { createHash, hash } from 'node:crypto';

export const HASH_SIZE = 32;
const LEAF_PREFIX = Buffer.from([0]);
const NODE_PREFIX = Buffer.from([1]);

// One-shot crypto.hash over a joined buffer is a third faster than a Hash object per node.
export function hashLeaf(data: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([LEAF_PREFIX, data]), 'buffer');
}

/** The leaf hash of a text's UTF-8 bytes, without copying them into a buffer first. */
export function hashTextLeaf(text: string): Buffer {
  return hash('sha256', `\0${text}`, 'buffer');
}

const nodeInput = Buffer.alloc(1 + 2 * HASH_SIZE);
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
  nodeInput[0] = 1;
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_SIZE);
  return hash('sha256', nodeInput, 'buffer');
}

export const EMPTY_ROOT = createHash('sha256').digest();

export class ProofError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProofError';
  }
}

/** Largest power of two strictly below n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Smallest power of two >= n. */
function bitCeil(n: number): number {
  let k = 1;
  while (k < n) k *= 2;
  return k;
}

function checkSize(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new ProofError(`${name} must be an integer in [0, 2^53), got ${n}`);
}

function checkHash(name: string, h: Uint8Array): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) throw new ProofError(`${name} must be ${HASH_SIZE} bytes, got ${h?.length ?? 'none'}`);
}

function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * Reads a proof from its end: proofs list the deepest hash first, so walking
 * the tree from the top consumes them last-to-first.
 */
class ProofReader {
  private next: number;
  constructor(private readonly proof: readonly Uint8Array[]) {
    this.next = proof.length - 1;
    proof.forEach((h, i) => checkHash(`proof[${i}]`, h));
  }
  take(): Uint8Array {
    if (this.next < 0) throw new ProofError(`proof too short: ${this.proof.length} hashes`);
    return this.proof[this.next--];
  }
  finish(): void {
    if (this.next >= 0) throw new ProofError(`proof too long: ${this.next + 1} extra hashes`);
  }
}

/** Root implied by an inclusion proof for `leafHash` at `index` in a tree of `size` leaves. */
function rootFromInclusion(index: number, size: number, leafHash: Uint8Array, reader: ProofReader): Uint8Array {
  if (size === 1) return leafHash;
  const k = splitPoint(size);
  const sibling = reader.take();
  return index < k ? hashChildren(rootFromInclusion(index, k, leafHash, reader), sibling) : hashChildren(sibling, rootFromInclusion(index - k, size - k, leafHash, reader));
}

export function verifyInclusion(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): void {
  checkSize('index', index);
  checkSize('tree size', size);
  checkHash('leaf hash', leafHash);
  checkHash('root', root);
  if (index >= size) throw new ProofError(`index ${index} is beyond tree size ${size}`);
  const reader = new ProofReader(proof);
  const computed = rootFromInclusion(index, size, leafHash, reader);
  reader.finish();
  if (!sameHash(computed, root)) throw new ProofError('inclusion proof does not lead to the root');
}

/** A subtree [start, end) exists in some tree exactly when start is aligned to the smallest power of two covering it. */
export function isValidSubtree(start: number, end: number): boolean {
  return Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && start < end && start % bitCeil(end - start) === 0;
}

export function verifySubtreeInclusion(index: number, start: number, end: number, leafHash: Uint8Array, proof: readonly Uint8Array[], subtreeHash: Uint8Array): void {
  checkSize('index', index);
  if (!isValidSubtree(start, end)) throw new ProofError(`[${start}, ${end}) is not a valid subtree`);
  if (index < start || index >= end) throw new ProofError(`index ${index} is outside subtree [${start}, ${end})`);
  verifyInclusion(index - start, end - start, leafHash, proof, subtreeHash);
}

/**
 * Walks a (subtree) consistency proof from the top of the tree [0, n) down to
 * the subtree [start, end), returning the subtree's hash and the tree's hash as
 * the proof implies them. `known` is whether the verifier already holds the
 * subtree hash of the node reached at the bottom (true until the walk has
 * split the old subtree itself).
 */
function walkConsistency(start: number, end: number, n: number, known: boolean, oldHash: Uint8Array, reader: ProofReader): { old: Uint8Array; whole: Uint8Array } {
  if (start === 0 && end === n) {
    const node = known ? oldHash : reader.take();
    return { old: node, whole: node };
  }
  const k = splitPoint(n);
  if (end <= k) {
    const right = reader.take();
    const inner = walkConsistency(start, end, k, known, oldHash, reader);
    return { old: inner.old, whole: hashChildren(inner.whole, right) };
  }
  const left = reader.take();
  if (start >= k) {
    const inner = walkConsistency(start - k, end - k, n - k, known, oldHash, reader);
    return { old: inner.old, whole: hashChildren(left, inner.whole) };
  }
  // start === 0 < k < end: the left half is shared, the old tree's right part is not known.
  const inner = walkConsistency(0, end - k, n - k, false, oldHash, reader);
  return { old: hashChildren(left, inner.old), whole: hashChildren(left, inner.whole) };
}

export function verifySubtreeConsistency(start: number, end: number, size: number, proof: readonly Uint8Array[], subtreeHash: Uint8Array, root: Uint8Array): void {
  checkSize('start', start);
  checkSize('end', end);
  checkSize('tree size', size);
  if (end > size) throw new ProofError(`subtree end ${end} is beyond tree size ${size}`);
  if (start === end) {
    // The empty subtree is part of every tree; only its own hash can be wrong.
    if (proof.length > 0) throw new ProofError('an empty subtree needs an empty proof');
    if (!sameHash(subtreeHash, EMPTY_ROOT)) throw new ProofError('an empty subtree must hash to SHA-256 of nothing');
    return;
  }
  if (!isValidSubtree(start, end)) throw new ProofError(`[${start}, ${end}) is not a valid subtree`);
  if (start === 0 && end === size) {
    if (proof.length > 0) throw new ProofError('a tree is consistent with itself by an empty proof only');
    if (!sameHash(subtreeHash, root)) throw new ProofError('same size, different roots');
    return;
  }
  checkHash('subtree hash', subtreeHash);
  checkHash('root', root);
  const reader = new ProofReader(proof);
  const { old, whole } = walkConsistency(start, end, size, true, subtreeHash, reader);
  reader.finish();
  if (!sameHash(old, subtreeHash)) throw new ProofError('consistency proof does not lead to the older root');
  if (!sameHash(whole, root)) throw new ProofError('consistency proof does not lead to the newer root');
}

export function verifyConsistency(size1: number, size2: number, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): void {
  checkSize('size1', size1);
  checkSize('size2', size2);
  if (size1 > size2) throw new ProofError(`size1 ${size1} is larger than size2 ${size2}`);
  if (size1 === 0) throw new ProofError('a consistency proof from the empty tree proves nothing');
  verifySubtreeConsistency(0, size1, size2, proof, root1, root2);
}

/**
 * Where proofs are built from: the hash of any complete, aligned subtree
 * (level, index) = leaves [index * 2^level, (index + 1) * 2^level).
 */
export interface NodeSource {
  node(level: number, index: number): Uint8Array;
}

/** MTH(D[start:end]) for an aligned range, from complete nodes only. */
export function rangeHash(source: NodeSource, start: number, end: number): Uint8Array {
  const size = end - start;
  if (size <= 0) throw new ProofError(`empty range [${start}, ${end})`);
  const level = Math.log2(size);
  if (Number.isInteger(level)) return source.node(level, start / size);
  const k = splitPoint(size);
  return hashChildren(rangeHash(source, start, start + k), rangeHash(source, start + k, end));
}

export function treeHash(source: NodeSource, size: number): Uint8Array {
  return size === 0 ? EMPTY_ROOT : rangeHash(source, 0, size);
}

/** Inclusion proof for leaf `index` in the tree of `size` leaves (RFC 9162 PATH). */
export function inclusionProof(source: NodeSource, index: number, size: number): Uint8Array[] {
  if (index < 0 || index >= size) throw new ProofError(`index ${index} is beyond tree size ${size}`);
  const proof: Uint8Array[] = [];
  const walk = (offset: number, m: number, n: number): void => {
    if (n === 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(offset, m, k);
      proof.push(rangeHash(source, offset + k, offset + n));
    } else {
      walk(offset + k, m - k, n - k);
      proof.push(rangeHash(source, offset, offset + k));
    }
  };
  walk(0, index, size);
  return proof;
}

/** Consistency proof between tree sizes size1 <= size2 (RFC 9162 PROOF). */
export function consistencyProof(source: NodeSource, size1: number, size2: number): Uint8Array[] {
  if (size1 <= 0 || size1 > size2) throw new ProofError(`no consistency proof from size ${size1} to ${size2}`);
  const proof: Uint8Array[] = [];
  const walk = (offset: number, m: number, n: number, known: boolean): void => {
    if (m === n) {
      if (!known) proof.push(rangeHash(source, offset, offset + n));
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      walk(offset, m, k, known);
      proof.push(rangeHash(source, offset + k, offset + n));
    } else {
      walk(offset + k, m - k, n - k, false);
      proof.push(rangeHash(source, offset, offset + k));
    }
  };
  walk(0, size1, size2, true);
  return proof;
}

/** In-memory tree for small sets (manifests, tests): leaf hashes in order. */
export function memoryTree(leafHashes: readonly Uint8Array[]): NodeSource {
  const levels: Uint8Array[][] = [leafHashes.slice()];
  while (levels[levels.length - 1].length > 1) {
    const below = levels[levels.length - 1];
    const above: Uint8Array[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) above.push(hashChildren(below[i], below[i + 1]));
    levels.push(above);
  }
  return {
    node(level, index) {
      const h = levels[level]?.[index];
      if (!h) throw new ProofError(`no complete node at level ${level}, index ${index}`);
      return h;
    },
  };
}

/**
 * The complete subtrees along a growing tree's right edge (a compact range):
 * enough to append leaves and compute the root with memory of O(log n).
 */
export class RightEdge {
  constructor(readonly nodes: { level: number; hash: Buffer }[] = []) {}

  /** Appends a leaf hash; returns the hashes of the nodes it completes, level 1 upward. */
  push(leaf: Buffer): Buffer[] {
    const nodes = this.nodes;
    nodes.push({ level: 0, hash: leaf });
    const closed: Buffer[] = [];
    while (nodes.length >= 2 && nodes[nodes.length - 1].level === nodes[nodes.length - 2].level) {
      const right = nodes.pop()!;
      const left = nodes.pop()!;
      const node = { level: left.level + 1, hash: hashChildren(left.hash, right.hash) };
      nodes.push(node);
      closed.push(node.hash);
    }
    return closed;
  }

  root(): Buffer {
    const nodes = this.nodes;
    if (nodes.length === 0) return EMPTY_ROOT;
    let h = nodes[nodes.length - 1].hash;
    for (let i = nodes.length - 2; i >= 0; i--) h = hashChildren(nodes[i].hash, h);
    return h;
  }
}
