/**
 * `antidote guard`: an OpenAI-compatible reverse proxy that screens prompts
 * before they reach the model and responses before they reach the client.
 * Bodies are passed on as they came (tools and every other field untouched);
 * only a flag in blocking mode changes what the client gets.
 */
import { listenOn, readBody } from '../http/index.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { GuardMetrics } from './metrics.js';
import { ROUTES, OPERATION, promptOf, choicesOf, logprobsOf, upstreamUrl, type Route } from './requests.js';
import { askShadow, divergence } from './shadow.js';
import { certaintyFlag, screenPrompt, responseScreen, type Flag, type ScreenSettings } from './screens.js';
import { relayStream, type StreamOutcome } from './stream.js';
import { PROBE_DEFAULTS, type ProbeAlert, type ProbeSettings } from './probing.js';
import { ProbeThread } from './probing-thread.js';
import type { GuardMode, RequestPolicy } from './policy.js';
import { screenChunks } from './chunks.js';
import { LOGGED_CHARS, type TrafficRecord } from './log/index.js';
import { HttpError, clientOf, forwardHeaders, jsonObject, logged, sendError } from './http.js';
import { UpstreamClient } from './upstream.js';
import { ScreenLimit, STOPPED, type ScreenLimitSettings } from './limits.js';

/** passages one screen-chunks request may hold */
const MAX_CHUNKS = 1000;

export interface GuardOptions {
  /** the model server's base URL, with or without its /v1 */
  upstream: string;
  screens: ScreenSettings;
  mode?: GuardMode;
  /** each request's mode and upstream key, by route and client (`requestPolicy`); else `mode` for all */
  policy?: (route: Route | undefined, authorization: string | undefined) => RequestPolicy;
  host?: string;
  /** 0 picks a free port */
  port?: number;
  /** requests in flight beyond which new ones are answered 429 */
  maxInFlight?: number;
  /** largest request body, bytes */
  maxBody?: number;
  /** time allowed for the upstream's whole answer, ms */
  upstreamTimeoutMs?: number;
  /** every decision, with the screens that ran */
  onDecision?: (decision: Decision) => void;
  /** the trigger-probing watch's settings (PROBE_DEFAULTS unless given; false: no watch) */
  probing?: ProbeSettings | false;
  onProbeAlert?: (alert: ProbeAlert & { time: string }) => void;
  /**
   * a second model answering a share of the same requests: divergent answers
   * are logged as decisions that ran the `shadow` screen. `block`: the shadow
   * is asked alongside the upstream and a blocking divergence empties the
   * answer, so a request takes as long as the slower of the two (streams are
   * never held back: theirs are compared after they end)
   */
  shadow?: { upstream: string; sample: number; block?: boolean; timeoutMs?: number };
  /** a time limit for each screen, and what a request whose screen ran over it gets (none by default) */
  screenLimit?: ScreenLimitSettings;
}

/** every decision, with the screens that ran, the prompt and the answer they read */
export type Decision = TrafficRecord;

export interface RunningGuard {
  url: string;
  metrics: GuardMetrics;
  /** requests being answered now */
  inFlight(): number;
  /** resolves once every prompt so far has been through the probing watch (its alerts delivered) */
  probingSettled(): Promise<void>;
  close(): Promise<void>;
}

