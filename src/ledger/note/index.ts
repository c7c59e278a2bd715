/**
 * C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys, the checkpoints
 * they carry (c2sp.org/tlog-checkpoint), and offline receipts
 * (c2sp.org/tlog-proof). These are the formats of Go's sumdb, Sigsum and
 * Rekor v2, so other tools can check what the ledger signs.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { HASH_SIZE, verifyInclusion } from '../merkle/index.js';

export class NoteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoteError';
  }
}

const ED25519 = 0x01;
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
const SIGNATURE_DASH = '\u2014 ';

export interface VerifierKey {
  name: string;
  keyId: Buffer;
  publicKey: KeyObject;
  /** The text form, name+hex(keyid)+base64(type||key). */
  text: string;
}

export interface SignerKey extends VerifierKey {
  privateKey: KeyObject;
}

function checkKeyName(name: string): void {
  if (!name || /[\s+]/u.test(name) || /[\x00-\x1f]/.test(name)) throw new NoteError(`key name '${name}' must be non-empty, without spaces or '+'`);
}

function keyId(name: string, typedKey: Buffer): Buffer {
  return createHash('sha256').update(name).update('\n').update(typedKey).digest().subarray(0, 4);
}

function rawPublicKey(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' }).subarray(SPKI_ED25519.length);
}

function verifierFrom(name: string, publicKey: KeyObject): VerifierKey {
  const typed = Buffer.concat([Buffer.from([ED25519]), rawPublicKey(publicKey)]);
  const id = keyId(name, typed);
  return { name, keyId: id, publicKey, text: `${name}+${id.toString('hex')}+${typed.toString('base64')}` };
}

/** A new Ed25519 key pair; the signer text starts with PRIVATE+KEY+ as in Go's note package. */
export function generateNoteKey(name: string): { signer: string; verifier: string } {
  checkKeyName(name);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ type: 'pkcs8', format: 'der' }).subarray(PKCS8_ED25519.length);
  const verifier = verifierFrom(name, publicKey);
  return { signer: `PRIVATE+KEY+${name}+${verifier.keyId.toString('hex')}+${Buffer.concat([Buffer.from([ED25519]), seed]).toString('base64')}`, verifier: verifier.text };
}

function decodeTypedKey(text: string, what: string): Buffer {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new NoteError(`${what}: key is not base64`);
  const typed = Buffer.from(text, 'base64');
  if (typed[0] !== ED25519 || typed.length !== 33) throw new NoteError(`${what}: expected an Ed25519 key (type 0x01, 32 bytes), got type 0x${(typed[0] ?? 0).toString(16).padStart(2, '0')} with ${typed.length - 1} bytes`);
  return typed;
}

/** Splits `count` '+'-separated fields off the front; the key's base64 may itself hold '+'. */
function splitKey(text: string, count: number): string[] | undefined {
  const parts = text.trim().split('+');
  if (parts.length <= count) return undefined;
  return [...parts.slice(0, count), parts.slice(count).join('+')];
}

export function parseVerifierKey(text: string): VerifierKey {
  const parts = splitKey(text, 2);
  if (!parts) throw new NoteError('verifier key must be name+keyid+key');
  const [name, hexId, key] = parts;
  checkKeyName(name);
  const typed = decodeTypedKey(key, 'verifier key');
  const publicKey = createPublicKey({ key: Buffer.concat([SPKI_ED25519, typed.subarray(1)]), format: 'der', type: 'spki' });
  const parsed = verifierFrom(name, publicKey);
  if (parsed.keyId.toString('hex') !== hexId.toLowerCase()) throw new NoteError(`verifier key id ${hexId} does not match its name and key (expected ${parsed.keyId.toString('hex')})`);
  return parsed;
}

export function parseSignerKey(text: string): SignerKey {
  const parts = splitKey(text, 4);
  if (!parts || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') throw new NoteError('signer key must be PRIVATE+KEY+name+keyid+key');
  const [, , name, hexId, key] = parts;
  checkKeyName(name);
  const typed = decodeTypedKey(key, 'signer key');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, typed.subarray(1)]), format: 'der', type: 'pkcs8' });
  const verifier = verifierFrom(name, createPublicKey(privateKey));
  if (verifier.keyId.toString('hex') !== hexId.toLowerCase()) throw new NoteError(`signer key id ${hexId} does not match its name and key`);
  return { ...verifier, privateKey };
}

function checkText(text: string): void {
  if (!text.endsWith('\n')) throw new NoteError('note text must end with a newline');
  if (/[\x00-\x09\x0b-\x1f\x7f]/.test(text)) throw new NoteError('note text must not contain control characters other than newline');
}

/** Signs note text (which must end in a newline) and returns the signed note. */
export function signNote(text: string, signer: SignerKey): string {
  checkText(text);
  const signature = sign(null, Buffer.from(text, 'utf8'), signer.privateKey);
  return `${text}\n${SIGNATURE_DASH}${signer.name} ${Buffer.concat([signer.keyId, signature]).toString('base64')}\n`;
}

export interface OpenedNote {
  text: string;
  /** Names of the known keys whose signatures verified. */
  verifiedBy: string[];
  /** Signature lines from keys we do not know, kept for cosigning witnesses. */
  otherSignatures: string[];
}

/**
 * Verifies a signed note against known verifier keys. Signatures from unknown
 * keys are ignored, as the spec requires; a known key whose signature fails
 * makes the whole note fail.
 */
