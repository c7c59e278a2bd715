/**
 * The review server's users: each has a role and API tokens, and browser
 * sign-ins become sessions. Only SHA-256 hashes of tokens and session ids
 * are stored, so a copy of the database signs nobody in.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import { AntidoteError } from '../errors/index.js';
import { sha256Hex } from '../ledger/index.js';

export const ROLES = ['viewer', 'reviewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What each role may do: every role reads; reviewers and admins decide; only admins manage users. */
export type Permission = 'read' | 'decide' | 'admin';
const GRANTS: Record<Role, readonly Permission[]> = { viewer: ['read'], reviewer: ['read', 'decide'], admin: ['read', 'decide', 'admin'] };

export interface User {
  name: string;
  role: Role;
}

export function may(user: User, permission: Permission): boolean {
  return GRANTS[user.role].includes(permission);
}

/** Session lifetime: a working day. */
const SESSION_MS = 12 * 3600 * 1000;

const secret = (prefix: string): string => `${prefix}${randomBytes(32).toString('base64url')}`;

export function parseRole(value: unknown): Role {
  if (typeof value !== 'string' || !(ROLES as readonly string[]).includes(value)) throw new AntidoteError('USAGE', `role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(value)}`);
  return value as Role;
}

export class Users {
  constructor(private readonly db: Database.Database) {}

  /** Adds a user and returns their first token; the token is shown once and never stored. */
  add(name: string, role: Role): string {
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(name)) throw new AntidoteError('USAGE', `user name '${name}' must be 1-64 letters, digits or . _ @ -`);
    if (this.db.prepare('SELECT 1 FROM users WHERE name = ?').get(name)) throw new AntidoteError('USAGE', `user ${name} already exists; give them another token with 'antidote server token ${name}'`);
    this.db.prepare('INSERT INTO users (name, role, created) VALUES (?, ?, ?)').run(name, role, new Date().toISOString());
    return this.issue(name, 'first');
  }

  issue(name: string, label: string): string {
    if (!this.db.prepare('SELECT 1 FROM users WHERE name = ?').get(name)) throw new AntidoteError('USAGE', `no user ${name}; add them with 'antidote server user NAME --role ROLE'`);
    const token = secret('adt_');
    this.db.prepare('INSERT INTO tokens (sha256, user, label, created) VALUES (?, ?, ?, ?)').run(sha256Hex(token), name, label, new Date().toISOString());
    return token;
  }

  list(): User[] {
    return this.db.prepare('SELECT name, role FROM users ORDER BY name').all() as User[];
  }

  byToken(token: string): User | undefined {
    return this.db.prepare('SELECT u.name, u.role FROM tokens t JOIN users u ON u.name = t.user WHERE t.sha256 = ?').get(sha256Hex(token)) as User | undefined;
  }

  /** A browser session for `user`: the cookie's id and the token its forms must carry. */
  openSession(user: User): { id: string; csrf: string } {
    const id = secret('');
    const csrf = secret('');
    const now = Date.now();
    this.db.prepare('DELETE FROM sessions WHERE expires < ?').run(now);
    this.db.prepare('INSERT INTO sessions (sha256, user, csrf, expires) VALUES (?, ?, ?, ?)').run(sha256Hex(id), user.name, csrf, now + SESSION_MS);
    return { id, csrf };
  }

  bySession(id: string): (User & { csrf: string }) | undefined {
    return this.db.prepare('SELECT u.name, u.role, s.csrf FROM sessions s JOIN users u ON u.name = s.user WHERE s.sha256 = ? AND s.expires > ?').get(sha256Hex(id), Date.now()) as (User & { csrf: string }) | undefined;
  }

  closeSession(id: string): void {
    this.db.prepare('DELETE FROM sessions WHERE sha256 = ?').run(sha256Hex(id));
  }
}

/** Compares two secrets in time that does not depend on where they differ. */
export function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
