/**
 * What else is known of a flagged document: the scan incidents holding it
 * (from a scan's JSON report) and the dataset versions the ledger records
 * it in. Pure: the lookups are handed in.
 */
import type { ScanResult } from '../scan/index.js';
import type { DocumentAnomaly, MonitorResult } from './types.js';

export interface JoinedAnomaly extends DocumentAnomaly {
  incidents: string[];
  datasets: string[];
}

/** Incident ids by document id, from a scan report. */
export function incidentsByDocument(report: Pick<ScanResult, 'incidents' | 'documents'>): Map<string, string[]> {
  const idOf = new Map(report.documents.map((d) => [d.index, d.id]));
  const out = new Map<string, string[]>();
  for (const incident of report.incidents) {
    for (const index of incident.documents) {
      const id = idOf.get(index) ?? String(index);
      out.set(id, [...(out.get(id) ?? []), incident.id]);
    }
  }
  return out;
}

export function joinAnomalies(result: MonitorResult, lookups: { incidents?: Map<string, string[]>; datasets?: (id: string) => string[] }): JoinedAnomaly[] {
  return result.anomalies.map((a) => ({ ...a, incidents: lookups.incidents?.get(a.id) ?? [], datasets: lookups.datasets?.(a.id) ?? [] }));
}

/**
 * Refuses a join that cannot mean anything: a scan whose incident documents
 * the log never names, or a ledger that holds none of the log's documents,
 * is another corpus (or ids of another kind, such as hashes for names).
 */
export function checkIdsMatch(logIds: ReadonlySet<string>, known: Iterable<string>, what: string): string | undefined {
  let any = false;
  for (const id of known) {
    any = true;
    if (logIds.has(id)) return undefined;
  }
  return any ? `the log's document ids match none of ${what}: is it the same corpus, and are both ids (not one ids and one hashes)?` : undefined;
}
