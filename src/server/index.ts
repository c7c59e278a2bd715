/**
 * `antidote server`: the review web interface and its JSON API over one
 * ledger's review database. Routing and status codes live here; what each
 * route answers lives in api.ts and the pages.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AntidoteError, isAntidoteError, type ErrorCode } from '../errors/index.js';
import { readBody } from '../http/index.js';
import { decide, parseAction, parseRole, playbookFor, proposeAllowlistEntry, type IncidentDetail, type ReviewStore, type Users } from '../review/index.js';
import { authenticate, authorize, checkCsrf, cookie, cookiesOf, LOGIN_COOKIE, SESSION_COOKIE, type Caller } from './auth.js';
import { fieldsOf, incidentPageOf, listField, stringField } from './api.js';
import { loginPage, modelsPage, queuePage, type PageContext } from './pages.js';
import { incidentPage } from './incident-page.js';

export interface ReviewServerOptions {
  review: ReviewStore;
  users: Users;
  /** the antidote.yaml an allowlist proposal changes */
  configPath?: string;
}

const STATUS: Partial<Record<ErrorCode, number>> = { USAGE: 400, UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, INCIDENT_NOT_FOUND: 404, DECISION_REFUSED: 409, CONFIG_INVALID: 422 };
const MAX_BODY = 256 * 1024;

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

// chart.js exports no path to its browser build: find it beside the package's CommonJS entry.
const chartDist = dirname(createRequire(import.meta.url).resolve('chart.js'));
const ASSETS: Record<string, { path: string; type: string }> = {
  'chart.umd.min.js': { path: join(chartDist, 'chart.umd.min.js'), type: 'text/javascript' },
  'review.js': { path: new URL('../../../web/review.js', import.meta.url).pathname, type: 'text/javascript' },
  'review.css': { path: new URL('../../../web/review.css', import.meta.url).pathname, type: 'text/css' },
};

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, ...headers });
  res.end(body);
}
const sendJson = (res: ServerResponse, status: number, value: unknown): void => send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
const sendPage = (res: ServerResponse, status: number, page: string, headers: Record<string, string | string[]> = {}): void => send(res, status, 'text/html; charset=utf-8', page, headers);
const redirect = (res: ServerResponse, to: string, headers: Record<string, string | string[]> = {}): void => send(res, 303, 'text/plain', '', { location: to, ...headers });

/** Only paths on this server: a `back` field must not send the browser elsewhere. */
const localPath = (value: string | undefined, fallback: string): string => (value && /^\/(?!\/)[^\s\\]*$/.test(value) ? value : fallback);

