/** Scan results recorded in the ledger: what was scanned, what was found, and a hash of the full report. */
import type { ScanResult } from '../scan/index.js';
import type { Ledger } from './log.js';
import { describeFiles } from './files.js';
import { sha256Hex, type ScanRecord } from './records.js';

/** Incident documents listed by id in the record, at most; the count is always complete. */
const MAX_IDS_PER_INCIDENT = 1000;

/**
 * Appends one scan record. `report` is the JSON report's text as written;
 * `inputs` the files scanned (paths to hash, names to record).
 */
/** `splits`: the text of the manifest `--splits` wrote, whose parts the record lists */
export async function recordScan(ledger: Ledger, result: ScanResult, options: { report: string; inputs: readonly { path: string; name: string }[]; dataset?: string; splits?: string }): Promise<{ entry: number; size: number }> {
  const idOf = new Map(result.documents.map((d) => [d.index, d.id]));
  const record: Omit<ScanRecord, 'entry'> = {
    kind: 'scan',
    ...(options.dataset ? { dataset: options.dataset } : {}),
    inputs: await describeFiles(options.inputs),
    report: { sha256: sha256Hex(options.report), version: result.version },
    detectors: result.settings.detectors,
    checks: result.settings.checks,
    scanned: result.stats.records,
    quarantined: result.stats.quarantined,
    incidents: result.incidents.map((i) => ({
      id: i.id,
      detector: i.detector,
      severity: i.severity,
      payload: i.payload,
      trigger: i.trigger,
      documentCount: i.documents.length,
      documents: i.documents.slice(0, MAX_IDS_PER_INCIDENT).map((d) => idOf.get(d) ?? String(d)),
    })),
    ...(options.splits ? { splits: { manifest: sha256Hex(options.splits), parts: (JSON.parse(options.splits) as { shards: NonNullable<ScanRecord['splits']>['parts'] }).shards } } : {}),
    created: new Date().toISOString(),
  };
  const { size } = await ledger.append(async (log) => {
    await log.add({ record, dataset: options.dataset });
  });
  return { entry: size - 1, size };
}
