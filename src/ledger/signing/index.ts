/**
 * OpenSSF model signing (github.com/sigstore/model-transparency), local-key
 * and certificate flavours: a Sigstore bundle v0.3 holding a DSSE envelope
 * whose in-toto statement lists every file of a model or dataset directory
 * with its SHA-256. Bundles written here verify with `model_signing`, and
 * bundles it writes verify here.
 */
import { createHash, createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { DsseError, signEnvelope, verifyEnvelope } from '../dsse/index.js';
import { fileDigest } from '../files.js';

export class SigningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningError';
  }
}

export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const IN_TOTO_STATEMENT = 'https://in-toto.io/Statement/v1';
export const MODEL_SIGNING_PREDICATE = 'https://model_signing/signature/v1.0';
/** Paths model_signing leaves out of every manifest. */
const DEFAULT_IGNORED = ['.git', '.gitattributes', '.github', '.gitignore'];

export interface Resource {
  name: string;
  digest: string;
  algorithm: 'sha256';
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/**
 * Every file under `model` (or the file itself), by POSIX path relative to it,
 * sorted, leaving out ignored paths and anything beneath them. Symlinks are
 * refused: a link can point anywhere after signing.
 */
export async function manifestOf(model: string, ignorePaths: readonly string[]): Promise<Resource[]> {
  const root = resolve(model);
  let stat;
  try {
    stat = lstatSync(root);
  } catch {
    throw new SigningError(`${model}: no such file or directory`);
  }
  if (stat.isSymbolicLink()) throw new SigningError(`${model}: is a symbolic link; sign its target`);
  if (stat.isFile()) return [{ name: '.', digest: await fileDigest(root), algorithm: 'sha256' }];
  const ignored = new Set(ignorePaths.map((p) => toPosix(relative(root, resolve(root, p)))));
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const name = toPosix(relative(root, full));
      if (ignored.has(name)) continue;
      if (entry.isSymbolicLink()) throw new SigningError(`${name}: symbolic links are not signed; replace it with the file or ignore it`);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push(name);
    }
  };
  walk(root);
  files.sort();
  const out: Resource[] = [];
  for (const name of files) out.push({ name, digest: await fileDigest(join(root, name)), algorithm: 'sha256' });
  return out;
}

/** The statement's subject digest: SHA-256 over the resource digests in name order. */
export function manifestDigest(resources: readonly Resource[]): string {
  const hash = createHash('sha256');
  for (const r of [...resources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) hash.update(Buffer.from(r.digest, 'hex'));
  return hash.digest('hex');
}

/** model_signing signs with ECDSA (digest from the curve) or Ed25519. */
function checkSigningKey(key: KeyObject): void {
  if (key.asymmetricKeyType === 'ed25519') return;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType === 'ec' && (curve === 'prime256v1' || curve === 'secp384r1' || curve === 'secp521r1')) return;
  throw new SigningError(`keys of type ${key.asymmetricKeyType} ${curve ?? ''} cannot sign models; use ECDSA P-256/P-384/P-521 or Ed25519`);
}

/** model_signing's key hint: SHA-256 of the public key's PEM (SPKI) text. */
function keyHint(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'pem' })).digest('hex');
}

export function readKey(pem: string, kind: 'private' | 'public', path: string): KeyObject {
  try {
    return kind === 'private' ? createPrivateKey(pem) : createPublicKey(pem);
  } catch (e) {
    throw new SigningError(`${path}: not a PEM ${kind} key (${(e as Error).message})`);
  }
}

function ignoreList(model: string, signature: string, extra: readonly string[]): string[] {
  const list = [...DEFAULT_IGNORED, ...extra];
  const sig = relative(resolve(model), resolve(signature));
  if (!sig.startsWith('..')) list.push(toPosix(sig));
  return list;
}

export interface SignOptions {
  keyPath: string;
  signaturePath: string;
  ignorePaths?: string[];
}

/** Signs a model or dataset directory with a local private key; writes and returns the bundle. */
export async function signModel(model: string, options: SignOptions): Promise<object> {
  const privateKey = readKey(readFileSync(options.keyPath, 'utf8'), 'private', options.keyPath);
  const publicKey = createPublicKey(privateKey);
  checkSigningKey(publicKey);
  const ignorePaths = ignoreList(model, options.signaturePath, options.ignorePaths ?? []);
  const resources = await manifestOf(model, ignorePaths);
  if (resources.length === 0) throw new SigningError(`${model}: nothing to sign (every file is ignored)`);
  const statement = {
    _type: IN_TOTO_STATEMENT,
    subject: [{ name: basename(resolve(model)), digest: { sha256: manifestDigest(resources) } }],
    predicateType: MODEL_SIGNING_PREDICATE,
    predicate: {
      serialization: { method: 'files', hash_type: 'sha256', allow_symlinks: false, ignore_paths: ignorePaths },
      resources,
    },
  };
  const bundle = {
    mediaType: BUNDLE_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: keyHint(publicKey) }, tlogEntries: [] },
    dsseEnvelope: signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement, null, 2)), privateKey),
  };
  writeFileSync(options.signaturePath, JSON.stringify(bundle, null, 2) + '\n');
  return bundle;
}

export interface VerifyOptions {
  signaturePath: string;
  /** PEM public key for key-signed bundles. */
  publicKeyPath?: string;
  /** PEM file of trusted root certificates for certificate-signed bundles. */
  certificateChainPath?: string;
  ignorePaths?: string[];
  now?: Date;
}

