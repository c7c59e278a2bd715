/**
 * The controls that ask for evidence against data poisoning, and which
 * piece of Antidote's evidence answers each: met when the evidence is
 * there, partial when some is, missing with what to do. Pure.
 */
import type { DatasetFacts } from './facts.js';

export interface AuditSummary {
  file: string;
  sha256: string;
  model: string;
  digest?: string;
  flagged: boolean;
  started: string;
}

export interface Evidence {
  datasets: readonly DatasetFacts[];
  /** the model, when the report is for one */
  model?: { name: string; manifest: string; trainedOn: string[]; affectedBy: string[] };
  audits: readonly AuditSummary[];
  guardIncidents: number;
}

export type ControlStatus = 'met' | 'partial' | 'missing';

export interface ControlRow {
  framework: string;
  control: string;
  evidence: string;
  status: ControlStatus;
  missing: string;
}

const unstatedShare = (d: DatasetFacts): number => (d.composition.bySource.unstated ?? 0) / Math.max(1, d.record.documents);

export function controlRows(e: Evidence): ControlRow[] {
  const scanned = e.datasets.filter((d) => d.incidents.length > 0 || d.decisions > 0);
  const unstated = e.datasets.filter((d) => unstatedShare(d) > 0);
  const openIncidents = e.datasets.reduce((n, d) => n + (d.incidentStates.open ?? 0), 0);
  const confirmed = e.datasets.reduce((n, d) => n + (d.incidentStates.confirmed ?? 0), 0);
  const provenance: Pick<ControlRow, 'evidence' | 'status' | 'missing'> = {
    evidence: `${e.datasets.length} dataset version(s) in the signed ledger, every document hashed${unstated.length ? `; ${unstated.map((d) => `${d.version}: ${(100 * unstatedShare(d)).toFixed(0)}% without a stated source`).join(', ')}` : ', each with its source'}`,
    status: e.datasets.length === 0 ? 'missing' : unstated.length ? 'partial' : 'met',
    missing: e.datasets.length === 0 ? "record the training data with 'antidote ledger add'" : unstated.length ? "state each document's source and trust (ledger add --source/--trust or a provenance field)" : '',
  };
  const scanning: Pick<ControlRow, 'evidence' | 'status' | 'missing'> = {
    evidence: `${scanned.length} of ${e.datasets.length} version(s) with recorded scan incidents or decisions; ${confirmed} confirmed, ${openIncidents} still open`,
    status: e.datasets.length && scanned.length === e.datasets.length && openIncidents === 0 ? 'met' : scanned.length ? 'partial' : 'missing',
    missing: scanned.length < e.datasets.length ? "scan every version with 'antidote scan --record'" : openIncidents ? `review the ${openIncidents} open incident(s) ('antidote server')` : '',
  };
  const audits = e.audits.length;
  const behaviour: Pick<ControlRow, 'evidence' | 'status' | 'missing'> = e.model
    ? { evidence: audits ? `${audits} model audit(s): ${e.audits.map((a) => `${a.model} ${a.flagged ? 'FLAGGED' : 'clean'}`).join(', ')}` : 'no model audit given', status: audits ? 'met' : 'missing', missing: audits ? '' : "audit the model ('antidote audit --json') and pass the report with --audit" }
    : { evidence: 'a dataset report: no model', status: 'missing', missing: 'report on a model to cover its behaviour' };
  const artefact: Pick<ControlRow, 'evidence' | 'status' | 'missing'> = e.model
    ? { evidence: `model files recorded with manifest ${e.model.manifest.slice(0, 16)}…; ${e.model.affectedBy.length ? `REFUSED by check-model (confirmed incidents ${e.model.affectedBy.join(', ')})` : 'check-model passes'}`, status: e.model.affectedBy.length ? 'partial' : 'met', missing: e.model.affectedBy.length ? "retrain from clean data ('antidote incident playbook')" : '' }
    : { evidence: 'dataset manifests and Merkle roots in the signed ledger', status: 'met', missing: '' };
  const runtime: Pick<ControlRow, 'evidence' | 'status' | 'missing'> = { evidence: `${e.guardIncidents} guard incident(s) in the ledger`, status: e.guardIncidents ? 'met' : 'partial', missing: e.guardIncidents ? '' : "run 'antidote guard' with a ledger to record run-time incidents (none recorded)" };
  const bom: Pick<ControlRow, 'evidence' | 'status' | 'missing'> = e.model ? { evidence: "CycloneDX 1.6 ML-BOM ('antidote governance bom')", status: 'met', missing: '' } : { evidence: "Croissant 1.0 + RAI metadata ('antidote governance croissant')", status: 'partial', missing: 'an ML-BOM needs a model' };
  return [
    { framework: 'EU AI Act', control: 'Art. 10 Data and data governance', ...merge(provenance, scanning) },
    { framework: 'EU AI Act', control: 'Art. 15 Accuracy, robustness (data poisoning)', ...merge(scanning, behaviour, runtime) },
    { framework: 'EU AI Act', control: 'Annex IV Technical documentation', evidence: 'this report, with the ML-BOM and Croissant exports', status: 'met', missing: '' },
    { framework: 'OWASP LLM Top 10 2025', control: 'LLM04 Data and Model Poisoning', ...merge(scanning, behaviour) },
    { framework: 'MITRE ATLAS', control: 'AML.T0020 Poison Training Data', ...scanning },
    { framework: 'MITRE ATLAS', control: 'AML.T0018.000 Poison AI Model', ...behaviour },
    { framework: 'MITRE ATLAS', control: 'AML.T0019 Publish Poisoned Datasets', ...provenance },
    { framework: 'MITRE ATLAS', control: 'M0007 Sanitize Training Data', ...scanning },
    { framework: 'MITRE ATLAS', control: 'M0014 Verify AI Artifacts', ...artefact },
    { framework: 'MITRE ATLAS', control: 'M0023 AI Bill of Materials', ...bom },
    { framework: 'MITRE ATLAS', control: 'M0025 Maintain AI Dataset Provenance', ...provenance },
    { framework: 'NIST AI 600-1', control: '2.9 Information Security (data poisoning)', ...merge(scanning, runtime) },
    { framework: 'NIST AI 600-1', control: '2.12 Value Chain and Component Integration', ...merge(provenance, artefact) },
  ];
}

/** Several pieces of evidence answer one control: it is met only when all are. */
function merge(...parts: Array<Pick<ControlRow, 'evidence' | 'status' | 'missing'>>): Pick<ControlRow, 'evidence' | 'status' | 'missing'> {
  const status: ControlStatus = parts.every((p) => p.status === 'met') ? 'met' : parts.every((p) => p.status === 'missing') ? 'missing' : 'partial';
  return { evidence: parts.map((p) => p.evidence).join('; '), status, missing: parts.map((p) => p.missing).filter(Boolean).join('; ') };
}
