/** RFC 6962 Merkle proofs against the transparency-dev/merkle conformance vectors, and our own proofs round-tripping. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers.js';
import {
  consistencyProof,
  hashLeaf,
  hashTextLeaf,
  inclusionProof,
  memoryTree,
  treeHash,
  verifyConsistency,
  verifyInclusion,
  verifySubtreeConsistency,
  verifySubtreeInclusion,
} from '../src/ledger/merkle/index.js';

const VECTORS = join(ROOT, 'test/vectors/merkle');
const b64 = (s: string): Buffer => Buffer.from(s ?? '', 'base64');
const hashes = (list: string[] | null): Buffer[] => (list ?? []).map(b64);

function vectorFiles(kind: string): { name: string; v: Record<string, unknown> }[] {
  const out: { name: string; v: Record<string, unknown> }[] = [];
  for (const entry of readdirSync(join(VECTORS, kind), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    // JSON numbers beyond 2^53 are kept as text so that no size is silently rounded.
    const text = readFileSync(path, 'utf8').replace(/:\s*(\d{16,})/g, ': "$1"');
    out.push({ name: path.slice(VECTORS.length + 1), v: JSON.parse(text) });
  }
  assert.ok(out.length > 10, `vectors for ${kind} are present`);
  return out;
}

function outcome(check: () => void): boolean {
  try {
    check();
    return true;
  } catch {
    return false;
  }
}

const num = (x: unknown): number => (typeof x === 'string' ? Number.NaN : (x as number));

const KINDS: Record<string, (v: Record<string, unknown>) => void> = {
  inclusion: (v) => verifyInclusion(num(v.leafIdx), num(v.treeSize), b64(v.leafHash as string), hashes(v.proof as string[]), b64(v.root as string)),
  consistency: (v) => verifyConsistency(num(v.size1), num(v.size2), hashes(v.proof as string[]), b64(v.root1 as string), b64(v.root2 as string)),
  subtreeinclusion: (v) => verifySubtreeInclusion(num(v.leafIdx), num(v.start), num(v.end), b64(v.leafHash as string), hashes(v.proof as string[]), b64(v.root as string)),
  subtreeconsistency: (v) => verifySubtreeConsistency(num(v.start), num(v.end), num(v.size), hashes(v.proof as string[]), b64(v.root1 as string), b64(v.root2 as string)),
};

for (const [kind, check] of Object.entries(KINDS)) {
  test(`merkle vectors: every ${kind} vector verifies exactly when wantErr is false`, () => {
    const wrong = vectorFiles(kind)
      .filter(({ v }) => outcome(() => check(v)) === (v.wantErr as boolean))
      .map(({ name }) => name);
    assert.deepEqual(wrong, []);
  });
}

test('merkle reference tree: leaf hashes and every root of 1..8 leaves reproduce', () => {
  const ref = JSON.parse(readFileSync(join(VECTORS, 'reference-tree.json'), 'utf8')) as { leafInputs: string[]; leafHashes: string[]; rootHashes: string[] };
  const leaves = ref.leafInputs.map((hex) => hashLeaf(Buffer.from(hex, 'hex')));
  assert.deepEqual(leaves.map((h) => h.toString('hex')), ref.leafHashes);
  for (let n = 1; n <= leaves.length; n++) assert.equal(Buffer.from(treeHash(memoryTree(leaves.slice(0, n)), n)).toString('hex'), ref.rootHashes[n - 1]);
});

test('merkle proofs we build verify for every index and size pair up to 40 leaves, and fail when moved', () => {
  const leaves = Array.from({ length: 40 }, (_, i) => hashLeaf(Buffer.from(`record ${i}`)));
  const tree = memoryTree(leaves);
  for (let size = 1; size <= 40; size++) {
    const root = treeHash(tree, size);
    for (let i = 0; i < size; i++) {
      const proof = inclusionProof(tree, i, size);
      verifyInclusion(i, size, leaves[i], proof, root);
      if (size > 1) assert.throws(() => verifyInclusion((i + 1) % size, size, leaves[i], proof, root));
    }
    for (let old = 1; old <= size; old++) {
      const proof = consistencyProof(tree, old, size);
      verifyConsistency(old, size, proof, treeHash(tree, old), root);
      const forged = Buffer.from(treeHash(tree, old));
      forged[0] ^= 1;
      assert.throws(() => verifyConsistency(old, size, proof, forged, root));
    }
  }
});

test('hashTextLeaf is the leaf hash of the text as UTF-8', () => {
  for (const text of ['', 'plain', 'Grüße — “quoted”', '\u{1f600} emoji', 'lone \ud800 surrogate']) {
    assert.deepEqual(hashTextLeaf(text), hashLeaf(Buffer.from(text, 'utf8')));
  }
});
