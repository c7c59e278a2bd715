/**
 * The monitor's readers on files the lab's training loop wrote (lab/logs.py):
 * the same 40 steps of per-example losses as JSONL, a TensorBoard event file,
 * an MLflow file-store run and CSV. Each reader must give the same events;
 * damaged, cut and id-less logs get errors saying where and what.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c, readLossLog, readTrainingLog, type LossEvent } from '../src/monitor/index.js';
import { ROOT, cli, tempDir } from './helpers.js';

const DIR = join(ROOT, 'test/fixtures/monitor/lab-formats');
const EVENTS = join(DIR, readdirSync(DIR).find((n) => n.includes('tfevents'))!);

function mlflowRun(): string {
  const dir = tempDir();
  execFileSync('tar', ['-xzf', join(DIR, 'mlruns.tar.gz'), '-C', dir]);
  const experiment = join(dir, 'mlruns', '0');
  const run = readdirSync(experiment).find((n) => n !== 'meta.yaml')!;
  return join(experiment, run);
}

const key = (e: LossEvent): string => `${e.step} ${e.ids.join(' ')}`;
function sameEvents(actual: LossEvent[], expected: LossEvent[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  const byKey = new Map(expected.map((e) => [key(e), e.loss]));
  for (const e of actual) {
    const loss = byKey.get(key(e));
    assert.ok(loss !== undefined, `${what}: ${key(e)} is not in the JSONL log`);
    // TensorBoard keeps float32: equal to the JSONL's five decimals within rounding
    assert.ok(Math.abs(loss - e.loss) < 1e-4, `${what}: ${key(e)} ${e.loss} against ${loss}`);
  }
}

test('TensorBoard, MLflow and CSV logs of one lab run read as the same per-example losses as its JSONL log', async () => {
  const expected = await readLossLog(join(DIR, 'loss.jsonl'));
  assert.equal(expected.length, 40 * 16);
  sameEvents(await readTrainingLog(EVENTS), expected, 'event file');
  sameEvents(await readTrainingLog(DIR, { format: 'tensorboard' }), expected, 'event folder');
  sameEvents(await readTrainingLog(mlflowRun()), expected, 'MLflow run');
  sameEvents(await readTrainingLog(join(DIR, 'loss.csv')), expected, 'CSV');
  const r = cli(['monitor', EVENTS, '--json', join(tempDir(), 'm.json')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^640 loss figures, 40 steps/);
});

test('CRC32C is the Castagnoli checksum TFRecord frames use', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
});

test('cut, damaged and id-less logs: errors name the file, the place and what was expected', () => {
  const dir = tempDir();
  const bytes = readFileSync(EVENTS);
  writeFileSync(join(dir, 'cut.tfevents'), bytes.subarray(0, bytes.length - 7));
  const cut = cli(['monitor', join(dir, 'cut.tfevents')]);
  assert.equal(cut.code, 2);
  assert.match(cut.stderr, /cut.tfevents@\d+: the record at byte \d+ is cut short .* truncated or still being written \[INPUT_FORMAT\]/);
  const damaged = Buffer.from(bytes);
  damaged[damaged.length - 40] ^= 0xff;
  writeFileSync(join(dir, 'damaged.tfevents'), damaged);
  assert.match(cli(['monitor', join(dir, 'damaged.tfevents')]).stderr, /fails its CRC32C check: the event file is damaged/);
  writeFileSync(join(dir, 'text.tfevents'), 'not an event file at all\n');
  assert.match(cli(['monitor', join(dir, 'text.tfevents')]).stderr, /CRC32C check: not a TensorBoard event file/);
  // a run that logged the batch loss only: no ids to join on
  const noIds = cli(['monitor', EVENTS, '--loss-key', 'per_doc']);
  assert.match(noIds.stderr, /no per-example losses with document ids: .*'per_doc\/<document id>'.* only .*loss/);
  const run = mlflowRun();
  assert.match(cli(['monitor', run, '--loss-key', 'per_doc']).stderr, /no per-example losses .* only example_loss, loss/);
  const metric = join(run, 'metrics', 'example_loss', readdirSync(join(run, 'metrics', 'example_loss'))[0]!);
  writeFileSync(metric, '1700000000000 2.5 0\n1700000000001 two 1\n');
  assert.match(cli(['monitor', run]).stderr, /:2: expected "timestamp value step"/);
  writeFileSync(join(dir, 'batch.csv'), 'step,loss\n0,2.5\n');
  assert.match(cli(['monitor', join(dir, 'batch.csv')]).stderr, /batch.csv:1: the header needs .* document ids .* it has step, loss/);
  writeFileSync(join(dir, 'bad.csv'), 'step,id,loss\n0,a,2.5\n1,b,\n');
  assert.match(cli(['monitor', join(dir, 'bad.csv')]).stderr, /bad.csv:3: the loss must be a finite number/);
  mkdirSync(join(dir, 'empty'));
  assert.match(cli(['monitor', join(dir, 'empty'), '--format', 'tensorboard']).stderr, /no TensorBoard event files/);
  copyFileSync(join(DIR, 'loss.csv'), join(dir, 'live.csv'));
  assert.match(cli(['monitor', join(dir, 'live.csv'), '--follow']).stderr, /--follow tails a JSONL log/);
});
