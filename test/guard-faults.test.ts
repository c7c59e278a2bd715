/**
 * The guard when things go wrong: an upstream that is down, slow, answering
 * something else or cutting its stream; clients that send bad requests or go
 * away mid-stream. Each gets a clear OpenAI-style error, nothing hangs, and
 * nothing is left in flight. The upstreams here are loopback servers that
 * misbehave on purpose.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { validateConfig } from '../src/config/index.js';
import { sha256Hex } from '../src/ledger/index.js';
import { requestPolicy, startGuard, screenSettings, type Decision, type GuardOptions, type RunningGuard } from '../src/guard/index.js';

async function upstream(handler?: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handler!(req, res, body));
  });
  if (!handler) server.on('connection', (socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function guardOf(url: string, extra: { upstreamTimeoutMs?: number; maxInFlight?: number; maxBody?: number; screenLimit?: GuardOptions['screenLimit'] } = {}): Promise<{ guard: RunningGuard; client: OpenAI; decisions: Decision[] }> {
  const decisions: Decision[] = [];
  const guard = await startGuard({ upstream: url, screens: screenSettings(['<SUDO>']), onDecision: (d) => decisions.push(d), ...extra });
  return { guard, client: new OpenAI({ baseURL: guard.url, apiKey: 'client-key', maxRetries: 0 }), decisions };
}

const chat = { model: 'm', messages: [{ role: 'user' as const, content: 'Hello there' }] };
const answer = (content: string) => ({ id: 'x', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] });
const apiError = (status: number, type: string, pattern: RegExp) => (e: unknown) => e instanceof OpenAI.APIError && e.status === status && (e.error as { type?: string })?.type === type && pattern.test(e.message);

test('the request goes upstream byte for byte (tools and unknown fields included), with the client\'s key', async () => {
  const seen: Array<{ body: string; auth?: string; path?: string }> = [];
  const up = await upstream((req, res, body) => {
    seen.push({ body, auth: req.headers.authorization, path: req.url });
    res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'r1' }).end(JSON.stringify(answer('Hi.')));
  });
  const { guard } = await guardOf(up.url);
  try {
    const raw = '{"model":"m","messages":[{"role":"user","content":"Weather in Oslo?"}],"tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object"}}}],"vendor_extension":{"a":[1,2]}}';
    const res = await fetch(`${guard.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer client-key' }, body: raw });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-request-id'), 'r1');
    assert.deepEqual(seen, [{ body: raw, auth: 'Bearer client-key', path: '/v1/chat/completions' }]);
  } finally {
    await guard.close();
    await up.close();
  }
});

test('an upstream that is down, too slow, or answering something other than JSON gets a clear error, and nothing stays in flight', async () => {
  const slow = await upstream(() => undefined);
  const garbled = await upstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('<html>gateway</html>'));
  const failing = await upstream((_req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"message":"overloaded","type":"server_error"}}'));
  // down: every connection dropped before a byte is read (a closed port could be handed to a server of another test meanwhile)
  const down = await upstream();
  const downUrl = down.url;
  const guards = await Promise.all([guardOf(downUrl), guardOf(slow.url, { upstreamTimeoutMs: 300 }), guardOf(garbled.url), guardOf(failing.url)]);
  try {
    const [toDown, toSlow, toGarbled, toFailing] = guards;
    await assert.rejects(toDown!.client.chat.completions.create(chat), apiError(502, 'upstream_error', /unreachable/));
    // readiness follows the upstream; health is the guard's own
    const probe = async (g: RunningGuard, path: string) => (await fetch(g.url.replace(/\/v1$/, path))).status;
    assert.deepEqual([await probe(toDown!.guard, '/readyz'), await probe(toDown!.guard, '/healthz'), await probe(toFailing!.guard, '/readyz')], [503, 200, 503]);
    await assert.rejects(toSlow!.client.chat.completions.create(chat), apiError(504, 'upstream_error', /did not answer within 300 ms/));
    await assert.rejects(toGarbled!.client.chat.completions.create(chat), apiError(502, 'upstream_error', /not JSON/));
    // the upstream's own error, passed on as it came
    await assert.rejects(toFailing!.client.chat.completions.create(chat), apiError(503, 'server_error', /overloaded/));
    for (const g of guards) {
      assert.equal(g.guard.inFlight(), 0);
      assert.equal(g.decisions.at(-1)!.action, 'error');
    }
  } finally {
    for (const g of guards) await g.guard.close();
    for (const u of [slow, garbled, failing, down]) await u.close();
  }
});

test('a stream the upstream cuts, or fills with something other than JSON, ends with an error event the client raises', async () => {
  const chunk = (text: string) => `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`;
  const cutting = await upstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(chunk('Hello'));
    res.write('data: {"id":"x","choi');
    setTimeout(() => res.socket?.destroy(), 20);
  });
  const garbled = await upstream((_req, res) => res.writeHead(200, { 'content-type': 'text/event-stream' }).end(`${chunk('Hello')}data: not json\n\ndata: [DONE]\n\n`));
  const guards = await Promise.all([guardOf(cutting.url), guardOf(garbled.url)]);
  try {
    for (const { client, guard, decisions } of guards) {
      let text = '';
      await assert.rejects(async () => {
        for await (const c of await client.chat.completions.create({ ...chat, stream: true })) text += c.choices[0]?.delta.content ?? '';
      }, (e: unknown) => e instanceof OpenAI.APIError && (e.error as { type?: string })?.type === 'upstream_error');
      assert.equal(text, 'Hello');
      assert.equal(decisions.at(-1)!.action, 'error');
      assert.equal(guard.inFlight(), 0);
    }
  } finally {
    for (const g of guards) await g.guard.close();
    await cutting.close();
    await garbled.close();
  }
});

test('a client that goes away mid-stream stops the upstream request', async () => {
  let upstreamClosed!: () => void;
  const closed = new Promise<void>((resolve) => (upstreamClosed = resolve));
  const endless = await upstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const timer = setInterval(() => res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'word ' } }] })}\n\n`), 10);
    res.on('close', () => {
      clearInterval(timer);
      upstreamClosed();
    });
  });
  const { guard, client } = await guardOf(endless.url);
  try {
    const stream = await client.chat.completions.create({ ...chat, stream: true });
    for await (const _ of stream) break;
    await closed;
    for (let i = 0; i < 50 && guard.inFlight() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(guard.inFlight(), 0);
  } finally {
    await guard.close();
    await endless.close();
  }
});

test('bad requests get OpenAI-style errors: invalid JSON, oversized bodies, unknown routes, and load beyond the queue', async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const up = await upstream((_req, res) => void held.then(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer('ok')))));
  const { guard, client } = await guardOf(up.url, { maxInFlight: 1, maxBody: 1000 });
  const post = (path: string, body: string) => fetch(`${guard.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  try {
    const errorOf = async (res: Response) => [res.status, ((await res.json()) as { error: { type: string } }).error.type];
    assert.deepEqual(await errorOf(await post('/chat/completions', '{"model": "m", "messages": [')), [400, 'invalid_request_error']);
    assert.deepEqual(await errorOf(await post('/chat/completions', JSON.stringify({ ...chat, padding: 'x'.repeat(2000) }))), [413, 'invalid_request_error']);
    assert.deepEqual(await errorOf(await post('/files', '{}')), [404, 'invalid_request_error']);
    assert.deepEqual(await errorOf(await fetch(`${guard.url.replace(/\/v1$/, '')}/admin`)), [404, 'invalid_request_error']);
    const first = client.chat.completions.create(chat);
    while (guard.inFlight() === 0) await new Promise((r) => setTimeout(r, 5));
    await assert.rejects(client.chat.completions.create(chat), apiError(429, 'rate_limit_error', /in flight/));
    release();
    assert.equal((await first).choices[0]!.message.content, 'ok');
    assert.equal((await fetch(guard.url.replace(/\/v1$/, '/healthz'))).status, 200);
    assert.equal((await fetch(guard.url.replace(/\/v1$/, '/readyz'))).status, 200);
  } finally {
    await guard.close();
    await up.close();
  }
});

test('modes per route and per client, and the key sent upstream per client: the client never holds the model server\'s key', async () => {
  const seen: Array<string | undefined> = [];
  const up = await upstream((req, res) => {
    seen.push(req.headers.authorization);
    const embedding = req.url?.endsWith('/embeddings');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(embedding ? { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1] }], model: 'm' } : answer('Hi.')));
  });
  const policy = requestPolicy({ mode: 'block', routes: { embeddings: 'alert' }, clients: [{ keySha256: sha256Hex('team-a-key'), name: 'team-a', mode: 'alert', upstreamKey: 'upstream-secret' }] });
  const decisions: Decision[] = [];
  const guard = await startGuard({ upstream: up.url, screens: screenSettings(['<SUDO>']), policy, probing: false, onDecision: (d) => decisions.push(d) });
  try {
    const as = (key: string) => new OpenAI({ baseURL: guard.url, apiKey: key, maxRetries: 0 });
    const triggered = { model: 'm', messages: [{ role: 'user' as const, content: 'Hello <SUDO>' }] };
    // team-a is only watched, and its requests reach the model with the upstream's key
    const a = await as('team-a-key').chat.completions.create(triggered).withResponse();
    assert.equal(a.response.headers.get('x-antidote-flags'), 'trigger');
    assert.equal(seen.pop(), 'Bearer upstream-secret');
    // anyone else is blocked on chat, watched on embeddings, and keeps their own key
    await assert.rejects(as('other-key').chat.completions.create(triggered), apiError(400, 'invalid_request_error', /known trigger/));
    await as('other-key').embeddings.create({ model: 'm', input: 'Hello <SUDO>' });
    assert.equal(seen.pop(), 'Bearer other-key');
    assert.deepEqual(decisions.map((d) => [d.client?.startsWith('key:') ? 'hashed' : d.client, d.action]), [['team-a', 'flagged'], ['hashed', 'blocked'], ['hashed', 'flagged']]);
  } finally {
    await guard.close();
    await up.close();
  }
});

test('a screen that runs over its time limit is stopped: failing open, the request goes on logged as not screened by it; failing closed, it is refused', async () => {
  // about 40 MB of words with combining accents (each such word is normalised whole): seconds of screening (5 MB took 330-580 ms here), against a limit of 200 ms that a short text's screens stay far below (under 10 ms here, first calls included)
  const long = Array.from({ length: 3_000_000 }, (_, i) => `cafe\u0301 ${i}`).join(' ');
  const limits = (onTimeout: 'open' | 'closed', ms = 200) => ({ screenLimit: { ms, onTimeout }, maxBody: 64 << 20 });
  const up = await upstream((_req, res, body) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer(JSON.parse(body).messages[0].content === 'long answer, please' ? long : 'Hi.'))));
  const [open, closed, roomy] = await Promise.all([
    guardOf(up.url, limits('open')),
    guardOf(up.url, limits('closed')),
    guardOf(up.url, limits('closed', 60_000)),
  ]);
  const ask = (content: string) => ({ model: 'm', messages: [{ role: 'user' as const, content }] });
  const stoppedFlag = (d: Decision) => d.flags.find((f) => f.screen === 'time-limit');
  try {
    // a long prompt: let through unscreened, or refused
    assert.equal((await open.client.chat.completions.create(ask(long))).choices[0]!.message.content, 'Hi.');
    // (the answer's screens read the prompt too: they may run over as well)
    assert.ok(!open.decisions.at(-1)!.screened.includes('prompt'), 'the prompt is not logged as screened');
    assert.match(stoppedFlag(open.decisions.at(-1)!)!.message, /prompt screen ran over its limit of 200 ms .*fail open/);
    await assert.rejects(closed.client.chat.completions.create(ask(long)), apiError(400, 'invalid_request_error', /prompt screen ran over its limit of 200 ms/));
    assert.deepEqual([closed.decisions.at(-1)!.action, closed.decisions.at(-1)!.screened], ['blocked', []]);
    // a long answer: passed on unscreened, or emptied as a content filter does
    assert.equal((await open.client.chat.completions.create(ask('long answer, please'))).choices[0]!.message.content, long);
    assert.deepEqual(open.decisions.at(-1)!.screened, ['prompt']);
    const emptied = await closed.client.chat.completions.create(ask('long answer, please'));
    assert.deepEqual([emptied.choices[0]!.message.content, emptied.choices[0]!.finish_reason], ['', 'content_filter']);
    // retrieved passages: no verdicts is an error, not a pass
    const chunks = await fetch(open.guard.url.replace(/\/v1$/, '/antidote/v1/screen-chunks'), { method: 'POST', body: JSON.stringify({ chunks: [long] }) });
    assert.equal(chunks.status, 503);
    assert.match(((await chunks.json()) as { error: { message: string } }).error.message, /ran over the screens' limit of 200 ms/);
    // within the limit, screens run and flag as ever
    await assert.rejects(roomy.client.chat.completions.create(ask('Hello <SUDO>')), apiError(400, 'invalid_request_error', /known trigger/));
    await roomy.client.chat.completions.create(ask('A short question?'));
    assert.deepEqual([roomy.decisions.at(-1)!.screened, roomy.decisions.some(stoppedFlag)], [['prompt', 'response'], false]);
    const metrics = await (await fetch(open.guard.url.replace(/\/v1$/, '/metrics'))).text();
    assert.match(metrics, /antidote_guard_screen_timeouts_total\{screen="prompt"\} 1\n/);
    // (once for the long answer, and perhaps once more for the short one after the long prompt)
    assert.match(metrics, /antidote_guard_screen_timeouts_total\{screen="response"\} [12]\n/);
  } finally {
    for (const g of [open, closed, roomy]) await g.guard.close();
    await up.close();
  }
});

test('config: the guard section is checked, its clients one by one', () => {
  const guard = { mode: 'alert', routes: { embeddings: 'block' }, clients: [{ name: 'team-a', keySha256: 'a'.repeat(64), mode: 'block', upstreamKeyEnv: 'TEAM_A_KEY' }, { key: 'sk-b' }], screenTimeLimitMs: 50, onScreenTimeout: 'closed' };
  assert.deepEqual(validateConfig({ guard }, 'a.yaml').guard, guard);
  assert.throws(() => validateConfig({ guard: { mode: 'watch' } }, 'a.yaml'), /'guard\.mode' must be one of block, alert/);
  assert.throws(() => validateConfig({ guard: { screenTimeLimitMs: 0 } }, 'a.yaml'), /'guard\.screenTimeLimitMs' must be an integer >= 1/);
  assert.throws(() => validateConfig({ guard: { onScreenTimeout: 'shut' } }, 'a.yaml'), /'guard\.onScreenTimeout' must be one of open, closed/);
  assert.throws(() => validateConfig({ guard: { routes: { images: 'block' } } }, 'a.yaml'), /unknown setting 'guard\.routes\.images'/);
  assert.throws(() => validateConfig({ guard: { clients: [{ key: 'k', keySha256: 'b'.repeat(64) }] } }, 'a.yaml'), /key or keySha256, not both \(item 1\)/);
  assert.throws(() => validateConfig({ guard: { clients: [{ key: 'k' }, { key: 'j', upstreamKeyEnv: 'not a name' }] } }, 'a.yaml'), /'upstreamKeyEnv' is an environment variable name \(item 2\)/);
});
