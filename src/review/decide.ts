/**
 * Decisions on incidents: checked against the lifecycle, appended to the
 * ledger as decision records in one transaction (all of a bulk decision or
 * none of it), then projected into the review database.
 */
import { AntidoteError } from '../errors/index.js';
import { DECISION_ACTIONS, type DecisionAction, type DecisionRecord } from '../ledger/index.js';
import { nextState, parseIncidentKey, type ReviewState } from './lifecycle.js';
import type { ReviewStore } from './store.js';

export interface DecisionRequest {
  keys: readonly string[];
  action: DecisionAction;
  reason?: string;
  /** who decides, as authenticated */
  by: string;
}

export interface DecisionResult {
  /** the ledger entry of each decision, in the order of `keys` */
  entries: number[];
  states: Record<string, ReviewState>;
}

/** Caps what one request may decide and say, so a decision stays one reviewable record. */
export const MAX_BULK = 500;
export const MAX_REASON = 4000;

export function parseAction(value: unknown): DecisionAction {
  if (typeof value !== 'string' || !(DECISION_ACTIONS as readonly string[]).includes(value)) throw new AntidoteError('USAGE', `action must be one of ${DECISION_ACTIONS.join(', ')}, got ${JSON.stringify(value)}`);
  return value as DecisionAction;
}

const queues = new WeakMap<ReviewStore, Promise<unknown>>();

/** Runs decisions on one store one after another: each appends at the size it read. */
function serially<T>(review: ReviewStore, work: () => Promise<T>): Promise<T> {
  const run = (queues.get(review) ?? Promise.resolve()).then(work, work);
  queues.set(review, run.catch(() => undefined));
  return run;
}

export function decide(review: ReviewStore, request: DecisionRequest): Promise<DecisionResult> {
  return serially(review, async () => {
    const keys = [...new Set(request.keys)];
    if (keys.length === 0) throw new AntidoteError('USAGE', 'no incident to decide on');
    if (keys.length > MAX_BULK) throw new AntidoteError('USAGE', `at most ${MAX_BULK} incidents per decision, got ${keys.length}`);
    const reason = request.reason?.trim() || undefined;
    if (reason && reason.length > MAX_REASON) throw new AntidoteError('USAGE', `a reason or comment is at most ${MAX_REASON} characters`);
    await review.catchUp();
    const created = new Date().toISOString();
    const records: Array<Omit<DecisionRecord, 'entry'>> = [];
    const states: Record<string, ReviewState> = {};
    for (const key of keys) {
      const ref = parseIncidentKey(key);
      const row = review.row(key);
      if (!row) throw new AntidoteError('INCIDENT_NOT_FOUND', `no incident ${key} in the ledger`);
      const next = nextState(row.state, request.action, reason);
      if (typeof next !== 'string') throw new AntidoteError('DECISION_REFUSED', `${key}: ${next.refused}`);
      states[key] = next;
      const affected = request.action === 'confirm' ? { affected: { datasets: review.datasetsHolding(key) } } : {};
      records.push({ kind: 'decision', incident: ref, action: request.action, by: request.by, ...(reason ? { reason } : {}), ...affected, created });
    }
    const { first } = await review.ledger.append(async (log) => {
      for (const record of records) await log.add({ record: { ...record } });
    });
    await review.catchUp();
    return { entries: records.map((_, i) => first + i), states };
  });
}
