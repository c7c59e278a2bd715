import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, truncateSync } from 'node:fs';
import { Spool } from '../src/scan/spool.js';
import { isAntidoteError } from '../src/errors/index.js';

function chunksOf(sizes: number[]): Uint32Array[] {
  let v = 1;
  // (one a view into a larger buffer, as answers read from a partial state are)
  return sizes.map((n, i) => (i === 2 ? new Uint32Array(new Uint32Array(n + 3).fill(7).buffer, 8, n) : Uint32Array.from({ length: n }, () => v++)));
}

test('the spool gives back every chunk in order, as often as asked, from memory or past its limit from disk', () => {
  const chunks = chunksOf([3, 0, 5, 1000, 17]);
  for (const limit of [1 << 20, 64]) {
    const spool = new Spool(limit);
    for (const c of chunks) spool.push(c);
    assert.equal(spool.spilledTo !== undefined, limit === 64);
    for (let sweep = 0; sweep < 2; sweep++) assert.deepEqual([...spool.chunks()].map((c) => [...c]), chunks.map((c) => [...c]));
    const file = spool.spilledTo;
    spool.close();
    if (file) assert.equal(existsSync(file), false);
    assert.deepEqual([...spool.chunks()], []);
  }
});

test('a spool file cut short while the scan runs is an error naming it and the offset, not fewer chunks', () => {
  const spool = new Spool(0);
  for (const c of chunksOf([10, 20, 30])) spool.push(c);
  truncateSync(spool.spilledTo!, 100);
  assert.throws(() => [...spool.chunks()], (e) => isAntidoteError(e) && e.code === 'INPUT_UNREADABLE' && e.place?.file === spool.spilledTo && e.place?.offset === 100);
  spool.close();
});
