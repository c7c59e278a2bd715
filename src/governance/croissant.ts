/**
 * Croissant 1.0 metadata, with the Responsible AI vocabulary, for a dataset
 * version in the ledger: its files with their hashes, its record structure,
 * how it was collected (sources, trust levels, contributors), how it was
 * checked (scans, incidents and their review), and its known limits.
 * Checked by a JSON-LD processor (nothing dropped, no network) and against
 * SHACL shapes for the properties the Croissant specification requires.
 */
import { readFileSync } from 'node:fs';
import jsonld from 'jsonld';
import { Parser, Store } from 'n3';
import SHACLValidator from 'rdf-validate-shacl';
import { AntidoteError } from '../errors/index.js';
import type { DatasetFacts } from './facts.js';

type Json = Record<string, any>;

/** The JSON-LD context the Croissant 1.0 specification recommends (its Appendix 1). */
const CONTEXT = {
  '@language': 'en', '@vocab': 'https://schema.org/', sc: 'https://schema.org/', cr: 'http://mlcommons.org/croissant/', rai: 'http://mlcommons.org/croissant/RAI/', dct: 'http://purl.org/dc/terms/',
  citeAs: 'cr:citeAs', column: 'cr:column', conformsTo: 'dct:conformsTo', data: { '@id': 'cr:data', '@type': '@json' }, dataType: { '@id': 'cr:dataType', '@type': '@vocab' },
  examples: { '@id': 'cr:examples', '@type': '@json' }, extract: 'cr:extract', field: 'cr:field', fileProperty: 'cr:fileProperty', fileObject: 'cr:fileObject', fileSet: 'cr:fileSet',
  format: 'cr:format', includes: 'cr:includes', isLiveDataset: 'cr:isLiveDataset', jsonPath: 'cr:jsonPath', key: 'cr:key', md5: 'cr:md5', parentField: 'cr:parentField', path: 'cr:path',
  recordSet: 'cr:recordSet', references: 'cr:references', regex: 'cr:regex', repeated: 'cr:repeated', replace: 'cr:replace', separator: 'cr:separator', source: 'cr:source',
  subField: 'cr:subField', transform: 'cr:transform',
};

const FORMATS: Array<[RegExp, string]> = [[/\.jsonl$/, 'application/jsonlines'], [/\.json$/, 'application/json'], [/\.csv$/, 'text/csv'], [/\.tsv$/, 'text/tab-separated-values'], [/\.parquet$/, 'application/x-parquet'], [/\.gz$/, 'application/gzip'], [/\.zst$/, 'application/zstd']];
const formatOf = (path: string): string => FORMATS.find(([re]) => re.test(path))?.[1] ?? 'text/plain';

