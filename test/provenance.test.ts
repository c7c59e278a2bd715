/**
 * The ledger feeding the scanner: documents without a verifiable origin, below
 * the minimum trust or lacking required metadata are quarantined by the
 * policy, and a scan's result is recorded back in the ledger.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, realCorpus, tempDir } from './helpers.js';
import { validateConfig } from '../src/config/index.js';
import { Ledger, openStore, provenanceCheck, type LineageStatement, type ScanRecord } from '../src/ledger/index.js';
import { scan } from '../src/scan/index.js';

/** A ledger in `dir` with 40 high-trust licensed documents (web@1) and 20 low-trust ones without licence (forum@1). */
async function setup(): Promise<{ dir: string; run: (...args: string[]) => ReturnType<typeof cli>; lines: string[] }> {
  const dir = tempDir();
  const lines = readFileSync(await realCorpus(), 'utf8').trim().split('\n').slice(0, 70);
  writeFileSync(join(dir, 'web.jsonl'), lines.slice(0, 40).join('\n') + '\n');
  writeFileSync(join(dir, 'forum.jsonl'), lines.slice(40, 60).join('\n') + '\n');
  // 5 documents that were never added, and one added document changed by a byte.
  const changed = lines[0].replace(/"text":"(.)/, '"text":"$1 ');
  writeFileSync(join(dir, 'train.jsonl'), [...lines.slice(0, 60), ...lines.slice(60, 65), changed].join('\n') + '\n');
  const run = (...args: string[]) => cli(args, { cwd: dir });
  assert.equal(run('ledger', 'init', '--origin', 'policy.test/ledger').code, 0);
  assert.equal(run('ledger', 'add', 'web.jsonl', '--dataset', 'web', '--trust', 'high', '--license', 'CC-BY-4.0', '--source', 'https://web.example/').code, 0);
  assert.equal(run('ledger', 'add', 'forum.jsonl', '--dataset', 'forum', '--trust', 'low', '--source', 'https://forum.example/').code, 0);
  return { dir, run, lines };
}

test('provenance policy: unknown, low-trust and unlicensed documents are quarantined with the reason; the rest are kept', async () => {
  const { dir } = await setup();
  const store = await openStore(join(dir, '.antidote-ledger/ledger.sqlite'), { create: false });
  try {
    const ledger = await Ledger.open(store);
    const result = await scan({ inputs: [join(dir, 'train.jsonl')], checks: [provenanceCheck(ledger, { minTrust: 'medium', requireMetadata: ['license'] })], cleanPath: join(dir, 'clean.jsonl') });
    const byKind = (kind: string) => result.documents.filter((d) => d.findings.some((f) => f.kind === kind)).map((d) => d.index);
    assert.deepEqual(byKind('no-provenance'), [60, 61, 62, 63, 64, 65], 'the 5 new documents and the changed one');
    assert.deepEqual(byKind('low-trust'), Array.from({ length: 20 }, (_, i) => 40 + i));
    assert.deepEqual(byKind('missing-metadata'), byKind('low-trust'), 'the forum documents have no licence');
    assert.equal(result.stats.quarantined, 26);
    assert.equal(readFileSync(join(dir, 'clean.jsonl'), 'utf8').trim().split('\n').length, 40);
    assert.match(result.documents.find((d) => d.index === 45)!.findings[0].message, /trust low is below the policy minimum medium \(ledger entry \d+, forum@1\)/);
    assert.deepEqual(result.settings.checks, ['provenance']);

    // Restricted to one dataset version, documents of another count as unknown.
    const webOnly = await scan({ inputs: [join(dir, 'train.jsonl')], checks: [provenanceCheck(ledger, { dataset: 'web@1' })] });
    assert.equal(webOnly.documents.filter((d) => d.findings.some((f) => f.kind === 'no-provenance')).length, 26);
    await assert.rejects(scan({ inputs: [join(dir, 'train.jsonl')], checks: [provenanceCheck(ledger, { dataset: 'web@9' })] }), /dataset web@9 is not in the ledger/);
  } finally {
    await store.close();
  }
});

test('scan --provenance --record: policy from antidote.yaml, result recorded in the ledger, which still verifies', async () => {
  const { dir, run } = await setup();
  writeFileSync(join(dir, 'antidote.yaml'), 'ledger:\n  policy:\n    minTrust: medium\n  record: true\n');
  const scanned = run('scan', 'train.jsonl', '--json', 'report.json', '--fail-on', 'never');
  assert.equal(scanned.code, 0, scanned.stderr);
  assert.match(scanned.stdout, /26 quarantined/);
  const entry = Number(/ledger entry (\d+) \(this scan\)/.exec(scanned.stdout)![1]);
  assert.equal(run('ledger', 'export', '--out', 'all.jsonl').code, 0);
  const record = JSON.parse(readFileSync(join(dir, 'all.jsonl'), 'utf8').split('\n')[entry]) as ScanRecord;
  assert.equal(record.kind, 'scan');
  assert.equal(record.entry, entry);
  assert.equal(record.scanned, 66);
  assert.equal(record.quarantined, 26);
  assert.deepEqual(record.checks, ['provenance']);
  assert.equal(record.inputs[0].path, 'train.jsonl');
  assert.match(record.inputs[0].sha256, /^[0-9a-f]{64}$/);
  // The report's hash in the ledger is the hash of the report written.
  assert.equal(record.report.sha256, createHash('sha256').update(readFileSync(join(dir, 'report.json'))).digest('hex'));
  assert.match(run('ledger', 'verify').stdout, new RegExp(`^ok: ${entry + 1} entries`));

  // Flags override: --min-trust low lets the forum documents through.
  const lenient = run('scan', 'train.jsonl', '--min-trust', 'low', '--fail-on', 'never');
  assert.match(lenient.stdout, /6 quarantined/);
  // Bad policy input is refused before anything runs.
  assert.match(run('scan', 'train.jsonl', '--min-trust', 'sometimes').stderr, /trust level 'sometimes' is not one of untrusted, low, medium, high/);
  assert.match(run('scan', 'train.jsonl', '--require-metadata', 'colour').stderr, /'colour' is not source, contributor, license or meta.KEY/);
  assert.match(run('scan', 'train.jsonl', '--provenance', '--store', 'missing.sqlite').stderr, /cannot open ledger store/);
});

test('config: the ledger section is checked, nested policy included', () => {
  assert.deepEqual(validateConfig({ ledger: { policy: { minTrust: 'high', requireMetadata: ['source', 'meta.reviewer'] } } }, 'a.yaml').ledger, { policy: { minTrust: 'high', requireMetadata: ['source', 'meta.reviewer'] } });
  assert.throws(() => validateConfig({ ledger: { policy: { minTrust: 'very' } } }, 'a.yaml'), /'ledger\.policy\.minTrust' must be one of untrusted, low, medium, high/);
  assert.throws(() => validateConfig({ ledger: { polcy: {} } }, 'a.yaml'), /unknown setting 'ledger\.polcy'/);
  assert.throws(() => validateConfig({ ledger: { policy: { requireMetadata: ['size'] } } }, 'a.yaml'), /'size' is not source/);
  assert.throws(() => validateConfig({ ledger: { record: 'yes' } }, 'a.yaml'), /'ledger\.record' must be true or false/);
});

test('models in the ledger: add-model records every file, check-model names what changed, went missing or was added', async () => {
  const { dir, run } = await setup();
  const model = join(dir, 'model');
  mkdirSync(join(model, 'tokenizer'), { recursive: true });
  writeFileSync(join(model, 'weights.bin'), Buffer.alloc(4096, 7));
  writeFileSync(join(model, 'config.json'), '{"layers": 2}\n');
  writeFileSync(join(model, 'tokenizer', 'vocab.txt'), 'a\nb\n');
  const added = run('ledger', 'add-model', 'model', '--name', 'org/tiny', '--meta', 'step=1000');
  assert.equal(added.code, 0, added.stderr);
  assert.match(added.stdout, /recorded model org\/tiny \(3 files, manifest [0-9a-f]{64}\) as entry 62/);
  assert.match(run('ledger', 'check-model', 'model', '--name', 'org/tiny').stdout, /^ok: model matches model org\/tiny \(entry 62\)/);
  writeFileSync(join(model, 'weights.bin'), Buffer.alloc(4096, 8));
  rmSync(join(model, 'tokenizer', 'vocab.txt'));
  writeFileSync(join(model, 'extra.py'), 'import os\n');
  const checked = run('ledger', 'check-model', 'model', '--name', 'org/tiny');
  assert.equal(checked.code, 1);
  assert.match(checked.stdout, /changed: weights\.bin\n {2}missing: tokenizer\/vocab\.txt\n {2}not recorded: extra\.py/);
  assert.match(run('ledger', 'check-model', 'model', '--name', 'org/other').stderr, /no model named 'org\/other'/);
  assert.match(run('ledger', 'verify').stdout, /^ok: 63 entries/);
});

test('dataset lineage: SLSA provenance in a signed DSSE envelope names the files, sources and previous version, and verifies offline', async () => {
  const { dir, run } = await setup();
  assert.equal(run('ledger', 'add', 'forum.jsonl', 'web.jsonl', '--dataset', 'forum', '--trust', 'medium', '--source', 'https://forum.example/v2').code, 0);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(join(dir, 'attest.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, 'attest.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  const attested = run('ledger', 'attest', 'forum@2', '--key', 'attest.pem', '--out', 'forum2.intoto.json');
  assert.equal(attested.code, 0, attested.stderr);
  const envelope = JSON.parse(readFileSync(join(dir, 'forum2.intoto.json'), 'utf8'));
  assert.equal(envelope.payloadType, 'application/vnd.in-toto+json');
  const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString()) as LineageStatement;
  assert.equal(statement.predicateType, 'https://slsa.dev/provenance/v1');
  assert.deepEqual(statement.subject.map((s) => s.name), ['forum.jsonl', 'web.jsonl']);
  const deps = statement.predicate.buildDefinition.resolvedDependencies;
  assert.deepEqual(deps[0], { uri: 'https://forum.example/v2', annotations: { documents: 60, trust: ['medium'] } });
  assert.equal(deps[1].name, 'forum@1', 'the version before this one');
  // The receipt among the byproducts proves the manifest's place in the ledger with its public key alone.
  const receipt = Buffer.from(statement.predicate.runDetails.byproducts.find((b) => b.name === 'receipt.tlog-proof')!.content!, 'base64');
  writeFileSync(join(dir, 'manifest.tlog-proof'), receipt);
  assert.equal(run('ledger', 'verify', '--receipt', 'manifest.tlog-proof', '--public-key', '.antidote-ledger/ledger.pub').code, 0);

  const ok = run('ledger', 'verify-attestation', 'forum2.intoto.json', '--public-key', 'attest.pub.pem', 'forum.jsonl', 'web.jsonl');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^ok: forum@2 from antidote-ledger:\/\/policy\.test\/ledger, 2 file\(s\) checked/);
  writeFileSync(join(dir, 'web.jsonl'), readFileSync(join(dir, 'web.jsonl'), 'utf8') + '{"id":"slipped-in","text":"x"}\n');
  const changed = run('ledger', 'verify-attestation', 'forum2.intoto.json', '--public-key', 'attest.pub.pem', 'web.jsonl');
  assert.equal(changed.code, 1);
  assert.match(changed.stdout, /FAILED: web\.jsonl: its SHA-256 [0-9a-f]{64} is not the attested [0-9a-f]{64}/);
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  writeFileSync(join(dir, 'other.pub.pem'), other.export({ type: 'spki', format: 'pem' }));
  const forged = run('ledger', 'verify-attestation', 'forum2.intoto.json', '--public-key', 'other.pub.pem');
  assert.equal(forged.code, 1);
  assert.match(forged.stdout, /FAILED: .*signature/);
  assert.match(run('ledger', 'attest', 'forum@7', '--key', 'attest.pem', '--out', 'x.json').stderr, /dataset forum@7 is not in the ledger/);
});