export function createReviewServer(options: ReviewServerOptions): Server {
  const { review, users } = options;
  const context = (caller: Caller): PageContext => ({ user: caller.user, csrf: caller.session?.csrf ?? '', canDecide: caller.user.role !== 'viewer' });
  /** An incident page shows the allowlist change once the incident is a false positive. */
  const pageOf = (caller: Caller, detail: IncidentDetail, notice?: string) => incidentPage(context(caller), detail, detail.state === 'false-positive' ? proposalFor(detail.trigger) : undefined, notice);
  const proposalFor = (trigger: string | null) => {
    if (trigger === null) return undefined;
    const path = options.configPath ?? 'antidote.yaml';
    return proposeAllowlistEntry(existsSync(path) ? readFileSync(path, 'utf8') : '', trigger, path);
  };

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (method === 'GET' && path.startsWith('/assets/')) {
      const asset = ASSETS[path.slice('/assets/'.length)];
      if (!asset) throw new AntidoteError('NOT_FOUND', `no asset ${path}`);
      return send(res, 200, asset.type, await readFile(asset.path), { 'cache-control': 'max-age=3600' });
    }
    if (method === 'GET' && path === '/healthz') return sendJson(res, 200, { ok: true });
    if (path === '/login') {
      if (method === 'GET') {
        // Keep a token already given: a second tab, or the favicon's redirect, must not void the first form.
        const given = cookiesOf(req)[LOGIN_COOKIE];
        const csrf = given && /^[A-Za-z0-9_-]{32}$/.test(given) ? given : randomBytes(24).toString('base64url');
        return sendPage(res, 200, loginPage(csrf), { 'set-cookie': cookie(LOGIN_COOKIE, csrf, 600) });
      }
      const { fields } = fieldsOf(await readBody(req, MAX_BODY, tooLarge), req.headers['content-type']);
      const submitted = stringField(fields, 'csrf');
      if (!submitted || submitted !== cookiesOf(req)[LOGIN_COOKIE]) throw new AntidoteError('FORBIDDEN', 'the sign-in form is stale or was not sent from this server; reload it');
      const user = users.byToken(stringField(fields, 'token') ?? '');
      if (!user) return sendPage(res, 401, loginPage(submitted, 'That token is not known.'));
      const session = users.openSession(user);
      return redirect(res, '/incidents', { 'set-cookie': [cookie(SESSION_COOKIE, session.id), cookie(LOGIN_COOKIE, '', 0)] });
    }

    const api = path.startsWith('/api/');
    let caller: Caller | undefined;
    try {
      caller = authenticate(req, users);
      if (!caller) throw new AntidoteError('UNAUTHENTICATED', 'sign in, or send an API token as "Authorization: Bearer TOKEN"');
    } catch (e) {
      if (!api && method === 'GET') return redirect(res, '/login');
      throw e;
    }
    // The queue shows what the ledger holds now: catch up (cheap when nothing was appended).
    await review.catchUp();

    if (method === 'POST') {
      const { fields, form } = fieldsOf(await readBody(req, MAX_BODY, tooLarge), req.headers['content-type']);
      checkCsrf(caller, stringField(fields, 'csrf') ?? (req.headers['x-csrf-token'] as string | undefined));
      if (path === '/logout') {
        if (caller.session) users.closeSession(caller.session.id);
        return redirect(res, '/login', { 'set-cookie': cookie(SESSION_COOKIE, '', 0) });
      }
      const one = /^\/api\/incidents\/([^/]+)\/decision$/.exec(path);
      if (one || path === '/api/decisions') {
        authorize(caller, 'decide');
        const keys = one ? [decodeURIComponent(one[1])] : listField(fields, 'keys');
        const back = localPath(stringField(fields, 'back'), one ? `/incidents/${one[1]}` : '/incidents');
        try {
          const result = await decide(review, { keys, action: parseAction(fields.action), reason: stringField(fields, 'reason'), by: caller.user.name });
          return form ? redirect(res, back) : sendJson(res, 200, result);
        } catch (e) {
          // A form gets its page back with the reason, so nothing typed is lost from view.
          if (form && one && isAntidoteError(e) && e.code === 'DECISION_REFUSED') {
            const detail = review.detail(keys[0]);
            if (detail) return sendPage(res, 409, pageOf(caller, detail, e.message));
          }
          throw e;
        }
      }
      if (path === '/api/users') {
        authorize(caller, 'admin');
        const name = stringField(fields, 'name') ?? '';
        const role = parseRole(fields.role);
        return sendJson(res, 201, { name, role, token: users.add(name, role) });
      }
      throw new AntidoteError('NOT_FOUND', `no ${method} ${path}`);
    }
    if (method !== 'GET') throw new AntidoteError('USAGE', `${method} is not served here`);
    authorize(caller, 'read');

    if (path === '/') return redirect(res, '/incidents');
    if (path === '/api/me') return sendJson(res, 200, caller.user);
    if (path === '/api/incidents') return sendJson(res, 200, incidentPageOf(review, url.searchParams));
    if (path === '/incidents') return sendPage(res, 200, queuePage(context(caller), { ...incidentPageOf(review, url.searchParams), facets: review.facets() }));
    if (path === '/api/models') return sendJson(res, 200, review.models());
    if (path === '/models') return sendPage(res, 200, modelsPage(context(caller), review.models()));
    if (path === '/api/users') {
      authorize(caller, 'admin');
      return sendJson(res, 200, users.list());
    }
    const m = /^\/(api\/)?incidents\/([^/]+)(?:\/(allowlist|playbook))?$/.exec(path);
    if (m) {
      const key = decodeURIComponent(m[2]);
      const detail = review.detail(key);
      if (!detail) throw new AntidoteError('INCIDENT_NOT_FOUND', `no incident ${key} in the ledger`);
      if (m[3] === 'allowlist') {
        const proposal = proposalFor(detail.trigger);
        if (!proposal) throw new AntidoteError('USAGE', `${key} has no trigger to allow`);
        return sendJson(res, 200, proposal);
      }
      if (m[3] === 'playbook') return sendJson(res, 200, playbookFor(review, key));
      if (m[1]) return sendJson(res, 200, detail);
      return sendPage(res, 200, pageOf(caller, detail));
    }
    throw new AntidoteError('NOT_FOUND', `no page ${path}`);
  }

  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    route(req, res, url).catch((e: unknown) => {
      const code = isAntidoteError(e) ? e.code : undefined;
      const status = (code && STATUS[code]) ?? 500;
      if (status === 500) process.stderr.write(`antidote server: ${(e as Error)?.stack ?? String(e)}\n`);
      if (res.headersSent) return void res.end();
      const message = status === 500 && !code ? 'internal error; see the server log' : (e as Error).message;
      if (url.pathname.startsWith('/api/') || req.headers.accept?.includes('application/json')) sendJson(res, status, { error: { code: code ?? 'INTERNAL', message } });
      else send(res, status, 'text/plain; charset=utf-8', `${status}: ${message}\n`);
    });
  });
}

const tooLarge = (): Error => new AntidoteError('USAGE', `request body over ${MAX_BODY} bytes`);