export interface VerifyResult {
  subject: string;
  files: number;
  signer: string;
  /** the manifest digest signed, which a ledger model record of the same files holds too */
  manifest: string;
}

function certificateKey(chain: { rawBytes: string }[], trustedPath: string, now: Date): { key: KeyObject; signer: string } {
  const pem = readFileSync(trustedPath, 'utf8');
  const roots = (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((p) => new X509Certificate(p));
  if (roots.length === 0) throw new SigningError(`${trustedPath}: no PEM certificates`);
  const certs = chain.map((c, i) => {
    try {
      return new X509Certificate(Buffer.from(c.rawBytes, 'base64'));
    } catch {
      throw new SigningError(`bundle certificate ${i} is not a DER certificate`);
    }
  });
  if (certs.length === 0) throw new SigningError('bundle has an empty certificate chain');
  for (const [i, cert] of certs.entries()) {
    if (new Date(cert.validFrom) > now || new Date(cert.validTo) < now) throw new SigningError(`bundle certificate ${i} (${cert.subject}) is not valid now (${cert.validFrom} to ${cert.validTo})`);
    const issuer = certs[i + 1];
    if (issuer) {
      if (!issuer.ca || !cert.verify(issuer.publicKey)) throw new SigningError(`bundle certificate ${i} (${cert.subject}) is not signed by the next certificate in the chain`);
      continue;
    }
    const root = roots.find((r) => r.ca && cert.verify(r.publicKey));
    if (!root) throw new SigningError(`certificate chain does not lead to a root in ${trustedPath}`);
  }
  return { key: certs[0].publicKey, signer: `certificate ${certs[0].subject.replace(/\n/g, ', ')}` };
}

/** Verifies a bundle over a model or dataset directory; throws SigningError naming what differs. */
export async function verifyModel(model: string, options: VerifyOptions): Promise<VerifyResult> {
  let bundle: Record<string, any>;
  try {
    bundle = JSON.parse(readFileSync(options.signaturePath, 'utf8'));
  } catch (e) {
    throw new SigningError(`${options.signaturePath}: not a readable JSON bundle (${(e as Error).message})`);
  }
  if (bundle?.mediaType !== BUNDLE_MEDIA_TYPE && bundle?.mediaType !== 'application/vnd.dev.sigstore.bundle+json;version=0.3') {
    throw new SigningError(`${options.signaturePath}: media type '${bundle?.mediaType}' is not a Sigstore bundle v0.3`);
  }
  const material = bundle.verificationMaterial ?? {};
  let key: KeyObject;
  let signer: string;
  if (material.x509CertificateChain) {
    if (!options.certificateChainPath) throw new SigningError('bundle is signed with a certificate; give the trusted root with --certificate-chain');
    ({ key, signer } = certificateKey(material.x509CertificateChain.certificates ?? [], options.certificateChainPath, options.now ?? new Date()));
  } else if (material.publicKey) {
    if (!options.publicKeyPath) throw new SigningError('bundle is signed with a key; give it with --public-key');
    key = readKey(readFileSync(options.publicKeyPath, 'utf8'), 'public', options.publicKeyPath);
    signer = `key ${keyHint(key).slice(0, 16)}`;
  } else {
    throw new SigningError('bundle has neither a public key hint nor a certificate chain');
  }
  let payload: Buffer;
  try {
    const opened = verifyEnvelope(bundle.dsseEnvelope, key);
    if (opened.payloadType !== IN_TOTO_PAYLOAD_TYPE) throw new SigningError(`DSSE payload type '${opened.payloadType}' is not in-toto`);
    payload = opened.payload;
  } catch (e) {
    if (e instanceof DsseError) throw new SigningError(`${options.signaturePath}: ${e.message}`);
    throw e;
  }
  const statement = JSON.parse(payload.toString('utf8'));
  if (statement._type !== IN_TOTO_STATEMENT || statement.predicateType !== MODEL_SIGNING_PREDICATE) throw new SigningError(`statement is not a model signing v1.0 statement (${statement.predicateType})`);
  const signed: Resource[] = statement.predicate?.resources ?? [];
  if (signed.some((r) => r.algorithm !== 'sha256')) throw new SigningError('only sha256 resource digests are supported');
  if (statement.subject?.[0]?.digest?.sha256 !== manifestDigest(signed)) throw new SigningError('statement subject digest does not match its resources');
  const recorded: string[] = statement.predicate?.serialization?.ignore_paths ?? [];
  const actual = await manifestOf(model, ignoreList(model, options.signaturePath, [...recorded, ...(options.ignorePaths ?? [])]));
  const want = new Map(signed.map((r) => [r.name, r.digest]));
  const have = new Map(actual.map((r) => [r.name, r.digest]));
  const problems: string[] = [];
  for (const [name, digest] of want) {
    if (!have.has(name)) problems.push(`missing ${name}`);
    else if (have.get(name) !== digest) problems.push(`changed ${name}`);
  }
  for (const name of have.keys()) if (!want.has(name)) problems.push(`unsigned ${name}`);
  if (problems.length > 0) throw new SigningError(`${model} does not match its signature: ${problems.slice(0, 10).join(', ')}${problems.length > 10 ? `, and ${problems.length - 10} more` : ''}`);
  return { subject: statement.subject[0].name, files: signed.length, signer, manifest: statement.subject[0].digest.sha256 };
}