export function openNote(note: string, verifiers: readonly VerifierKey[]): OpenedNote {
  if (!note.endsWith('\n')) throw new NoteError('signed note must end with a newline');
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new NoteError('signed note has no blank line before its signatures');
  const text = note.slice(0, split + 1);
  checkText(text);
  const lines = note.slice(split + 2, -1).split('\n');
  const verifiedBy: string[] = [];
  const otherSignatures: string[] = [];
  for (const line of lines) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/u.exec(line);
    if (!m) throw new NoteError(`malformed signature line '${line.slice(0, 80)}'`);
    const bytes = Buffer.from(m[2], 'base64');
    if (bytes.length < 5) throw new NoteError(`signature by ${m[1]} is too short`);
    const key = verifiers.find((v) => v.name === m[1] && v.keyId.equals(bytes.subarray(0, 4)));
    if (!key) {
      otherSignatures.push(line);
      continue;
    }
    if (!verify(null, Buffer.from(text, 'utf8'), key.publicKey, bytes.subarray(4))) throw new NoteError(`signature by ${key.name} does not verify`);
    verifiedBy.push(key.name);
  }
  if (verifiedBy.length === 0) throw new NoteError(`no signature from a known key (${verifiers.map((v) => v.name).join(', ') || 'none given'})`);
  return { text, verifiedBy, otherSignatures };
}

export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
  /** Extension lines after the root, without newlines. */
  extensions: string[];
}

export function formatCheckpoint(c: Checkpoint): string {
  return [c.origin, String(c.size), c.root.toString('base64'), ...c.extensions].join('\n') + '\n';
}

export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw new NoteError('checkpoint text must end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new NoteError(`checkpoint needs origin, size and root lines, got ${lines.length} lines`);
  const [origin, sizeText, rootText, ...extensions] = lines;
  if (!origin) throw new NoteError('checkpoint origin is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) throw new NoteError(`checkpoint size '${sizeText}' is not a decimal number without leading zeros`);
  const root = Buffer.from(rootText, 'base64');
  if (root.length !== HASH_SIZE || root.toString('base64') !== rootText) throw new NoteError(`checkpoint root is not a base64 ${HASH_SIZE}-byte hash`);
  if (extensions.some((e) => e === '')) throw new NoteError('checkpoint has an empty extension line');
  return { origin, size: Number(sizeText), root, extensions };
}

/** Opens a signed checkpoint and checks it comes from the expected origin. */
export function openCheckpoint(note: string, verifiers: readonly VerifierKey[], origin: string): Checkpoint & { note: OpenedNote } {
  const opened = openNote(note, verifiers);
  const checkpoint = parseCheckpoint(opened.text);
  if (checkpoint.origin !== origin) throw new NoteError(`checkpoint is from origin '${checkpoint.origin}', expected '${origin}'`);
  return { ...checkpoint, note: opened };
}

export interface TlogProof {
  index: number;
  proof: Buffer[];
  /** The signed checkpoint note, verbatim. */
  checkpoint: string;
  extra?: Buffer;
}

const PROOF_HEADER = 'c2sp.org/tlog-proof@v1';

export function formatTlogProof(p: TlogProof): string {
  const lines = [PROOF_HEADER, ...(p.extra ? [`extra ${p.extra.toString('base64')}`] : []), `index ${p.index}`, ...p.proof.map((h) => h.toString('base64'))];
  return `${lines.join('\n')}\n\n${p.checkpoint}`;
}

export function parseTlogProof(text: string): TlogProof {
  const split = text.indexOf('\n\n');
  if (split < 0) throw new NoteError('tlog-proof has no blank line before its checkpoint (truncated?)');
  const lines = text.slice(0, split).split('\n');
  if (lines[0] !== PROOF_HEADER) throw new NoteError(`tlog-proof must start with '${PROOF_HEADER}'`);
  let at = 1;
  let extra: Buffer | undefined;
  if (lines[at]?.startsWith('extra ')) {
    extra = Buffer.from(lines[at].slice(6), 'base64');
    at++;
  }
  const indexMatch = /^index (0|[1-9][0-9]*)$/.exec(lines[at] ?? '');
  if (!indexMatch || !Number.isSafeInteger(Number(indexMatch[1]))) throw new NoteError(`tlog-proof line ${at + 1}: expected 'index N', got '${lines[at] ?? ''}'`);
  const proof = lines.slice(at + 1).map((line, i) => {
    const h = Buffer.from(line, 'base64');
    if (h.length !== HASH_SIZE || h.toString('base64') !== line) throw new NoteError(`tlog-proof line ${at + 2 + i}: expected a base64 ${HASH_SIZE}-byte hash`);
    return h;
  });
  const checkpoint = text.slice(split + 2);
  if (!checkpoint) throw new NoteError('tlog-proof has no checkpoint');
  return { index: Number(indexMatch[1]), proof, checkpoint, ...(extra ? { extra } : {}) };
}

/** Checks a receipt offline: the checkpoint's signature and origin, then the leaf's inclusion. */
export function verifyTlogProof(text: string, leafHash: Buffer, verifier: VerifierKey, origin: string): Checkpoint & { index: number } {
  const p = parseTlogProof(text);
  const checkpoint = openCheckpoint(p.checkpoint, [verifier], origin);
  try {
    verifyInclusion(p.index, checkpoint.size, leafHash, p.proof, checkpoint.root);
  } catch (e) {
    throw new NoteError(`entry ${p.index} is not in the checkpointed tree: ${(e as Error).message}`);
  }
  return { ...checkpoint, index: p.index };
}
