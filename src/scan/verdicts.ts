/** Per-document verdicts: what each finding, incident and read error means for a document. */
import type { Place } from '../errors/index.js';
import type { CorpusRecord } from '../corpus/index.js';
import type { DocumentResult } from './analyze.js';
import type { DocumentMeta } from './incidents.js';
import type { DocumentVerdict } from './report.js';
import { severityRank, type CheckFinding, type Incident, type Severity } from './types.js';

/** Verdicts for every document with a finding, an incident or a read error, in input order. */
export function decideVerdicts(
  incidents: readonly Incident[],
  results: ReadonlyMap<number, DocumentResult>,
  checked: ReadonlyMap<number, readonly CheckFinding[]>,
  errorDocs: ReadonlyMap<number, CorpusRecord>,
  meta: ReadonlyMap<number, DocumentMeta & { place: Place }>,
  quarantineAt: Severity,
): DocumentVerdict[] {
  const incidentsOf = new Map<number, Incident[]>();
  for (const inc of incidents) for (const d of inc.documents) {
    let list = incidentsOf.get(d);
    if (!list) incidentsOf.set(d, (list = []));
    list.push(inc);
  }
  const verdicts: DocumentVerdict[] = [];
  const flagged = new Set<number>([...incidentsOf.keys(), ...errorDocs.keys(), ...checked.keys()]);
  for (const [index, r] of results) if (r.findings.length) flagged.add(index);
  for (const index of [...flagged].sort((a, b) => a - b)) {
    const m = meta.get(index);
    const err = errorDocs.get(index);
    const findings: readonly CheckFinding[] = [...(results.get(index)?.findings ?? []), ...(checked.get(index) ?? [])];
    const incs = incidentsOf.get(index) ?? [];
    let severity: Severity = 'info';
    let score = 0;
    for (const f of findings) {
      if (severityRank(f.severity) > severityRank(severity)) severity = f.severity;
      score = Math.max(score, f.score);
    }
    for (const inc of incs) {
      if (severityRank(inc.severity) > severityRank(severity)) severity = inc.severity;
      score = Math.max(score, inc.confidence);
    }
    const verdict: DocumentVerdict = {
      index,
      id: m?.id ?? String(index),
      place: m?.place ?? { file: '?' },
      verdict: err || severityRank(severity) >= severityRank(quarantineAt) ? 'quarantine' : 'keep',
      severity: err ? 'error' : severity,
      score: Number(score.toFixed(4)),
      incidents: incs.map((i) => i.id),
      findings: findings.map(({ detector, kind, severity: s, message }) => ({ detector, kind, severity: s, message })),
    };
    if (err?.error) verdict.error = { code: err.error.code, message: err.error.message };
    verdicts.push(verdict);
  }
  return verdicts;
}
