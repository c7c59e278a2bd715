/**
 * DSSE envelopes (github.com/secure-systems-lab/dsse): the signature wrapper
 * of in-toto attestations and Sigstore bundles. Signing covers the
 * pre-authentication encoding, never the raw payload, so a payload cannot be
 * reinterpreted under another type.
 */
import { sign, verify, type KeyObject } from 'node:crypto';

export class DsseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DsseError';
  }
}

export interface DsseEnvelope {
  payload: string;
  payloadType: string;
  signatures: { sig: string; keyid?: string }[];
}

export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** The digest a key signs with: ECDSA picks it from the curve, Ed25519 takes none. */
function digestFor(key: KeyObject): string | null {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519') return null;
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'sha256';
    if (curve === 'secp384r1') return 'sha384';
    if (curve === 'secp521r1') return 'sha512';
    throw new DsseError(`unsupported elliptic curve ${curve}`);
  }
  if (type === 'rsa' || type === 'rsa-pss') return 'sha256';
  throw new DsseError(`unsupported key type ${type}`);
}

export function signEnvelope(payloadType: string, payload: Buffer, privateKey: KeyObject, keyid = ''): DsseEnvelope {
  const sig = sign(digestFor(privateKey), pae(payloadType, payload), privateKey);
  return { payload: payload.toString('base64'), payloadType, signatures: [{ sig: sig.toString('base64'), keyid }] };
}

function checkSignature(message: Buffer, sig: Buffer, key: KeyObject): boolean {
  const digest = digestFor(key);
  if (key.asymmetricKeyType !== 'ec') return verify(digest, message, key, sig);
  // ECDSA signatures come DER-encoded (Sigstore) or as raw r||s (the DSSE spec's vector).
  const encoding = sig[0] === 0x30 && sig.length > 8 && sig[1] + 2 <= sig.length ? 'der' : 'ieee-p1363';
  return verify(digest, message, { key, dsaEncoding: encoding }, sig);
}

/** Verifies an envelope's shape and that one of its signatures is by `publicKey`; returns the payload. */
export function verifyEnvelope(envelope: unknown, publicKey: KeyObject): { payloadType: string; payload: Buffer } {
  const e = envelope as DsseEnvelope;
  if (!e || typeof e !== 'object' || typeof e.payload !== 'string' || typeof e.payloadType !== 'string' || !Array.isArray(e.signatures)) {
    throw new DsseError('DSSE envelope needs string payload, string payloadType and a signatures array');
  }
  if (e.signatures.length === 0) throw new DsseError('DSSE envelope has no signatures');
  const payload = Buffer.from(e.payload, 'base64');
  const message = pae(e.payloadType, payload);
  for (const s of e.signatures) {
    if (typeof s?.sig !== 'string') throw new DsseError('DSSE signature entry without a sig string');
    if (checkSignature(message, Buffer.from(s.sig, 'base64'), publicKey)) return { payloadType: e.payloadType, payload };
  }
  throw new DsseError('no DSSE signature verifies with the given key');
}