const list = (counts: Record<string, number>): string => Object.entries(counts).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} (${n})`).join(', ');

export function croissantMetadata(d: DatasetFacts, options: { origin: string; url?: string; creator?: string }): Json {
  const at = d.version.lastIndexOf('@');
  const name = d.version.slice(0, at);
  const files = d.record.files.map((f) => ({ '@type': 'cr:FileObject', '@id': f.path, name: f.path, contentUrl: f.path, encodingFormat: formatOf(f.path), sha256: f.sha256, contentSize: `${f.bytes} B` }));
  const licenses = Object.keys(d.composition.byLicense).filter((l) => l !== 'unstated');
  const confirmed = d.incidents.filter((i) => i.state === 'confirmed');
  const field = (id: string, path: string) => ({ '@type': 'cr:Field', '@id': `documents/${id}`, name: id, dataType: 'sc:Text', source: { fileObject: { '@id': files[0]?.['@id'] ?? 'unknown' }, extract: { jsonPath: path } } });
  return {
    '@context': CONTEXT,
    '@type': 'sc:Dataset',
    conformsTo: ['http://mlcommons.org/croissant/1.0', 'http://mlcommons.org/croissant/RAI/1.0'],
    name,
    description: `${name}, version ${d.version.slice(at + 1)}: ${d.record.documents} documents recorded in the Antidote ledger ${options.origin} (entries ${d.record.firstEntry}..${d.record.lastEntry}, Merkle root ${d.record.root}).`,
    version: `${d.version.slice(at + 1)}.0.0`,
    url: options.url ?? `urn:antidote:${options.origin}:${d.version}`,
    license: licenses.length ? licenses : ['https://spdx.org/licenses/NOASSERTION'],
    creator: { '@type': 'sc:Organization', name: options.creator ?? options.origin },
    datePublished: d.record.created,
    distribution: files,
    recordSet: [{ '@type': 'cr:RecordSet', '@id': 'documents', name: 'documents', description: 'One record per document, as recorded in the ledger.', field: [field('id', '$.id'), field('text', '$.text')] }],
    'rai:dataCollection': `Documents from ${Object.keys(d.composition.bySource).length} source(s): ${list(d.composition.bySource)}. Trust levels: ${list(d.composition.byTrust)}. Licences: ${list(d.composition.byLicense)}. ${d.composition.contributors} named contributor(s).`,
    'rai:dataPreprocessingProtocol': [
      'Each document hashed (SHA-256) as written and after content normalisation antidote-norm/1, and appended to a signed Merkle log (the Antidote ledger).',
      `Scanned for data poisoning by Antidote: ${d.incidents.length} incident(s) over this version (${list(d.incidentStates) || 'none'}), ${d.decisions} review decision(s) recorded in the ledger.`,
    ],
    'rai:dataLimitations': confirmed.length
      ? `Confirmed poisoning: ${confirmed.map((i) => `${i.key} (${i.documents} documents${i.trigger !== null ? `, trigger ${JSON.stringify(i.trigger)}` : ''})`).join('; ')}. Drop these documents before training ('antidote incident playbook KEY').`
      : 'No confirmed data-poisoning incident as of the ledger checkpoint this was written from.',
    'rai:dataReleaseMaintenancePlan': `Versions are immutable; changes are recorded as a new version of ${name}. These facts are as of ledger checkpoint ${d.checkpointSize}.`,
  };
}

const SHAPES = new URL('../../../schema/croissant-1.0-shapes.ttl', import.meta.url);

/** Problems found in `doc`: terms a JSON-LD processor would drop, and SHACL violations of the required properties. */
export async function validateCroissant(doc: Json): Promise<string[]> {
  const refuse = async (url: string): Promise<never> => {
    throw new Error(`no network: the context must be inline (asked for ${url})`);
  };
  // Croissant ids are relative to where the metadata is published, which is not known here.
  const base = 'https://metadata.invalid/';
  let nquads: string;
  try {
    // safe mode: a term the context does not define is an error, not silently dropped
    await jsonld.expand(doc, { base, safe: true, documentLoader: refuse } as never);
    nquads = (await jsonld.toRDF(doc, { base, format: 'application/n-quads', safe: true, documentLoader: refuse } as never)) as unknown as string;
  } catch (e) {
    const event = (e as { details?: { event?: { message?: string; details?: unknown } } }).details?.event;
    return [`JSON-LD: ${(e as Error).message}${event ? ` ${event.message ?? ""} ${JSON.stringify(event.details ?? {})}` : ""}`];
  }
  const data = new Store(new Parser({ format: 'N-Quads' }).parse(nquads));
  const shapes = new Store(new Parser({ format: 'Turtle' }).parse(readFileSync(SHAPES, 'utf8')));
  const report = await new SHACLValidator(shapes as never).validate(data as never);
  return report.results.map((r) => `${r.focusNode?.value ?? '?'} ${r.path?.value ?? ''}: ${r.message.map((m) => m.value).join('; ') || r.sourceConstraintComponent?.value}`);
}

export async function checkedCroissant(d: DatasetFacts, options: { origin: string; url?: string; creator?: string }): Promise<Json> {
  const doc = croissantMetadata(d, options);
  const problems = await validateCroissant(doc);
  if (problems.length) throw new AntidoteError('OUTPUT_FAILED', `internal: the Croissant metadata does not validate: ${problems.slice(0, 5).join(' | ')}`);
  return doc;
}
