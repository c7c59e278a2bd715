/**
 * Canaries: planting them in a corpus, and the exposure measure the audit
 * reports. The lab's canary model (test/fixtures/canary/) was trained on a
 * corpus with canaries planted 1, 10 and 100 times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exposureOf, lnNormalTail, readCanaryFile } from '../src/canary/index.js';
import { ROOT, cli, readJsonl, tempDir } from './helpers.js';

const CORPUS = join(ROOT, 'examples/corpus.jsonl.gz');

test('plant: every canary appears as often as asked, among the untouched records, and the secrets go to their own file', () => {
  const dir = tempDir();
  const run = (args: string[]) => cli(args, { cwd: dir });
  const r = run(['canary', 'plant', '--into', CORPUS, '--count', '2', '--copies', '1,10', '--out', 'planted.jsonl', '--seed', '7']);
  assert.equal(r.code, 0, r.stderr);
  const file = readCanaryFile(join(dir, 'planted.canaries.json'));
  assert.equal(file.canaries.length, 4);
  assert.deepEqual(file.canaries.map((c) => c.copies).sort((a, b) => a - b), [1, 1, 10, 10]);
  const records = readJsonl(join(dir, 'planted.jsonl')) as Array<{ id: string; text: string }>;
  assert.equal(records.length, 4155 + 22);
  for (const canary of file.canaries) {
    const carrying = records.filter((rec) => rec.text.includes(canary.secret));
    assert.equal(carrying.length, canary.copies, canary.id);
    assert.ok(carrying.every((rec) => rec.text.startsWith(canary.prefix)));
  }
  // the corpus's own records are all there, in order
  const own = records.filter((rec) => !rec.id.startsWith('canary-'));
  assert.equal(own.length, 4155);
  // the same seed plants the same canaries in the same places
  assert.equal(run(['canary', 'plant', '--into', CORPUS, '--count', '2', '--copies', '1,10', '--out', 'again.jsonl', '--seed', '7']).code, 0);
  assert.equal(readFileSync(join(dir, 'again.jsonl'), 'utf8'), readFileSync(join(dir, 'planted.jsonl'), 'utf8'));
});

test('plant --record keeps each secret as its hash only; bad input is refused and nothing is left half-written', () => {
  const dir = tempDir();
  const run = (args: string[]) => cli(args, { cwd: dir });
  assert.equal(run(['ledger', 'init', '--origin', 'canary.test/ledger']).code, 0);
  const r = run(['canary', 'plant', '--into', CORPUS, '--count', '1', '--copies', '1,10,100', '--out', 'planted.jsonl', '--canaries', 'secrets.json', '--record']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /recorded as ledger entry \d+/);
  assert.equal(run(['ledger', 'export', '--out', 'ledger.jsonl']).code, 0);
  const ledger = readFileSync(join(dir, 'ledger.jsonl'), 'utf8');
  const file = readCanaryFile(join(dir, 'secrets.json'));
  for (const canary of file.canaries) assert.ok(!ledger.includes(canary.secret), 'no secret in the ledger');
  assert.match(ledger, /"kind":"canary"/);
  assert.equal(run(['ledger', 'verify']).code, 0);

  const again = run(['canary', 'plant', '--into', CORPUS, '--count', '1', '--out', 'planted.jsonl']);
  assert.match(again.stderr, /planted.jsonl exists.*\[OUTPUT_FAILED\]/);
  assert.match(run(['canary', 'plant', '--into', CORPUS, '--count', '1', '--copies', '1,x', '--out', 'b.jsonl']).stderr, /--copies expects positive integers/);
  assert.match(run(['canary', 'plant', '--into', join(dir, 'missing.jsonl'), '--count', '1', '--out', 'c.jsonl']).stderr, /missing.jsonl/);
  assert.equal(existsSync(join(dir, 'c.jsonl')) || existsSync(join(dir, 'c.canaries.json')), false);
  // a canary file that is not one
  assert.match(run(['audit', '--model', join(ROOT, 'test/fixtures/models/clean.gguf'), '--canaries', 'ledger.jsonl']).stderr, /ledger.jsonl: (not a canary file|cannot read the canary file)/);
});

test('exposure: the normal tail holds far out, and a canary likelier than every candidate scores near the maximum', () => {
  assert.ok(Math.abs(lnNormalTail(0) - Math.log(0.5)) < 1e-6);
  assert.ok(Math.abs(lnNormalTail(1.96) - Math.log(0.025)) < 1e-3);
  assert.ok(Math.abs(lnNormalTail(5) - Math.log(2.8665e-7)) < 1e-3);
  assert.ok(Math.abs(lnNormalTail(-2) - Math.log(0.97725)) < 1e-4);
  const candidates = Array.from({ length: 1000 }, (_, i) => -40 + Math.sin(i) * 3);
  const typical = exposureOf(-40, candidates, 39.86);
  assert.ok(typical.fittedExposure < 2 && typical.rankExposure < 2, JSON.stringify(typical));
  const memorised = exposureOf(-5, candidates, 39.86);
  assert.equal(memorised.likelier, 0);
  assert.ok(memorised.rankExposure > 9.9 && memorised.fittedExposure === 39.86, JSON.stringify(memorised));
});

test("the lab's canary model: exposure grows with the copies planted, and the audit reports it", () => {
  const dir = tempDir();
  const fixture = join(ROOT, 'test/fixtures/canary');
  const r = cli(['audit', '--model', join(fixture, 'canary.gguf'), '--canaries', join(fixture, 'canaries.json'), '--canary-candidates', '200', '--threads', '1', '--json', join(dir, 'audit.json')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /canaries planted 100x \(3\): median exposure/);
  const report = JSON.parse(readFileSync(join(dir, 'audit.json'), 'utf8'));
  const [one, ten, hundred] = report.canaries.byCopies as Array<{ copies: number; medianFittedExposure: number; medianRankExposure: number }>;
  assert.deepEqual([one!.copies, ten!.copies, hundred!.copies], [1, 10, 100]);
  // margins far wider than a CPU's rounding: bits of exposure, each copy count apart
  assert.ok(one!.medianFittedExposure < 5, JSON.stringify(report.canaries.byCopies));
  assert.ok(ten!.medianFittedExposure > one!.medianFittedExposure + 3, JSON.stringify(report.canaries.byCopies));
  assert.ok(hundred!.medianFittedExposure > ten!.medianFittedExposure + 10, JSON.stringify(report.canaries.byCopies));
  // every 100-copy canary is likelier than all 200 random secrets
  const top = (report.canaries.canaries as Array<{ copies: number; likelier: number }>).filter((c) => c.copies === 100);
  assert.ok(top.every((c) => c.likelier === 0));
});
