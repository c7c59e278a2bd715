/**
 * Review and governance: incidents from scans and the guard, judged by
 * people, each decision a ledger record; models trained on confirmed poison
 * marked affected; the playbook for what to do next.
 */
export { REVIEW_STATES, incidentKey, parseIncidentKey, nextState, foldDecisions, type ReviewState } from './lifecycle.js';
export { ReviewStore, type IncidentFilter, type IncidentRow, type IncidentDetail, type IncidentEvidence, type DecisionRow, type ModelRow } from './store.js';
export { decide, parseAction, MAX_BULK, type DecisionRequest, type DecisionResult } from './decide.js';
export { confirmedIncidentsIn } from './affected.js';
export { proposeAllowlistEntry, type AllowlistProposal } from './allowlist.js';
export { playbookOf, type Playbook } from './playbook.js';
export { Users, ROLES, may, parseRole, sameSecret, type Role, type User, type Permission } from './users.js';

import { dirname, join } from 'node:path';
import { DEFAULT_LEDGER_DIR } from '../ledger/index.js';
import type { ReviewStore } from './store.js';
import { playbookOf, type Playbook } from './playbook.js';

/** The review database lives beside a SQLite ledger, or in ./.antidote-ledger for a PostgreSQL one. */
export function defaultReviewPath(store: string | undefined): string {
  return join(store && !/^postgres(ql)?:\/\//.test(store) ? dirname(store) : DEFAULT_LEDGER_DIR, 'review.sqlite');
}

/** The playbook for one incident, from what the review database knows. */
export function playbookFor(review: ReviewStore, key: string): Playbook | undefined {
  const incident = review.detail(key);
  if (!incident) return undefined;
  const models = review.models().filter((m) => m.trainedOn.some((d) => (incident.state === 'confirmed' ? incident.affected.datasets : incident.datasetsHolding).includes(d)));
  return playbookOf({ incident, datasets: review.datasetVersions(), documents: review.documentsOf(incident.documentIds), models });
}
