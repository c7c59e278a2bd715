/**
 * The guard's incidents for the ledger: every request a blocking flag was
 * raised on (refused, emptied, cut, or only flagged in alert mode), as an
 * incident record holding the prompt's and answer's hashes and excerpts, not
 * their whole text (the traffic log, under its retention policy, holds that).
 */
import { recordIncidents, sha256Hex, type IncidentRecord, type Ledger } from '../ledger/index.js';
import type { TrafficRecord, TrafficSink } from './log/index.js';

const EXCERPT = 200;

function hashed(text: string): { sha256: string; excerpt: string } {
  return { sha256: sha256Hex(text), excerpt: text.slice(0, EXCERPT) };
}

export function incidentOf(d: TrafficRecord): Omit<IncidentRecord, 'entry'> | undefined {
  const flags = d.flags.filter((f) => f.blocks);
  if (flags.length === 0) return undefined;
  return {
    kind: 'incident',
    source: 'guard',
    created: d.time,
    route: d.route,
    ...(d.client ? { client: d.client } : {}),
    action: d.action,
    flags: flags.map((f) => ({ screen: f.screen, message: f.message, ...(f.detector ? { detector: f.detector } : {}), ...(f.trigger ? { trigger: f.trigger } : {}) })),
    prompt: hashed(d.prompt ?? ''),
    ...(d.response ? { response: hashed(d.response) } : {}),
  };
}

/** A sink for `TrafficLog` that appends the incidents among the decisions to `ledger`. */
export function ledgerSink(ledger: Ledger, location: string): TrafficSink {
  return {
    location,
    async append(records) {
      const incidents = records.map(incidentOf).filter((i): i is Omit<IncidentRecord, 'entry'> => i !== undefined);
      if (incidents.length) await recordIncidents(ledger, incidents);
    },
    // the ledger's store is closed by whoever opened it
    async close() {},
  };
}
