/**
 * Dataset lineage as an in-toto statement with the SLSA provenance v1
 * predicate, in a DSSE envelope: the subject is the dataset's files, the
 * dependencies are the sources its documents came from and the version before
 * it, and the byproducts tie it to the ledger offline (the manifest record,
 * its tlog-proof receipt and the signed checkpoint that receipt is against).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { AntidoteError } from '../errors/index.js';
import { signEnvelope, verifyEnvelope, type DsseEnvelope } from './dsse/index.js';
import { IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT, readKey, SigningError } from './signing/index.js';
import { describeFiles } from './files.js';
import { NORMALIZATION, type DocumentRecord } from './records.js';
import { LEDGER_FORMAT, type Ledger } from './log.js';

export const SLSA_PROVENANCE = 'https://slsa.dev/provenance/v1';
export const LINEAGE_BUILD_TYPE = 'https://antidote.dev/ledger/add/v1';

interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest?: Record<string, string>;
  content?: string;
  annotations?: Record<string, unknown>;
}

export interface LineageStatement {
  _type: string;
  subject: ResourceDescriptor[];
  predicateType: string;
  predicate: {
    buildDefinition: { buildType: string; externalParameters: Record<string, unknown>; internalParameters: Record<string, unknown>; resolvedDependencies: ResourceDescriptor[] };
    runDetails: { builder: { id: string }; metadata: { invocationId: string; startedOn: string; finishedOn: string }; byproducts: ResourceDescriptor[] };
  };
}

/** The statement for one dataset version, read from the ledger. */
export async function lineageOf(ledger: Ledger, dataset: string): Promise<LineageStatement> {
  const versions = await ledger.datasets();
  const manifest = versions.find((d) => d.dataset === dataset);
  if (!manifest) throw new AntidoteError('USAGE', `dataset ${dataset} is not in the ledger; see 'antidote ledger log --kind dataset'`);
  const name = dataset.slice(0, dataset.lastIndexOf('@'));
  const previous = versions.filter((d) => d.dataset.startsWith(`${name}@`) && d.entry < manifest.entry).at(-1);
  // Where the documents came from, with how many each source gave and the earliest ingestion.
  const sources = new Map<string, { documents: number; trust: Set<string> }>();
  let startedOn = manifest.created;
  for await (const e of ledger.store.entries(manifest.firstEntry, manifest.lastEntry + 1)) {
    const doc = JSON.parse(e.record) as DocumentRecord;
    const key = doc.source ?? '(no source recorded)';
    const s = sources.get(key) ?? { documents: 0, trust: new Set<string>() };
    s.documents++;
    s.trust.add(doc.trust ?? 'unstated');
    sources.set(key, s);
    if (doc.ingested < startedOn) startedOn = doc.ingested;
  }
  const receipt = await ledger.receipt(manifest.entry);
  const checkpoint = receipt.slice(receipt.indexOf('\n\n') + 2);
  const base = `antidote-ledger://${ledger.origin}`;
  return {
    _type: IN_TOTO_STATEMENT,
    subject: manifest.files.map((f) => ({ name: f.path, digest: { sha256: f.sha256 } })),
    predicateType: SLSA_PROVENANCE,
    predicate: {
      buildDefinition: {
        buildType: LINEAGE_BUILD_TYPE,
        externalParameters: { dataset, documents: manifest.documents },
        internalParameters: { ledgerFormat: LEDGER_FORMAT, normalization: NORMALIZATION },
        resolvedDependencies: [
          ...[...sources].sort(([a], [b]) => (a < b ? -1 : 1)).map(([uri, s]) => ({ uri, annotations: { documents: s.documents, trust: [...s.trust].sort() } })),
          ...(previous ? [{ name: previous.dataset, uri: `${base}/entry/${previous.entry}`, annotations: { root: previous.root, documents: previous.documents } }] : []),
        ],
      },
      runDetails: {
        builder: { id: base },
        metadata: { invocationId: `${base}/entry/${manifest.entry}`, startedOn, finishedOn: manifest.created },
        byproducts: [
          { name: 'dataset-root', digest: { sha256: manifest.root }, annotations: { firstEntry: manifest.firstEntry, lastEntry: manifest.lastEntry } },
          { name: 'receipt.tlog-proof', content: Buffer.from(receipt).toString('base64') },
          { name: 'checkpoint', content: Buffer.from(checkpoint).toString('base64') },
        ],
      },
    },
  };
}

/** Signs the lineage of `dataset` with a PEM private key (ECDSA or Ed25519) and writes the DSSE envelope. */
export async function attestLineage(ledger: Ledger, dataset: string, keyPath: string, out: string): Promise<LineageStatement> {
  const key = readKey(readFileSync(keyPath, 'utf8'), 'private', keyPath);
  const statement = await lineageOf(ledger, dataset);
  writeFileSync(out, JSON.stringify(signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)), key), null, 2) + '\n');
  return statement;
}

/**
 * Checks an attestation's signature and shape, and, given the dataset's files
 * (name -> path), that each is the file the statement names.
 */
export async function verifyLineage(envelope: DsseEnvelope | unknown, publicKeyPath: string, files: readonly { name: string; path: string }[] = []): Promise<LineageStatement> {
  const key = readKey(readFileSync(publicKeyPath, 'utf8'), 'public', publicKeyPath);
  const { payloadType, payload } = verifyEnvelope(envelope, key);
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) throw new SigningError(`payload type ${payloadType} is not ${IN_TOTO_PAYLOAD_TYPE}`);
  let statement: LineageStatement;
  try {
    statement = JSON.parse(payload.toString('utf8')) as LineageStatement;
  } catch {
    throw new SigningError('the signed payload is not JSON');
  }
  if (statement._type !== IN_TOTO_STATEMENT || statement.predicateType !== SLSA_PROVENANCE || !Array.isArray(statement.subject)) throw new SigningError(`not an in-toto statement with the SLSA provenance v1 predicate`);
  for (const file of await describeFiles(files)) {
    const subject = statement.subject.find((s) => s.name === file.path);
    if (!subject) throw new SigningError(`${file.path}: not a subject of this attestation (subjects: ${statement.subject.map((s) => s.name).join(', ')})`);
    if (subject.digest?.sha256 !== file.sha256) throw new SigningError(`${file.path}: its SHA-256 ${file.sha256} is not the attested ${subject.digest?.sha256}`);
  }
  return statement;
}
