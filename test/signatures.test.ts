/** Signed notes, checkpoints, tlog-proof receipts, DSSE and model signing bundles against their published vectors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { ROOT, tempDir } from './helpers.js';
import { generateNoteKey, openCheckpoint, openNote, parseCheckpoint, parseSignerKey, parseTlogProof, parseVerifierKey, signNote, formatCheckpoint, formatTlogProof, verifyTlogProof } from '../src/ledger/note/index.js';
import { pae, signEnvelope, verifyEnvelope } from '../src/ledger/dsse/index.js';
import { signModel, verifyModel } from '../src/ledger/signing/index.js';
import { hashLeaf, inclusionProof, memoryTree, treeHash } from '../src/ledger/merkle/index.js';

const VECTORS = join(ROOT, 'test/vectors');
const json = (path: string): any => JSON.parse(readFileSync(join(VECTORS, path), 'utf8'));

test('signed note: the C2SP example verifies with its key, and fails when a byte of text or signature changes', () => {
  const v = json('notes/c2sp-examples.json').signedNote;
  const key = parseVerifierKey(v.verifierKey);
  const opened = openNote(v.note, [key]);
  assert.equal(opened.text, 'This is an example message.\n');
  assert.deepEqual(opened.verifiedBy, ['example.com/foo']);
  assert.throws(() => openNote(v.note.replace('example message', 'example massage'), [key]), /does not verify/);
  assert.throws(() => openNote(v.note.replace('Uw2Q', 'Uw2R'), [key]), /does not verify|no signature/);
  assert.throws(() => openNote(v.note, []), /no signature from a known key/);
});

test('checkpoint: the C2SP example parses to its origin, size and root; malformed ones are refused', () => {
  const v = json('notes/c2sp-examples.json').checkpointExample;
  const text = v.note.slice(0, v.note.lastIndexOf('\n\n') + 1);
  const c = parseCheckpoint(text);
  assert.equal(c.origin, v.origin);
  assert.equal(c.size, v.treeSize);
  assert.equal(c.root.toString('base64'), v.rootHashBase64);
  assert.equal(formatCheckpoint(c), text);
  assert.throws(() => parseCheckpoint(text.replace('20852163', '020852163')), /leading zeros/);
  assert.throws(() => parseCheckpoint(text.replace('CsUY', 'CsU')), /base64/);
  assert.throws(() => parseCheckpoint(`${v.origin}\n12\n`), /origin, size and root/);
});

test('note keys: generated keys round-trip, sign checkpoints, and refuse wrong types and ids', () => {
  const { signer, verifier } = generateNoteKey('ledger.example/test');
  const s = parseSignerKey(signer);
  const v = parseVerifierKey(verifier);
  const note = signNote(formatCheckpoint({ origin: 'ledger.example/test', size: 3, root: Buffer.alloc(32, 7), extensions: [] }), s);
  assert.equal(openCheckpoint(note, [v], 'ledger.example/test').size, 3);
  assert.throws(() => openCheckpoint(note, [v], 'other.example/log'), /origin 'ledger.example\/test', expected 'other.example\/log'/);
  const other = parseVerifierKey(generateNoteKey('ledger.example/test').verifier);
  assert.throws(() => openNote(note, [other]), /no signature from a known key/);
  // A key of another type (0x02) and a key id that does not match are both refused.
  const [, name, id, key] = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(verifier)!;
  const typed = Buffer.from(key, 'base64');
  typed[0] = 0x02;
  assert.throws(() => parseVerifierKey(`${name}+${id}+${typed.toString('base64')}`), /expected an Ed25519 key/);
  assert.throws(() => parseVerifierKey(`${name}+00000000+${key}`), /does not match/);
  assert.throws(() => parseVerifierKey(verifier.replace(/\+[^+]*$/, '+not-base64!')), /not base64/);
});

test('tlog-proof: a receipt verifies offline with the public key alone; truncation and other origins fail', () => {
  const { signer, verifier } = generateNoteKey('ledger.example/log');
  const leaves = Array.from({ length: 13 }, (_, i) => hashLeaf(Buffer.from(`entry ${i}`)));
  const tree = memoryTree(leaves);
  const checkpoint = signNote(formatCheckpoint({ origin: 'ledger.example/log', size: 13, root: Buffer.from(treeHash(tree, 13)), extensions: [] }), parseSignerKey(signer));
  const receipt = formatTlogProof({ index: 6, proof: inclusionProof(tree, 6, 13).map((h) => Buffer.from(h)), checkpoint, extra: Buffer.from('doc-6') });
  assert.ok(receipt.startsWith('c2sp.org/tlog-proof@v1\nextra ZG9jLTY=\nindex 6\n'));
  const key = parseVerifierKey(verifier);
  assert.equal(verifyTlogProof(receipt, leaves[6], key, 'ledger.example/log').index, 6);
  assert.deepEqual(parseTlogProof(receipt).extra, Buffer.from('doc-6'));
  assert.throws(() => verifyTlogProof(receipt, leaves[7], key, 'ledger.example/log'), /not in the checkpointed tree/);
  assert.throws(() => verifyTlogProof(receipt, leaves[6], key, 'other.example/log'), /expected 'other.example\/log'/);
  const lines = receipt.split('\n');
  const truncated = [...lines.slice(0, 4), ...lines.slice(5)].join('\n');
  assert.throws(() => verifyTlogProof(truncated, leaves[6], key, 'ledger.example/log'), /proof too short/);
  assert.throws(() => verifyTlogProof(receipt.slice(0, 60), leaves[6], key, 'ledger.example/log'), /truncated|expected a base64/);
  assert.throws(() => verifyTlogProof(receipt.replace('index 6', 'index 06'), leaves[6], key, 'ledger.example/log'), /expected 'index N'/);
});

test('DSSE: the specification vector has the published PAE and its raw r||s P-256 signature verifies', () => {
  const v = json('dsse/hello-world.json');
  assert.equal(pae(v.payloadType, Buffer.from(v.payload)).toString(), v.pae);
  const toB64url = (decimal: string): string => Buffer.from(BigInt(decimal).toString(16).padStart(64, '0'), 'hex').toString('base64url');
  const key = createPublicKey({ key: { kty: 'EC', crv: v.publicKey.curve, x: toB64url(v.publicKey.x), y: toB64url(v.publicKey.y) }, format: 'jwk' });
  assert.equal(verifyEnvelope(v.envelope, key).payload.toString(), 'hello world');
  assert.throws(() => verifyEnvelope({ ...v.envelope, payloadType: 'http://example.com/Other' }, key), /no DSSE signature verifies/);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const own = signEnvelope('application/vnd.in-toto+json', Buffer.from('{}'), privateKey);
  assert.equal(verifyEnvelope(own, publicKey).payload.toString(), '{}');
});

const MODEL_VECTORS: { folder: string; model: string; material: 'key' | 'certificate' }[] = [
  { folder: 'v1.0.0-elliptic-key', model: 'signme-1', material: 'key' },
  { folder: 'v1.0.1-elliptic-key', model: '.', material: 'key' },
  { folder: 'v1.1.0-elliptic-key', model: '.', material: 'key' },
  { folder: 'v1.0.0-certificate', model: '.', material: 'certificate' },
  { folder: 'v1.1.0-certificate', model: '.', material: 'certificate' },
];

for (const { folder, model, material } of MODEL_VECTORS) {
  test(`model signing: ${folder} verifies over its files, and fails once a signed byte changes`, async () => {
    const dir = join(tempDir(), folder);
    cpSync(join(VECTORS, 'model-signing', folder), dir, { recursive: true });
    chmodSync(dir, 0o755);
    const keys = join(VECTORS, 'model-signing/keys');
    const options = {
      signaturePath: join(dir, 'model.sig'),
      ignorePaths: ['ignore-me'],
      ...(material === 'key' ? { publicKeyPath: join(keys, 'signing-key-pub.pem') } : { certificateChainPath: join(keys, 'ca-cert.pem') }),
    };
    const result = await verifyModel(join(dir, model), options);
    assert.ok(result.files >= 1);
    const signed = join(dir, model === '.' ? 'signme-2' : model);
    chmodSync(signed, 0o644);
    const bytes = readFileSync(signed);
    bytes[0] ^= 1;
    writeFileSync(signed, bytes);
    await assert.rejects(verifyModel(join(dir, model), options), /does not match its signature: changed/);
  });
}

test('model signing: a bundle we sign verifies, names added, removed and changed files, and refuses the wrong key', async () => {
  const dir = tempDir();
  const model = join(dir, 'model');
  cpSync(join(VECTORS, 'model-signing/v1.1.0-elliptic-key'), model, { recursive: true });
  chmodSync(model, 0o755);
  for (const curve of ['P-256', 'P-384'] as const) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
    writeFileSync(join(dir, 'key.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(join(dir, 'pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    const sig = join(dir, `${curve}.sig`);
    const bundle = (await signModel(model, { keyPath: join(dir, 'key.pem'), signaturePath: sig, ignorePaths: ['ignore-me', 'model.sig'] })) as any;
    assert.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.match(bundle.verificationMaterial.publicKey.hint, /^[0-9a-f]{64}$/);
    const result = await verifyModel(model, { signaturePath: sig, publicKeyPath: join(dir, 'pub.pem') });
    assert.deepEqual([result.subject, result.files], ['model', 2]);
  }
  const other = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
  writeFileSync(join(dir, 'other.pem'), other.export({ type: 'spki', format: 'pem' }));
  await assert.rejects(verifyModel(model, { signaturePath: join(dir, 'P-384.sig'), publicKeyPath: join(dir, 'other.pem') }), /no DSSE signature verifies/);
  writeFileSync(join(model, 'extra.bin'), 'slipped in');
  await assert.rejects(verifyModel(model, { signaturePath: join(dir, 'P-384.sig'), publicKeyPath: join(dir, 'pub.pem') }), /unsigned extra\.bin/);
  await assert.rejects(verifyModel(model, { signaturePath: join(dir, 'P-384.sig'), publicKeyPath: join(dir, 'pub.pem'), ignorePaths: ['extra.bin', 'signme-1'] }), /missing signme-1/);
  writeFileSync(join(dir, 'rsa.pem'), generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await assert.rejects(signModel(model, { keyPath: join(dir, 'rsa.pem'), signaturePath: join(dir, 'x.sig') }), /cannot sign models/);
  await assert.rejects(signModel(model, { keyPath: join(dir, 'pub.pem'), signaturePath: join(dir, 'x.sig') }), /not a PEM private key/);
});
