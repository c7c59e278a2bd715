/**
 * What the governance exports say, gathered once: a dataset version's
 * record, its composition by source, trust and licence, the scans and
 * incidents over it with their decisions; a model's record and the datasets
 * it was trained on. Read from the ledger and the review database only.
 */
import { AntidoteError } from '../errors/index.js';
import type { DatasetRecord, DocumentRecord, ModelRecord } from '../ledger/index.js';
import type { IncidentRow, ReviewStore } from '../review/index.js';

export interface DatasetFacts {
  version: string;
  record: DatasetRecord;
  /** documents by source, trust level and licence ('unstated' where the record has none) */
  composition: { bySource: Record<string, number>; byTrust: Record<string, number>; byLicense: Record<string, number>; contributors: number };
  /** incidents over its documents, most severe first (at most INCIDENTS_SHOWN) and their count by state */
  incidents: IncidentRow[];
  incidentStates: Record<string, number>;
  decisions: number;
  /** the latest decisions on its incidents (at most INCIDENTS_SHOWN), newest first */
  decisionLog: Array<{ key: string; entry: number; action: string; by: string; reason: string | null; created: string }>;
  /** the ledger's latest signed checkpoint, which these facts are as of */
  checkpointSize: number;
}

export interface ModelFacts {
  record: ModelRecord;
  datasets: DatasetFacts[];
  /** confirmed incidents in its training data */
  affectedBy: string[];
}

const INCIDENTS_SHOWN = 500;
const UNSTATED = 'unstated';

const count = (into: Record<string, number>, key: string | undefined): void => {
  const k = key ?? UNSTATED;
  into[k] = (into[k] ?? 0) + 1;
};

export async function datasetFacts(review: ReviewStore, version: string): Promise<DatasetFacts> {
  await review.catchUp();
  const record = (await review.ledger.datasets()).filter((d) => d.dataset === version).at(-1);
  if (!record) throw new AntidoteError('USAGE', `no dataset version ${version} in the ledger; 'antidote ledger log' lists them`);
  const composition = { bySource: {}, byTrust: {}, byLicense: {}, contributors: 0 } as DatasetFacts['composition'];
  const contributors = new Set<string>();
  for await (const e of review.ledger.store.entries(record.firstEntry, record.lastEntry + 1)) {
    if (e.kind !== 'document') continue;
    const doc = JSON.parse(e.record) as DocumentRecord;
    count(composition.bySource, doc.source);
    count(composition.byTrust, doc.trust);
    count(composition.byLicense, doc.license);
    if (doc.contributor) contributors.add(doc.contributor);
  }
  composition.contributors = contributors.size;
  const states = review.db.prepare('SELECT i.state, COUNT(*) AS n FROM incidents i JOIN incident_datasets d ON d.key = i.key WHERE d.dataset = ? GROUP BY i.state').all(version) as Array<{ state: string; n: number }>;
  const decisions = review.db.prepare('SELECT COUNT(*) FROM decisions WHERE key IN (SELECT key FROM incident_datasets WHERE dataset = ?)').pluck().get(version) as number;
  return {
    version, record, composition,
    incidents: review.list({ dataset: version }, { offset: 0, limit: INCIDENTS_SHOWN }).items,
    incidentStates: Object.fromEntries(states.map((s) => [s.state, s.n])),
    decisions,
    decisionLog: review.db.prepare('SELECT key, entry, action, by, reason, created FROM decisions WHERE key IN (SELECT key FROM incident_datasets WHERE dataset = ?) ORDER BY entry DESC LIMIT ?').all(version, INCIDENTS_SHOWN) as DatasetFacts['decisionLog'],
    checkpointSize: (await review.ledger.latest()).size,
  };
}

export async function modelFacts(review: ReviewStore, name: string): Promise<ModelFacts> {
  await review.catchUp();
  const record = (await review.ledger.store.entriesOfKind('model')).map((e) => JSON.parse(e.record) as ModelRecord).filter((m) => m.name === name).at(-1);
  if (!record) throw new AntidoteError('USAGE', `no model named '${name}' in the ledger; record it with 'antidote ledger add-model'`);
  const datasets: DatasetFacts[] = [];
  for (const version of record.trainedOn ?? []) datasets.push(await datasetFacts(review, version));
  return { record, datasets, affectedBy: review.models().find((m) => m.name === name)?.affectedBy ?? [] };
}
