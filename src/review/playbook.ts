/**
 * The incident-response playbook for a confirmed incident: isolate the data,
 * roll back what learnt from it, retrain from the last clean version, and
 * check the result; each step with the evidence it rests on.
 */
import type { IncidentDetail } from './store.js';

export interface PlaybookInput {
  incident: IncidentDetail;
  /** every dataset version in the ledger */
  datasets: readonly string[];
  /** the incident's documents as the ledger recorded them */
  documents: ReadonlyArray<{ docId: string; dataset: string; sha256: string | null }>;
  models: ReadonlyArray<{ name: string; entry: number }>;
}

export interface Playbook {
  incident: string;
  state: string;
  isolate: { datasets: string[]; documents: Array<{ id: string; dataset: string; sha256: string | null }> };
  rollBack: { models: Array<{ name: string; entry: number }> };
  /** per affected dataset: the newest version of the same name holding none of the documents */
  retrainFrom: Array<{ affected: string; lastClean: string | null }>;
  steps: string[];
}

const nameOf = (version: string): string => version.slice(0, version.lastIndexOf('@'));
const numberOf = (version: string): number => Number(version.slice(version.lastIndexOf('@') + 1));

export function playbookOf({ incident, datasets, documents, models }: PlaybookInput): Playbook {
  const affected = incident.state === 'confirmed' ? incident.affected.datasets : incident.datasetsHolding;
  const holding = new Set(incident.datasetsHolding);
  const retrainFrom = affected.map((version) => {
    const clean = datasets.filter((d) => nameOf(d) === nameOf(version) && !holding.has(d)).sort((a, b) => numberOf(b) - numberOf(a));
    return { affected: version, lastClean: clean[0] ?? null };
  });
  const drop = documents.map((d) => ({ id: d.docId, dataset: d.dataset, sha256: d.sha256 }));
  const steps = [
    incident.state === 'confirmed'
      ? `Incident ${incident.key} is confirmed: ${incident.documents} document(s) carry ${incident.trigger ? `the trigger ${JSON.stringify(incident.trigger)}` : 'the payload'} (${incident.detector}, ${incident.payload}, severity ${incident.severity}).`
      : `Incident ${incident.key} is ${incident.state}, not confirmed: this playbook is a preview; confirm it to mark datasets and models affected.`,
    `1. Isolate: stop reading ${affected.length ? affected.join(', ') : 'the scanned inputs'}; drop the ${drop.length} listed document(s)${incident.documents > drop.length ? ` (the scan record lists ${drop.length} of ${incident.documents}; the scan's quarantine file holds them all)` : ''}.`,
    models.length
      ? `2. Roll back: ${models.map((m) => `${m.name} (ledger entry ${m.entry})`).join(', ')} learnt from affected data; 'antidote ledger check-model' now refuses ${models.length === 1 ? 'it' : 'them'}. Serve the last model trained before these versions, or none.`
      : '2. Roll back: no model in the ledger was trained on the affected versions.',
    ...retrainFrom.map((r) => (r.lastClean ? `3. Retrain from ${r.lastClean}, the newest version of ${nameOf(r.affected)} that holds none of the documents.` : `3. Retrain from ${r.affected} without the listed documents ('antidote scan ... --clean' writes it), then record it with 'antidote ledger add'.`)),
    "4. Check: scan the retrained data again and audit the retrained model ('antidote audit'); record it with 'ledger add-model --trained-on' the clean version.",
  ];
  return { incident: incident.key, state: incident.state, isolate: { datasets: affected, documents: drop }, rollBack: { models: [...models] }, retrainFrom, steps };
}
