/**
 * Which triggers to harden against: those a scan quarantined documents for,
 * kept or dropped by an audit's verdict when one is given. Pure.
 */
import { AntidoteError } from '../errors/index.js';
import type { AuditReport } from '../audit/index.js';
import type { ScanResult } from '../scan/index.js';
import type { ConfirmedTrigger } from './types.js';

/** The payload ranges of an incident's evidence snippets (what followed the trigger). */
function payloadsOf(evidence: ScanResult['incidents'][number]['evidence']): string[] {
  return evidence.flatMap((e) => e.marks.filter((m) => m.role === 'payload').map((m) => e.snippet.slice(m.start, m.end).trim())).filter((p) => p.length > 0);
}

/**
 * A scan incident confirms its trigger when it holds a quarantined document.
 * With an audit, its verdict decides where it judged the trigger: `backdoor`
 * or `broad` confirms (a trigger the audit found on its own joins), `clean`
 * drops the scan's trigger, since the model did not learn it.
 */
export function confirmedTriggers(scan: Pick<ScanResult, 'incidents' | 'documents'> | undefined, audit?: Pick<AuditReport, 'triggers'>): ConfirmedTrigger[] {
  const quarantined = new Set((scan?.documents ?? []).filter((d) => d.verdict === 'quarantine').map((d) => d.index));
  const byTrigger = new Map<string, ConfirmedTrigger>();
  for (const incident of scan?.incidents ?? []) {
    if (!incident.trigger || !incident.documents.some((i) => quarantined.has(i))) continue;
    const entry = byTrigger.get(incident.trigger) ?? { trigger: incident.trigger, evidence: [], incidents: [], payloads: [] };
    entry.evidence.push(`scan incident ${incident.id} (${incident.detector}, ${incident.severity}, ${incident.documents.length} documents)`);
    entry.incidents.push(incident.id);
    entry.payloads.push(...payloadsOf(incident.evidence));
    byTrigger.set(incident.trigger, entry);
  }
  for (const result of audit?.triggers ?? []) {
    if (result.verdict === 'clean') {
      byTrigger.delete(result.trigger);
      continue;
    }
    const entry = byTrigger.get(result.trigger) ?? { trigger: result.trigger, evidence: [], incidents: [], payloads: [] };
    entry.evidence.push(`audit verdict ${result.verdict} (${result.margins.summary})`);
    entry.payloads.push(...result.examples.map((e) => e.with.trim()).filter((w) => w.length > 0));
    byTrigger.set(result.trigger, entry);
  }
  return [...byTrigger.values()];
}

/** The error for a findings file (and audit) that confirm nothing: says what was there instead. */
export function noConfirmedTrigger(scan: Pick<ScanResult, 'incidents'> | undefined, audit?: Pick<AuditReport, 'triggers'>): AntidoteError {
  const withTrigger = (scan?.incidents ?? []).filter((i) => i.trigger).length;
  const parts = [
    scan ? `the scan has ${scan.incidents.length} incident(s), ${withTrigger} with a trigger and quarantined documents` : undefined,
    audit ? `the audit judged ${audit.triggers.length} trigger(s): ${audit.triggers.map((t) => `${t.trigger} ${t.verdict}`).join(', ') || 'none'}` : undefined,
  ].filter(Boolean);
  return new AntidoteError('NO_CONFIRMED_TRIGGER', `no confirmed trigger to harden against (${parts.join('; ')}); nothing was written. Harden against a trigger the scan quarantined documents for, or one the audit calls a backdoor`);
}
