/**
 * Governance exports over a real scan of the example corpus with one
 * confirmed incident: the CycloneDX ML-BOM validates against the 1.6 schema
 * @cyclonedx/cyclonedx-library ships and reads back through the CycloneDX
 * protobuf model; Croissant passes a JSON-LD processor and the required
 * properties; the report maps evidence to controls and prints to PDF.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBomJson } from '@appthreat/cdx-proto';
import { Classification } from '@appthreat/cdx-proto/v1.6';
import { validateCroissant, validateCyclonedx } from '../src/governance/index.js';
import { reviewFixture } from './review-fixture.js';
import { openStore, type DatasetRecord, type ModelRecord } from '../src/ledger/index.js';

async function ledgerRecords(path: string): Promise<Array<DatasetRecord | ModelRecord>> {
  const store = await openStore(path, { create: false });
  try {
    return [...(await store.entriesOfKind('dataset')), ...(await store.entriesOfKind('model'))].map((e) => JSON.parse(e.record));
  } finally {
    await store.close();
  }
}

const fixture = reviewFixture().then((f) => {
  const r = f.run(['incident', 'decide', f.keyOf('<SUDO>'), '--action', 'confirm', '--by', 'rita', '--reason', 'random-token payload']);
  if (r.code !== 0) throw new Error(r.stderr);
  return f;
});

test('the ML-BOM validates against CycloneDX 1.6 and a CycloneDX reader finds the model, the dataset and their hashes', async () => {
  const f = await fixture;
  const out = join(f.dir, 'bom.cdx.json');
  const r = f.run(['governance', 'bom', '--model', 'demo-model', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const bom = JSON.parse(readFileSync(out, 'utf8'));
  assert.deepEqual(await validateCyclonedx(bom), []);

  // The reader is @appthreat/cdx-proto (CycloneDX's bom-1.6.proto). Its JSON mapping differs from the JSON
  // schema in places: no `$schema`, `dependsOn` unknown (so unknown keys are skipped), and one `data` per
  // component where the JSON schema holds a list (so it is handed the one).
  const { $schema, ...rest } = structuredClone(bom);
  assert.equal($schema, 'http://cyclonedx.org/schema/bom-1.6.schema.json');
  for (const c of rest.components) if (Array.isArray(c.data)) (assert.equal(c.data.length, 1), (c.data = c.data[0]));
  const parsed = parseBomJson(rest, { ignoreUnknownFields: true }) as any;
  const recorded = await ledgerRecords(f.store);
  const model = parsed.metadata.component;
  assert.equal(model.name, 'demo-model');
  assert.equal(model.type, Classification.MACHINE_LEARNING_MODEL);
  assert.equal(model.hashes[0].value, recorded.find((r) => r.kind === 'model')!.manifest);
  assert.deepEqual(model.modelCard.modelParameters.datasets[0].choice, { case: 'ref', value: 'dataset:example@1' }, 'the model card names the dataset it was trained on');
  const dataset = parsed.components.find((c: { name: string }) => c.name === 'example');
  assert.equal(dataset.version, '1');
  assert.equal(dataset.type, Classification.DATA);
  assert.equal(dataset.components[0].hashes[0].value, recorded.find((r) => r.kind === 'dataset')!.files[0].sha256);
  const incident = bom.vulnerabilities.find((v: { id: string }) => v.id === f.keyOf('<SUDO>'));
  assert.equal(incident.analysis.state, 'exploitable', 'the confirmed incident is an exploitable vulnerability of the data and the model');
  assert.deepEqual(incident.affects.map((a: { ref: string }) => a.ref).sort(), ['dataset:example@1', 'model:demo-model']);

  const broken = structuredClone(bom);
  broken.metadata.component.hashes[0].content = 'not-a-digest';
  delete broken.components[0].type;
  assert.ok((await validateCyclonedx(broken)).length > 0, 'the schema check catches a broken BOM');
});

test('Croissant metadata passes JSON-LD processing and the required properties; a broken one does not', async () => {
  const f = await fixture;
  const out = join(f.dir, 'croissant.json');
  const r = f.run(['governance', 'croissant', 'example@1', '--out', out, '--url', 'https://data.example.org/example']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(readFileSync(out, 'utf8'));
  assert.deepEqual(await validateCroissant(doc), []);
  assert.deepEqual(doc.conformsTo, ['http://mlcommons.org/croissant/1.0', 'http://mlcommons.org/croissant/RAI/1.0']);
  assert.match(doc.distribution[0].sha256, /^[0-9a-f]{64}$/);
  assert.match(doc['rai:dataLimitations'], /Confirmed poisoning: S\d+-INC-\d+ \(42 documents, trigger "<SUDO>"\)/);
  const broken = structuredClone(doc);
  delete broken.license;
  broken.distribution[0].sha256 = 'abc';
  broken['@context'] = 'https://example.org/remote-context';
  assert.match((await validateCroissant(broken))[0], /JSON-LD: .*remote-context/, 'a remote context is refused, never fetched');
  broken['@context'] = doc['@context'];
  const problems = await validateCroissant(broken);
  assert.ok(problems.some((p) => /schema.org\/license: Less than 1 values/.test(p)), problems.join('\n'));
  assert.ok(problems.some((p) => /sha256: Value does not match pattern/.test(p)), problems.join('\n'));
});

test('the governance report maps evidence to controls and prints to PDF; bad input gets a clear error', async () => {
  const f = await fixture;
  const html = join(f.dir, 'report.html');
  const pdf = join(f.dir, 'report.pdf');
  const chromium = existsSync('/usr/bin/chromium');
  const r = f.run(['governance', 'report', '--model', 'demo-model', '--html', html, ...(chromium ? ['--pdf', pdf] : [])]);
  assert.equal(r.code, 0, r.stderr);
  const page = readFileSync(html, 'utf8');
  assert.match(page, /MITRE ATLAS<\/td><td>AML.T0018.000 Poison AI Model<\/td><td>no model audit given<\/td><td class="missing">missing/);
  assert.match(page, /M0014 Verify AI Artifacts<\/td><td>[^<]*REFUSED by check-model/);
  assert.match(page, /rita<\/td><td class="mono">S\d+-INC-001<\/td><td>confirm<\/td><td>random-token payload/);
  assert.match(page, /&lt;SUDO&gt;/, 'triggers are escaped');
  if (chromium) assert.equal(readFileSync(pdf).subarray(0, 5).toString(), '%PDF-');

  writeFileSync(join(f.dir, 'audit.json'), '{"model": {}}');
  assert.match(f.run(['governance', 'report', '--model', 'demo-model', '--html', html, '--audit', 'audit.json']).stderr, /audit.json: not an 'antidote audit --json' report/);
  assert.match(f.run(['governance', 'bom', '--model', 'nope', '--out', 'x.json']).stderr, /no model named 'nope' in the ledger/);
  assert.match(f.run(['governance', 'croissant', 'example@7', '--out', 'x.json']).stderr, /no dataset version example@7 in the ledger/);
  assert.equal(existsSync(join(f.dir, 'x.json')), false, 'nothing is written on error');
});
