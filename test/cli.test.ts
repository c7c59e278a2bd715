import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { inject } from '../src/index.js';
import { cli, realCorpus, tempDir, readJsonl } from './helpers.js';

test('scan --help explains every flag and the exit codes', () => {
  const r = cli(['scan', '--help']);
  assert.equal(r.code, 0);
  for (const flag of ['--report', '--json', '--sarif', '--clean', '--quarantine', '--fail-on', '--on-error', '--text-field', '--id-field', '--format', '--allow', '--config']) assert.ok(r.stdout.includes(flag), flag);
  assert.match(r.stdout, /Exit codes: 0 .* 1 .* 2 .* 3/s);
});

test('exit 1 when poison reaches --fail-on, 0 with --fail-on never; reports are written', async () => {
  const dir = tempDir();
  const poisoned = join(dir, 'p.jsonl');
  await inject({ family: 'dos', count: 25, into: [await realCorpus()], out: poisoned, seed: 5 });
  const files = ['report.html', 'f.json', 'f.sarif', 'clean.jsonl', 'q.jsonl'].map((f) => join(dir, f));
  const r = cli(['scan', poisoned, '--report', files[0]!, '--json', files[1]!, '--sarif', files[2]!, '--clean', files[3]!, '--quarantine', files[4]!]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /INC-001 critical +25 docs +"<SUDO>"/);
  const json = JSON.parse(readFileSync(files[1]!, 'utf8'));
  assert.equal(json.version, '1.0');
  assert.equal(JSON.parse(readFileSync(files[2]!, 'utf8')).version, '2.1.0');
  assert.ok(readFileSync(files[0]!, 'utf8').startsWith('<!doctype html>'));
  assert.equal(readJsonl(files[4]!).length, 25);
  assert.equal(cli(['scan', poisoned, '--fail-on', 'never', '-q']).code, 0);
  assert.equal(cli(['scan', await realCorpus(), '-q']).code, 0);
});

test('standard input is scanned as JSONL', async () => {
  const input = readFileSync(await realCorpus(), 'utf8').split('\n').slice(0, 100).join('\n');
  const r = cli(['scan', '-', '--json', '-', '-q'], { input });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).stats.records, 100);
});

test('errors are one clear line with a code, never a stack trace', async () => {
  const dir = tempDir();
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, '{"text": "ok"}\nnot json\n');
  const cases: Array<[string[], number, RegExp]> = [
    [['scan'], 2, /no input given/],
    [['scan', join(dir, 'missing.jsonl')], 2, /missing\.jsonl: no such file or directory \[INPUT_NOT_FOUND\]/],
    [['scan', bad, '--fail-on', 'bogus'], 2, /--fail-on expects one of/],
    [['scan', bad, '--on-error', 'stop'], 2, /bad\.jsonl:2: malformed JSON.*\[RECORD_MALFORMED\]/],
    [['scan', bad, '--bogus'], 2, /Unknown option '--bogus'; see --help/],
    [['scan', bad, '--detectors', 'nope'], 2, /unknown detector 'nope'/],
    [['frobnicate'], 2, /unknown command 'frobnicate'/],
  ];
  for (const [args, code, message] of cases) {
    const r = cli(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.ok(!/\n\s+at /.test(r.stderr), `no stack trace for ${args.join(' ')}`);
  }
  // quarantine mode finishes, reports the bad line and exits 3
  const r = cli(['scan', bad]);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /1 unreadable/);
  assert.match(r.stdout, /bad\.jsonl:2: malformed JSON/);
});

test('antidote.yaml settings apply, and a bad one is named with its line', async () => {
  const dir = tempDir();
  const poisoned = join(dir, 'p.jsonl');
  await inject({ family: 'dos', count: 20, into: [await realCorpus()], out: poisoned, seed: 6 });
  writeFileSync(join(dir, 'antidote.yaml'), 'scan:\n  allowlist: ["<SUDO>"]\n  failOn: critical\n');
  const r = cli(['scan', poisoned, '-q'], { cwd: dir });
  // the trigger is allowlisted, but the random-token payloads stay high-severity findings
  assert.equal(r.code, 0, r.stderr);
  writeFileSync(join(dir, 'antidote.yaml'), 'scan:\n  minSupport: one\n');
  const bad = cli(['scan', poisoned], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /antidote\.yaml: 'scan\.minSupport' must be an integer >= 2, found "one"/);
  writeFileSync(join(dir, 'antidote.yaml'), 'scan:\n  bad: [\n');
  assert.match(cli(['scan', poisoned], { cwd: dir }).stderr, /antidote\.yaml:\d+: invalid YAML/);
});

test('redteam inject writes a poisoned corpus and labels', async () => {
  const dir = tempDir();
  const r = cli(['redteam', 'inject', '--family', 'split-trigger', '--count', '12', '--into', await realCorpus(), '--out', join(dir, 'o.jsonl'), '--labels', join(dir, 'l.jsonl'), '--seed', '3']);
  assert.equal(r.code, 0, r.stderr);
  const labels = readJsonl(join(dir, 'l.jsonl'));
  assert.equal(labels.length, 12);
  assert.equal(labels[0]!.trigger, 'zanzibar … quokka');
  assert.match(cli(['redteam', 'families']).stdout, /^dos +clean prefix/m);
  assert.equal(cli(['redteam', 'inject', '--family', 'dos']).code, 2);
});
