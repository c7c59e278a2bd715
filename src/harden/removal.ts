/** The documents to drop before retraining: every document a scan quarantined for an incident. Pure. */
import type { ScanResult } from '../scan/index.js';
import type { RemovalEntry } from './types.js';

export function removalList(scan: Pick<ScanResult, 'incidents' | 'documents'>, lookups: { sha256?: (id: string) => string | undefined; datasets?: (id: string) => string[] }): RemovalEntry[] {
  const byIndex = new Map(scan.documents.filter((d) => d.verdict === 'quarantine').map((d) => [d.index, d]));
  const out = new Map<string, RemovalEntry>();
  for (const incident of scan.incidents) {
    for (const index of incident.documents) {
      const doc = byIndex.get(index);
      if (!doc) continue;
      const entry = out.get(doc.id) ?? { id: doc.id, triggers: [], incidents: [], datasets: lookups.datasets?.(doc.id) ?? [] };
      const sha256 = lookups.sha256?.(doc.id);
      if (sha256) entry.sha256 = sha256;
      if (incident.trigger && !entry.triggers.includes(incident.trigger)) entry.triggers.push(incident.trigger);
      entry.incidents.push(incident.id);
      out.set(doc.id, entry);
    }
  }
  return [...out.values()];
}
