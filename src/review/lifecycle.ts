/**
 * An incident's review lifecycle: the states a decision moves it between,
 * and the fold of a ledger's decision records into each incident's state.
 * Pure: the same records always give the same states.
 */
import { AntidoteError } from '../errors/index.js';
import type { DecisionAction, DecisionRecord, IncidentRecord, ScanRecord } from '../ledger/index.js';

export const REVIEW_STATES = ['open', 'confirmed', 'false-positive', 'accepted-risk'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

const STATE_AFTER: Record<Exclude<DecisionAction, 'comment'>, ReviewState> = {
  confirm: 'confirmed',
  'false-positive': 'false-positive',
  'accept-risk': 'accepted-risk',
  reopen: 'open',
};

/**
 * An incident's key: `S<entry>-<id>` for incident <id> of the scan recorded
 * at <entry>, `G<entry>` for a guard incident. Keys are stable because
 * ledger entries never move.
 */
export function incidentKey(ref: { entry: number; id?: string }): string {
  return ref.id === undefined ? `G${ref.entry}` : `S${ref.entry}-${ref.id}`;
}

export function parseIncidentKey(key: string): { entry: number; id?: string } {
  const m = /^(?:S(\d+)-([A-Za-z0-9._-]+)|G(\d+))$/.exec(key);
  if (!m) throw new AntidoteError('USAGE', `'${key}' is not an incident key; keys look like S12-INC-001 (scan) or G40 (guard)`);
  return m[3] !== undefined ? { entry: Number(m[3]) } : { entry: Number(m[1]), id: m[2] };
}

/**
 * The state after `action`, or why it is not allowed. A decided incident
 * must be reopened before it is decided otherwise, so every change of mind
 * is its own record; a false positive and an accepted risk need a reason.
 */
export function nextState(current: ReviewState, action: DecisionAction, reason: string | undefined): ReviewState | { refused: string } {
  if (action === 'comment') return reason?.trim() ? current : { refused: 'a comment needs text' };
  if (action === 'reopen') return current === 'open' ? { refused: 'the incident is already open' } : 'open';
  if (current !== 'open') return { refused: `the incident is ${current}; reopen it first` };
  if ((action === 'false-positive' || action === 'accept-risk') && !reason?.trim()) return { refused: `'${action}' needs a reason` };
  return STATE_AFTER[action];
}

/** The incidents a ledger's scan and guard records report, by key. */
export function incidentsOfScan(scan: ScanRecord): Array<{ key: string; incident: ScanRecord['incidents'][number] }> {
  return scan.incidents.map((incident) => ({ key: incidentKey({ entry: scan.entry, id: incident.id }), incident }));
}

export function guardIncidentKey(record: IncidentRecord): string {
  return incidentKey({ entry: record.entry });
}

export interface FoldedIncident {
  state: ReviewState;
  /** dataset versions the standing confirmation named; empty unless confirmed */
  affected: string[];
}

/** Every decided incident's state after all `decisions`, in ledger order. Records the lifecycle refuses (none the tools write) are skipped. */
export function foldDecisions(decisions: Iterable<DecisionRecord>): Map<string, FoldedIncident> {
  const out = new Map<string, FoldedIncident>();
  for (const d of decisions) {
    const key = incidentKey(d.incident);
    const current = out.get(key) ?? { state: 'open', affected: [] };
    const next = nextState(current.state, d.action, d.reason);
    if (typeof next !== 'string' || d.action === 'comment') continue;
    out.set(key, { state: next, affected: next === 'confirmed' ? d.affected?.datasets ?? [] : [] });
  }
  return out;
}
