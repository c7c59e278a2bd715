/**
 * Incidents in the ledger: what a run-time guard refused or flagged, appended
 * in batches so that the review trail is as tamper-evident as the data.
 */
import type { IncidentRecord } from './records.js';
import type { Ledger } from './log.js';

/** Appends `incidents` in one transaction; the entry of the last. */
export async function recordIncidents(ledger: Ledger, incidents: ReadonlyArray<Omit<IncidentRecord, 'entry'>>): Promise<number> {
  const { size } = await ledger.append(async (log) => {
    for (const record of incidents) await log.add({ record: { ...record } });
  });
  return size - 1;
}
