/**
 * Who gets which treatment: the mode per route and per client, and the key
 * the guard sends upstream for a client in place of its own (clients then
 * never hold the model server's keys). Clients are told by their API key, or
 * by its SHA-256 so that the settings need not hold it. Pure computation.
 */
import { sha256Hex } from '../ledger/index.js';
import type { Route } from './requests.js';

export type GuardMode = 'block' | 'alert';

export interface RequestPolicy {
  mode: GuardMode;
  /** the authorization header sent upstream in place of the client's */
  upstreamAuthorization?: string;
  /** the client's name in the settings */
  client?: string;
}

export interface PolicySettings {
  mode: GuardMode;
  routes?: Partial<Record<Route, GuardMode>>;
  clients?: ReadonlyArray<{ keySha256: string; name?: string; mode?: GuardMode; upstreamKey?: string }>;
}

/** The policy of each request, from its route (none for the model list) and its authorization header. */
export function requestPolicy(settings: PolicySettings): (route: Route | undefined, authorization: string | undefined) => RequestPolicy {
  const clients = new Map((settings.clients ?? []).map((c) => [c.keySha256, c]));
  return (route, authorization) => {
    const key = authorization?.replace(/^Bearer\s+/i, '');
    const client = key === undefined || clients.size === 0 ? undefined : clients.get(sha256Hex(key));
    const mode = client?.mode ?? (route && settings.routes?.[route]) ?? settings.mode;
    return { mode, ...(client?.upstreamKey ? { upstreamAuthorization: `Bearer ${client.upstreamKey}` } : {}), ...(client?.name ? { client: client.name } : {}) };
  };
}