export async function startGuard(options: GuardOptions): Promise<RunningGuard> {
  const metrics = new GuardMetrics();
  const mode = options.mode ?? 'block';
  const maxInFlight = options.maxInFlight ?? 256;
  const maxBody = options.maxBody ?? 8 << 20;
  const timeoutMs = options.upstreamTimeoutMs ?? 300_000;
  let inFlight = 0;
  const upstreamClient = new UpstreamClient();
  const probing = options.probing === false ? undefined : new ProbeThread(options.probing ?? PROBE_DEFAULTS, (alert) => {
    metrics.probeAlerts.inc();
    options.onProbeAlert?.({ time: new Date().toISOString(), ...alert });
  });

  const limit = options.screenLimit && new ScreenLimit(options.screenLimit);
  /** what a screen gives, timed, under the time limit if there is one (STOPPED, and counted, when it ran over) */
  const limited = <T>(name: string, screen: () => T): T | typeof STOPPED => {
    const found = metrics.timed(name, () => (limit ? limit.run(screen) : screen()));
    if (found === STOPPED) metrics.screenTimeouts.inc({ screen: name });
    return found;
  };
  /** a screen's flags; when it ran over the limit, the flag that says so, and `stopped` */
  const screened = (name: string, screen: () => Flag[]): { flags: Flag[]; stopped: boolean } => {
    const found = limited(name, screen);
    return found === STOPPED ? { flags: [limit!.stoppedFlag(name)], stopped: true } : { flags: found, stopped: false };
  };

  const decide = (d: Omit<Decision, 'time'>) => {
    metrics.requests.inc({ route: d.route, outcome: d.action });
    for (const f of d.flags) metrics.flags.inc({ screen: f.screen });
    options.onDecision?.({ time: new Date().toISOString(), ...d });
  };

  /** a request to the upstream, dropped when the client goes away or the time runs out */
  const callUpstream = async (req: IncomingMessage, res: ServerResponse, path: string, body?: Buffer, authorization?: string) => {
    const abort = new AbortController();
    const onClose = () => abort.abort(new Error('client disconnected'));
    res.once('close', onClose);
    const timer = setTimeout(() => abort.abort(new HttpError(504, `the upstream did not answer within ${timeoutMs} ms`, 'upstream_error')), timeoutMs);
    try {
      const headers = forwardHeaders(req.headers);
      if (authorization) headers.authorization = authorization;
      const upstream = await upstreamClient.send(upstreamUrl(options.upstream, path), { method: req.method ?? 'POST', headers, body, signal: abort.signal });
      return { upstream, abort, done: () => { clearTimeout(timer); res.off('close', onClose); } };
    } catch (e) {
      clearTimeout(timer);
      res.off('close', onClose);
      const reason = abort.signal.reason;
      if (reason instanceof HttpError) throw reason;
      throw new HttpError(502, `the upstream at ${options.upstream} is unreachable: ${(e as Error).message}`, 'upstream_error');
    }
  };

  const handleModel = async (req: IncomingMessage, res: ServerResponse, path: string, route: Route) => {
    const raw = await readBody(req, maxBody, () => new HttpError(413, `request body over ${maxBody} bytes`));
    const body = jsonObject(raw);
    const model = typeof body.model === 'string' ? body.model : undefined;
    const stream = body.stream === true;
    const prompt = promptOf(route, body);
    const client = clientOf(req);
    const policy = options.policy?.(route, req.headers.authorization) ?? { mode };
    const asked = { route, model, stream, client: policy.client ?? client, prompt: logged(prompt) };
    const { flags: promptFlags, stopped: promptStopped } = screened('prompt', () => screenPrompt(prompt, options.screens));
    // a request is logged as screened by the screens that finished
    const ran = (...screens: string[]) => screens.filter((s) => s !== 'prompt' || !promptStopped);
    // probing is bookkeeping that blocks nothing: counted on a thread of its own
    probing?.observe(prompt, client, Date.now());
    const blocking = (flags: readonly Flag[]) => policy.mode === 'block' && flags.some((f) => f.blocks);
    if (blocking(promptFlags)) {
      decide({ ...asked, action: 'blocked', screened: ran('prompt'), flags: promptFlags });
      return sendError(res, new HttpError(400, `prompt blocked by the guard: ${promptFlags.filter((f) => f.blocks).map((f) => f.message).join('; ')}`, 'invalid_request_error', 'content_filter'), { antidote: promptFlags });
    }
    const screenAnswer = responseScreen(prompt, options.screens);
    const shadow = options.shadow && route !== 'embeddings' && Math.random() < options.shadow.sample ? options.shadow : undefined;
    const askedShadow = shadow && (() => askShadow(shadow.upstream, path, route, body, req.headers.authorization, shadow.timeoutMs ?? timeoutMs));
    // blocking: asked now, beside the upstream; else once the client has its answer
    const early = shadow?.block && !stream ? askedShadow!() : undefined;
    const compare = async (answer: string, answerFlags: Flag[], other: Promise<string | undefined>): Promise<Flag[]> => {
      const theirs = await other;
      if (theirs === undefined) {
        metrics.shadow.inc({ outcome: 'no answer' });
        return [];
      }
      const found = divergence(answer, answerFlags, theirs, screenAnswer(theirs));
      metrics.shadow.inc({ outcome: found.some((f) => f.blocks) ? 'diverged' : 'agreed' });
      return found;
    };
    /** after the answer went out: the comparison logged as a decision of its own */
    const compareLater = (answer: string, answerFlags: Flag[]) => {
      if (!askedShadow) return;
      void compare(answer, answerFlags, askedShadow()).then((found) => {
        if (found.length) decide({ ...asked, response: logged(answer), action: 'flagged', screened: ['shadow'], flags: found });
      });
    };
    const ended = metrics.upstreamSeconds.startTimer({ gen_ai_operation_name: OPERATION[route], gen_ai_request_model: model ?? '' });
    const called = callUpstream(req, res, path, raw, policy.upstreamAuthorization);
    const { upstream, abort, done } = await called;
    try {
      const headers = forwardHeaders(upstream.headers);
      if (promptFlags.length) headers['x-antidote-flags'] = promptFlags.map((f) => f.screen).join(',');
      const contentType = String(upstream.headers['content-type'] ?? '');
      if (stream && upstream.ok && contentType.includes('text/event-stream')) {
        res.writeHead(upstream.status, headers);
        let windowStopped = false;
        const outcome: StreamOutcome = await relayStream(upstream.body, res, {
          route, window: 2048, step: 64, block: policy.mode === 'block', keep: LOGGED_CHARS,
          screen: (text) => {
            const found = screened('response', () => screenAnswer(text));
            windowStopped ||= found.stopped;
            return found.flags;
          },
        });
        if (outcome.cut) {
          metrics.streamCuts.inc();
          abort.abort(new Error('stream cut by the guard'));
        }
        const flags = [...promptFlags, ...outcome.flags];
        if (!outcome.cut && !outcome.broken) compareLater(outcome.answer, outcome.flags);
        return decide({ ...asked, response: outcome.answer, action: outcome.broken ? 'error' : outcome.cut ? 'cut' : flags.length ? 'flagged' : 'passed', screened: ran('prompt', ...(windowStopped ? [] : ['stream'])), flags, error: outcome.broken });
      }
      const text = await upstream.text();
      if (!upstream.ok || route === 'embeddings') {
        res.writeHead(upstream.status, headers).end(text);
        return decide({ ...asked, action: !upstream.ok ? 'error' : promptFlags.length ? 'flagged' : 'passed', screened: ran('prompt'), flags: promptFlags, error: upstream.ok ? undefined : `upstream answered ${upstream.status}` });
      }
      let answer: Record<string, unknown>;
      try {
        answer = JSON.parse(text);
      } catch {
        throw new HttpError(502, `the upstream answered ${upstream.status} with a body that is not JSON`, 'upstream_error');
      }
      const responseFlags: Flag[] = [];
      const flagged = new Set<number>();
      const choices = choicesOf(route, answer);
      const firstFlags: Flag[] = [];
      let answerStopped = false;
      for (const [index, content] of choices) {
        const { flags: found, stopped } = screened('response', () => screenAnswer(content));
        answerStopped ||= stopped;
        if (found.some((f) => f.blocks)) flagged.add(index);
        if (index === 0) firstFlags.push(...found);
        responseFlags.push(...found);
      }
      for (const logprobs of logprobsOf(route, answer).values()) {
        const locked = certaintyFlag(logprobs);
        if (locked) responseFlags.push(locked);
      }
      const first = choices.get(0) ?? '';
      if (early) {
        const found = await compare(first, firstFlags, early);
        if (found.some((f) => f.blocks)) flagged.add(0);
        responseFlags.push(...found);
      } else compareLater(first, firstFlags);
      const blocked = blocking(responseFlags);
      if (blocked) {
        // as a content filter answers: the flagged choices emptied, with the reason beside them
        for (const [k, c] of (answer.choices as Array<Record<string, unknown>>).entries()) {
          if (!flagged.has(typeof c.index === 'number' ? c.index : k)) continue;
          if (route === 'chat') c.message = { ...(c.message as object), content: '' };
          else c.text = '';
          c.finish_reason = 'content_filter';
        }
        answer.antidote = { flags: responseFlags };
      }
      const flags = [...promptFlags, ...responseFlags];
      if (responseFlags.length) headers['x-antidote-flags'] = flags.map((f) => f.screen).join(',');
      res.writeHead(upstream.status, { ...headers, 'content-type': 'application/json' }).end(blocked ? JSON.stringify(answer) : text);
      decide({ ...asked, response: logged([...choices.values()].join('\n\n')), action: blocked ? 'blocked' : flags.length ? 'flagged' : 'passed', screened: ran('prompt', ...(answerStopped ? [] : ['response']), ...(early ? ['shadow'] : [])), flags });
    } finally {
      done();
      ended();
    }
  };

  /** POST /antidote/v1/screen-chunks: `{"chunks": [text | {"id", "text"}]}` answered with each passage's flags */
  const handleChunks = async (req: IncomingMessage, res: ServerResponse) => {
    const list = jsonObject(await readBody(req, maxBody, () => new HttpError(413, `request body over ${maxBody} bytes`))).chunks;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_CHUNKS) throw new HttpError(400, `"chunks" must be an array of 1 to ${MAX_CHUNKS} passages`);
    const chunks = list.map((c: unknown, i) => {
      if (typeof c === 'string') return { text: c };
      const o = c as { id?: unknown; text?: unknown } | null;
      if (o && typeof o === 'object' && typeof o.text === 'string' && (o.id === undefined || typeof o.id === 'string')) return { id: o.id as string | undefined, text: o.text };
      throw new HttpError(400, `chunks[${i}] must be a string or {"id": string, "text": string}`);
    });
    const results = limited('chunks', () => screenChunks(chunks, options.screens));
    if (results === STOPPED) {
      // whichever the setting, a caller that asked for verdicts is not handed none as if all passed
      decide({ route: 'screen-chunks', client: clientOf(req), stream: false, action: 'error', screened: [], flags: [limit!.stoppedFlag('chunks')] });
      throw new HttpError(503, `screening ${chunks.length} passages ran over the screens' limit of ${limit!.settings.ms} ms and was stopped; send fewer or shorter passages per request`, 'server_error', 'screen_timeout');
    }
    const flags = results.flatMap((r) => r.flags);
    decide({ route: 'screen-chunks', client: clientOf(req), stream: false, action: flags.some((f) => f.blocks) ? 'flagged' : 'passed', screened: ['chunks'], flags });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results, flagged: results.filter((r) => r.flags.some((f) => f.blocks)).length }));
  };

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    void (async () => {
      if (req.method === 'GET' && path === '/healthz') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      if (req.method === 'GET' && path === '/readyz') {
        // ready when the upstream answers its model list within two seconds
        const ready = await fetch(upstreamUrl(options.upstream, '/v1/models'), { signal: AbortSignal.timeout(2000) })
          .then((r) => (r.ok ? undefined : `the upstream answered ${r.status}`), (e: Error) => `the upstream at ${options.upstream} is unreachable: ${e.cause instanceof Error ? e.cause.message : e.message}`);
        return res.writeHead(ready ? 503 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(ready ? { status: 'not ready', reason: ready } : { status: 'ready' }));
      }
      if (req.method === 'GET' && path === '/metrics') {
        return res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
      }
      const route = ROUTES.get(path);
      if (inFlight >= maxInFlight) return sendError(res, new HttpError(429, `the guard has ${inFlight} requests in flight; try again shortly`, 'rate_limit_error'));
      inFlight++;
      try {
        if (req.method === 'GET' && (path === '/v1/models' || path.startsWith('/v1/models/'))) {
          const { upstream, done } = await callUpstream(req, res, path, undefined, options.policy?.(undefined, req.headers.authorization).upstreamAuthorization);
          try {
            res.writeHead(upstream.status, forwardHeaders(upstream.headers)).end(await upstream.text());
          } finally {
            done();
          }
          return;
        }
        if (req.method === 'POST' && path === '/antidote/v1/screen-chunks') return await handleChunks(req, res);
        if (req.method !== 'POST' || !route) throw new HttpError(404, `no route ${req.method} ${path}: the guard serves /v1/chat/completions, /v1/completions, /v1/embeddings, /v1/models and /antidote/v1/screen-chunks`);
        await handleModel(req, res, path, route);
      } catch (e) {
        const error = e instanceof HttpError ? e : new HttpError(500, (e as Error).message, 'server_error');
        if (route) decide({ route, stream: false, action: 'error', screened: [], flags: [], error: error.message });
        sendError(res, error);
      } finally {
        inFlight--;
      }
    })();
  });
  const url = await listenOn(server, options);
  return {
    url,
    metrics,
    inFlight: () => inFlight,
    probingSettled: () => probing?.settled() ?? Promise.resolve(),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        upstreamClient.close();
        server.close(() => resolve());
      });
      await probing?.close();
    },
  };
}
