/**
 * Who is calling: an API client by its bearer token, or a browser by its
 * session cookie. Browser writes must also carry the session's CSRF token,
 * which a page from another site cannot read; bearer tokens are never sent
 * by a browser on its own, so token calls need none.
 */
import type { IncomingMessage } from 'node:http';
import { AntidoteError } from '../errors/index.js';
import { may, sameSecret, type Permission, type User, type Users } from '../review/index.js';

export const SESSION_COOKIE = 'antidote_session';
/** the double-submit cookie of the sign-in form, which has no session yet */
export const LOGIN_COOKIE = 'antidote_login';

export interface Caller {
  user: User;
  via: 'token' | 'session';
  /** the session's id and CSRF token, for a browser */
  session?: { id: string; csrf: string };
}

export function cookiesOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

export function authenticate(req: IncomingMessage, users: Users): Caller | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (bearer) {
    const user = users.byToken(bearer);
    if (!user) throw new AntidoteError('UNAUTHENTICATED', 'the bearer token is not known (revoked, or from another server)');
    return { user, via: 'token' };
  }
  const id = cookiesOf(req)[SESSION_COOKIE];
  const found = id ? users.bySession(id) : undefined;
  return found && id ? { user: { name: found.name, role: found.role }, via: 'session', session: { id, csrf: found.csrf } } : undefined;
}

/** The caller, allowed to do `permission`; throws the error the server answers with otherwise. */
export function authorize(caller: Caller | undefined, permission: Permission): Caller {
  if (!caller) throw new AntidoteError('UNAUTHENTICATED', 'sign in, or send an API token as "Authorization: Bearer TOKEN"');
  if (!may(caller.user, permission)) throw new AntidoteError('FORBIDDEN', `${caller.user.name} is a ${caller.user.role} and may not ${permission === 'decide' ? 'decide on incidents' : 'manage users'}`);
  return caller;
}

/** A browser write must echo its session's CSRF token (form field or X-CSRF-Token header). */
export function checkCsrf(caller: Caller, submitted: string | undefined): void {
  if (caller.via === 'session' && !sameSecret(submitted, caller.session?.csrf)) throw new AntidoteError('FORBIDDEN', 'the form is missing its CSRF token or carries a wrong one; reload the page and try again');
}

export function cookie(name: string, value: string, maxAgeSeconds?: number): string {
  return `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict${maxAgeSeconds !== undefined ? `; Max-Age=${maxAgeSeconds}` : ''}`;
}
