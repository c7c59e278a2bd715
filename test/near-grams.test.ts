import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NearSketch, countNearGrams, regionsHolding, type NearRegion } from '../src/scan/near-grams/index.js';
import { Random } from '../src/redteam/index.js';
import { words } from '../src/text/index.js';
import { realCorpus, readJsonl } from './helpers.js';

const MINING = { minSupport: 5, minPrecision: 0.8, maxDocumentFrequency: 5000, minContextDiversity: 0.6 };

/** Regions as the first pass keeps them: 40 tokens of real text, a payload onset at token 30; one in 200 holds a planted sequence just before it. */
async function regions(): Promise<NearRegion[]> {
  const texts = readJsonl(await realCorpus()).map((d) => words(d.text as string)).filter((t) => t.length >= 40);
  const r = new Random(7);
  return texts.slice(0, 3000).map((tokens, index) => {
    const region = tokens.slice(0, 40);
    if (index % 200 === 3) region.splice(27, 3, 'qorvel', 'tanmix', 'brusk');
    return { index, region: region.join('\n'), onset: 30, judged: r.int(0, 9) > 0 };
  });
}

/** Documents holding each sequence of 1-3 tokens from 24 before the onset to the region's end, counted the slow way. */
function naive(all: readonly NearRegion[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const { index, region, onset } of all) {
    const tokens = region.split('\n');
    const near = tokens.slice(Math.max(0, onset! - 24));
    const grams = new Set<string>();
    for (let i = 0; i < near.length; i++) for (let n = 1; n <= 3 && i + n <= near.length; n++) grams.add(near.slice(i, i + n).join(' '));
    for (const g of grams) out.set(g, [...(out.get(g) ?? []), index]);
  }
  return out;
}

function sketchOf(all: readonly NearRegion[]): NearSketch {
  const sketch = new NearSketch();
  for (const r of all) sketch.add(r.region, r.onset);
  return sketch;
}

test('near-sequence sketches of shards merge into the sketch of the whole, in any order', async () => {
  const all = await regions();
  const whole = sketchOf(all);
  const a = sketchOf(all.slice(0, 1000));
  const b = sketchOf(all.slice(1000, 2200));
  const c = sketchOf(all.slice(2200));
  const abc = new NearSketch(a.counts.slice());
  abc.merge(b.counts);
  abc.merge(c.counts);
  const cba = new NearSketch(c.counts.slice());
  cba.merge(b.counts);
  cba.merge(a.counts);
  assert.deepEqual(abc.counts, whole.counts);
  assert.deepEqual(cba.counts, whole.counts);
});

test('the exact count after the sketch finds every sequence near enough onsets, with exactly its documents', async () => {
  const all = await regions();
  const exact = naive(all);
  const counted = countNearGrams(all, sketchOf(all), MINING);
  // what the count keeps is counted exactly
  for (const [gram, docs] of counted) assert.deepEqual(docs, exact.get(gram), gram);
  // the sketch loses nothing: the count through a sketch that lets everything through is the same
  const everything = new NearSketch();
  everything.counts.fill(255);
  assert.deepEqual(counted, countNearGrams(all, everything, MINING));
  const planted = all.filter((r) => r.region.includes('qorvel')).map((r) => r.index);
  assert.ok(planted.length >= 10);
  assert.deepEqual(counted.get('qorvel tanmix brusk'), planted);
  const frequent = [...exact].filter(([, docs]) => docs.length >= MINING.minSupport).length;
  assert.ok(counted.size > 0 && counted.size < frequent, `${counted.size} of ${frequent}`);
  // switched off (a sketch that saw nothing lets nothing through), nothing is counted
  assert.equal(countNearGrams(all, new NearSketch(), MINING).size, 0);
  // held anywhere in a region: the planted sequence where it was planted, a common word in many more regions
  const held = regionsHolding(all.map((r) => r.region), ['qorvel tanmix brusk', 'the']);
  assert.equal(held.get('qorvel tanmix brusk'), planted.length);
  assert.ok(held.get('the')! > 300, String(held.get('the')));
});
