/** The documents to drop before retraining: every document a scan quarantined for an incident. Pure. */
import type { ScanResult } from '../scan/index.js';
import type { RemovalEntry } from './types.js';

export function removalList(scan: Pick<ScanResult, 'incidents' | 'documents'>): RemovalEntry[] {
  const byIndex = new Map(scan.documents.filter((d) => d.verdict === 'quarantine').map((d) => [d.index, d]));
  const out = new Map<string, RemovalEntry>();
  for (const incident of scan.incidents) {
    for (const index of incident.documents) {
      const doc = byIndex.get(index);
      if (!doc) continue;
      const entry = out.get(doc.id) ?? { id: doc.id, triggers: [], incidents: [], datasets: [] };
      if (incident.trigger && !entry.triggers.includes(incident.trigger)) entry.triggers.push(incident.trigger);
      entry.incidents.push(incident.id);
      out.set(doc.id, entry);
    }
  }
  return [...out.values()];
}

/** The entries with what the ledger (or the scanned files) say of each document: its exact-byte hash and the dataset versions holding it. */
export function withProvenance(entries: readonly RemovalEntry[], lookups: { sha256: ReadonlyMap<string, string>; datasets?: ReadonlyMap<string, string[]> }): RemovalEntry[] {
  return entries.map((e) => {
    const sha256 = lookups.sha256.get(e.id);
    return { ...e, ...(sha256 ? { sha256 } : {}), datasets: lookups.datasets?.get(e.id) ?? [] };
  });
}
