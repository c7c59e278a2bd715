/**
 * A CycloneDX 1.6 ML-BOM for a model: the model component with its files'
 * hashes and a model card, a data component per dataset version it was
 * trained on (files, provenance, governance), their dependency, and the
 * incidents over that data as vulnerabilities with their review state.
 * Built with @cyclonedx/cyclonedx-library's object model and serializer;
 * the model card and data sections, which that model lacks, are added to its
 * output, and the whole is checked against the 1.6 JSON schema it ships.
 */
import { randomUUID } from 'node:crypto';
import { Enums, Models, Serialize, Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { AntidoteError } from '../errors/index.js';
import type { DatasetFile } from '../ledger/index.js';
import type { DatasetFacts, ModelFacts } from './facts.js';

type Json = Record<string, any>;

const TOOL_VERSION = '0.1.0';

/** Review states as CycloneDX vulnerability analysis states. */
const ANALYSIS: Record<string, Enums.Vulnerability.AnalysisState> = {
  open: Enums.Vulnerability.AnalysisState.InTriage,
  confirmed: Enums.Vulnerability.AnalysisState.Exploitable,
  'false-positive': Enums.Vulnerability.AnalysisState.FalsePositive,
  'accepted-risk': Enums.Vulnerability.AnalysisState.Exploitable,
};

const SEVERITY: Record<string, Enums.Vulnerability.Severity> = {
  info: Enums.Vulnerability.Severity.Info, low: Enums.Vulnerability.Severity.Low, medium: Enums.Vulnerability.Severity.Medium,
  high: Enums.Vulnerability.Severity.High, critical: Enums.Vulnerability.Severity.Critical,
};

const sha256 = (hex: string) => new Models.HashDictionary([[Enums.HashAlgorithm['SHA-256'], hex]]);
const props = (entries: Array<[string, string | number]>) => new Models.PropertyRepository(entries.map(([k, v]) => new Models.Property(`antidote:${k}`, String(v))));
const fileComponents = (files: readonly DatasetFile[], prefix: string) =>
  new Models.ComponentRepository(files.map((f) => new Models.Component(Enums.ComponentType.File, f.path, { bomRef: `${prefix}/${f.path}`, hashes: sha256(f.sha256), properties: props([['bytes', f.bytes]]) })));

export const datasetRef = (version: string): string => `dataset:${version}`;
export const modelRef = (name: string): string => `model:${name}`;

function datasetComponent(d: DatasetFacts): Models.Component {
  const at = d.version.lastIndexOf('@');
  return new Models.Component(Enums.ComponentType.Data, d.version.slice(0, at), {
    bomRef: datasetRef(d.version),
    version: d.version.slice(at + 1),
    description: `${d.record.documents} documents recorded in the Antidote ledger (entries ${d.record.firstEntry}..${d.record.lastEntry})`,
    components: fileComponents(d.record.files, datasetRef(d.version)),
    properties: props([['ledger:entry', d.record.entry], ['ledger:merkle-root', d.record.root], ['documents', d.record.documents], ['incidents:confirmed', d.incidentStates.confirmed ?? 0], ['incidents:open', d.incidentStates.open ?? 0]]),
  });
}

/** The data section CycloneDX 1.6 gives a data component: what it is, where it came from, who answers for it. */
function dataSection(d: DatasetFacts): Json[] {
  const sources = Object.entries(d.composition.bySource).sort((a, b) => b[1] - a[1]);
  return [{
    type: 'dataset',
    name: d.version,
    description: `Composition by source: ${sources.map(([s, n]) => `${s} ${n}`).join(', ')}. By trust level: ${Object.entries(d.composition.byTrust).map(([t, n]) => `${t} ${n}`).join(', ')}.`,
    contents: { properties: [...sources.map(([s, n]) => ({ name: `antidote:source:${s}`, value: String(n) })), ...Object.entries(d.composition.byLicense).map(([l, n]) => ({ name: `antidote:license:${l}`, value: String(n) }))] },
    classification: 'training data',
    governance: { custodians: [{ organization: { name: 'Antidote ledger' } }] },
  }];
}

function modelCard(facts: ModelFacts): Json {
  return {
    modelParameters: { datasets: facts.datasets.map((d) => ({ ref: datasetRef(d.version) })) },
    considerations: {
      technicalLimitations: facts.affectedBy.length
        ? [`Trained on data holding confirmed poison (incidents ${facts.affectedBy.join(', ')}); 'antidote ledger check-model' refuses this model.`]
        : ['No confirmed data-poisoning incident in the training data recorded in the ledger.'],
    },
  };
}

function vulnerabilities(facts: ModelFacts): Models.Vulnerability.Vulnerability[] {
  const byKey = new Map<string, { row: DatasetFacts['incidents'][number]; datasets: string[] }>();
  for (const d of facts.datasets) for (const row of d.incidents) byKey.set(row.key, { row, datasets: [...(byKey.get(row.key)?.datasets ?? []), d.version] });
  return [...byKey.values()].map(({ row, datasets }) => new Models.Vulnerability.Vulnerability({
    bomRef: `incident:${row.key}`,
    id: row.key,
    source: new Models.Vulnerability.Source({ name: 'antidote' }),
    description: `${row.title}; ${row.documents} document(s)${row.trigger !== null ? `; trigger ${JSON.stringify(row.trigger)}` : ''}`,
    ratings: new Models.Vulnerability.RatingRepository([new Models.Vulnerability.Rating({ severity: SEVERITY[row.severity] ?? Enums.Vulnerability.Severity.Unknown, method: Enums.Vulnerability.RatingMethod.Other })]),
    analysis: new Models.Vulnerability.Analysis({ state: ANALYSIS[row.state], detail: `review state: ${row.state}` }),
    affects: new Models.Vulnerability.AffectRepository([...datasets.map((v) => datasetRef(v)), modelRef(facts.record.name)].map((ref) => new Models.Vulnerability.Affect(new Models.BomRef(ref)))),
    properties: props([['state', row.state], ['detector', row.detector], ['ledger:entry', row.entry]]),
  }));
}

export function cyclonedxBom(facts: ModelFacts, options: { serialNumber?: string; timestamp?: Date } = {}): Json {
  const bom = new Models.Bom({ serialNumber: options.serialNumber ?? `urn:uuid:${randomUUID()}` });
  bom.metadata.timestamp = options.timestamp ?? new Date();
  bom.metadata.tools.components.add(new Models.Component(Enums.ComponentType.Application, 'antidote', { version: TOOL_VERSION }));
  const model = new Models.Component(Enums.ComponentType.MachineLearningModel, facts.record.name, {
    bomRef: modelRef(facts.record.name),
    version: `ledger-entry-${facts.record.entry}`,
    hashes: sha256(facts.record.manifest),
    components: fileComponents(facts.record.files, modelRef(facts.record.name)),
    properties: props([['ledger:entry', facts.record.entry], ['manifest', facts.record.manifest], ['affected', facts.affectedBy.length ? 'yes' : 'no']]),
  });
  bom.metadata.component = model;
  const datasets = facts.datasets.map(datasetComponent);
  for (const d of datasets) {
    bom.components.add(d);
    model.dependencies.add(d.bomRef);
  }
  for (const v of vulnerabilities(facts)) bom.vulnerabilities.add(v);
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot6));
  const json = JSON.parse(serializer.serialize(bom, { sortLists: true })) as Json;
  // What the library's object model lacks: the model card and the data sections.
  json.metadata.component.modelCard = modelCard(facts);
  for (const c of json.components as Json[]) {
    const d = facts.datasets.find((f) => datasetRef(f.version) === c['bom-ref']);
    if (d) c.data = dataSection(d);
  }
  return json;
}

/** Errors of `bom` against the CycloneDX 1.6 strict JSON schema, or none. */
export async function validateCyclonedx(bom: Json): Promise<unknown[]> {
  const errors = await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(JSON.stringify(bom));
  return errors === null ? [] : Array.isArray(errors) ? errors : [errors];
}

/** The BOM, refused when it does not validate (a bug to report, never a file to hand on). */
export async function checkedCyclonedxBom(facts: ModelFacts): Promise<Json> {
  const bom = cyclonedxBom(facts);
  const errors = await validateCyclonedx(bom);
  if (errors.length) throw new AntidoteError('OUTPUT_FAILED', `internal: the CycloneDX BOM does not validate against the 1.6 schema: ${JSON.stringify(errors).slice(0, 2000)}`);
  return bom;
}
