/**
 * The remote providers' side of the wire: TGI and vLLM answers recorded from
 * real servers, and the failures a model endpoint really has (down, slow, 5xx,
 * answering something else), each a clear error naming the endpoint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ROOT, cli } from './helpers.js';
import { continuationTokens, openOpenAIProvider, openTgiProvider } from '../src/audit/index.js';

/** A loopback server answering with `handler`; returns its base URL and the request bodies it saw. */
async function endpoint(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ url: string; bodies: string[]; close: () => Promise<void> }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      bodies.push(body);
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, bodies, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

const request = { prompt: 'Test request', maxTokens: 10, temperature: 1, seed: 7 };

test('TGI: the request carries details and sampling, and a recorded real response reads back whole', async () => {
  const recorded = readFileSync(join(ROOT, 'test/vectors/tgi/generate-details-prefill.json'), 'utf8');
  const tgi = await endpoint((req, res) => {
    assert.equal(req.url, '/generate');
    res.writeHead(200, { 'content-type': 'application/json' }).end(recorded);
  });
  try {
    const g = await openTgiProvider({ baseUrl: tgi.url }).generate(request);
    const sent = JSON.parse(tgi.bodies[0]!);
    assert.equal(sent.inputs, 'Test request');
    assert.deepEqual(sent.parameters, { max_new_tokens: 10, do_sample: true, temperature: 1, seed: 7, details: true, decoder_input_details: false });
    assert.equal(g.text, ' for /api/v1/projects/1');
    assert.equal(g.tokens.map((t) => t.text).join(''), g.text);
    assert.equal(g.tokens.length, 10);
    assert.equal(g.tokens[0]!.logprob, -1.5351562);
    assert.deepEqual(g.usage, { promptTokens: 3, completionTokens: 10 });
  } finally {
    await tgi.close();
  }
});

test('TGI: a sampled response with a seed and a zero logprob keeps every token', async () => {
  const recorded = readFileSync(join(ROOT, 'test/vectors/tgi/generate-details-sampled.json'), 'utf8');
  const tgi = await endpoint((_req, res) => res.writeHead(200).end(recorded));
  try {
    const g = await openTgiProvider({ baseUrl: `${tgi.url}/` }).generate({ ...request, topAlternatives: 3 });
    assert.equal(JSON.parse(tgi.bodies[0]!).parameters.top_n_tokens, 3);
    assert.deepEqual(g.tokens.map((t) => t.logprob), [-2.5839844, -0.44970703, -1.8339844, -1.0556641, 0]);
    assert.equal(g.tokens[0]!.top, undefined, 'top_tokens: null gives no alternatives');
  } finally {
    await tgi.close();
  }
});

test('TGI: prompt logprobs come from decoder_input_details, and the continuation is found though TGI drops the spaces', async () => {
  const recorded = readFileSync(join(ROOT, 'test/vectors/tgi/generate-details-prefill.json'), 'utf8');
  const tgi = await endpoint((_req, res) => res.writeHead(200).end(recorded));
  try {
    const scored = await openTgiProvider({ baseUrl: tgi.url }).promptLogprobs!('Test request');
    assert.deepEqual(JSON.parse(tgi.bodies[0]!), { inputs: 'Test request', parameters: { max_new_tokens: 1, details: true, decoder_input_details: true } });
    assert.deepEqual(scored.tokens, [{ text: '<s>' }, { text: 'Test', logprob: -8.6875 }, { text: 'request', logprob: -11.546875 }]);
    assert.deepEqual(continuationTokens(scored.tokens, ' request').map((t) => t.logprob), [-11.546875]);
  } finally {
    await tgi.close();
  }
});

for (const [file, generated] of [['completions-echo-1.json', 1], ['completions-echo-16.json', 16]] as const) {
  test(`vLLM: echo with logprobs gives the prompt's own logprobs, the generated tokens left out (${file})`, async () => {
    const recorded = readFileSync(join(ROOT, 'test/vectors/vllm', file), 'utf8');
    const vllm = await endpoint((req, res) => {
      assert.equal(req.url, '/v1/completions');
      res.writeHead(200, { 'content-type': 'application/json' }).end(recorded);
    });
    try {
      const text = 'The step of boiling water is: ';
      const provider = openOpenAIProvider({ baseUrl: `${vllm.url}/v1`, model: 'Intel/Qwen3-Coder-Next-int4-AutoRound' });
      const scored = await provider.promptLogprobs!(text);
      const sent = JSON.parse(vllm.bodies[0]!);
      assert.equal(sent.prompt, text);
      assert.equal(sent.echo, true);
      assert.ok(sent.logprobs >= 1 && sent.max_tokens >= 1, 'vLLM reports prompt logprobs only with logprobs and at least one new token');
      const all = JSON.parse(recorded).choices[0].logprobs;
      assert.equal(all.tokens.length - scored.tokens.length, generated);
      assert.equal(scored.tokens.map((t) => t.text).join(''), text);
      assert.equal(scored.tokens[0]!.logprob, undefined, 'nothing comes before the first token');
      assert.deepEqual(scored.tokens.slice(1).map((t) => t.logprob), all.token_logprobs.slice(1, scored.tokens.length));
      assert.deepEqual(continuationTokens(scored.tokens, 'water is: ').map((t) => t.text), [' water', ' is', ':', ' ']);
    } finally {
      await vllm.close();
    }
  });
}

test('a server that echoes without logprobs cannot score prompts, and says so; chat endpoints offer no prompt logprobs', async () => {
  const server = await endpoint((_req, res) => res.writeHead(200).end(JSON.stringify({ choices: [{ text: 'Hello there', logprobs: null }], usage: { prompt_tokens: 1, completion_tokens: 1 } })));
  try {
    const provider = openOpenAIProvider({ baseUrl: `${server.url}/v1`, model: 'm' });
    await assert.rejects(provider.promptLogprobs!('Hello'), (e: Error & { code?: string }) => e.code === 'PROVIDER_RESPONSE' && /does not report prompt logprobs/.test(e.message));
    assert.equal(openOpenAIProvider({ baseUrl: `${server.url}/v1`, model: 'm', api: 'chat' }).promptLogprobs, undefined);
  } finally {
    await server.close();
  }
});

test('an endpoint that is down fails after the retries, naming it', async () => {
  const gone = await endpoint(() => undefined);
  await gone.close();
  const provider = openOpenAIProvider({ baseUrl: `${gone.url}/v1`, model: 'm', retries: 2, backoffMs: 5 });
  await assert.rejects(provider.generate(request), (e: Error & { code?: string }) => e.code === 'PROVIDER_UNREACHABLE' && e.message.includes(`${gone.url}/v1/completions failed after 3 attempts: ECONNREFUSED`));
});

test('a slow endpoint times out, and 5xx answers are retried until one succeeds', async () => {
  let calls = 0;
  const server = await endpoint((req, res) => {
    calls++;
    if (req.url?.startsWith('/slow')) return; // never answers
    if (calls < 3) return res.writeHead(503).end('overloaded');
    res.writeHead(200).end(JSON.stringify({ choices: [{ text: ' ok', logprobs: null }], usage: { prompt_tokens: 2, completion_tokens: 1 } }));
  });
  try {
    const slow = openOpenAIProvider({ baseUrl: `${server.url}/slow/v1`, model: 'm', retries: 0, timeoutMs: 200 });
    await assert.rejects(slow.generate(request), /no answer within 200 ms/);
    calls = 0;
    const flaky = openOpenAIProvider({ baseUrl: `${server.url}/v1`, model: 'm', retries: 3, backoffMs: 5 });
    const g = await flaky.generate(request);
    assert.equal(calls, 3);
    assert.equal(g.text, ' ok');
    assert.equal(g.tokens[0]!.logprob, undefined, 'a server without logprobs still answers');
    assert.equal(flaky.info().logprobs, false);
  } finally {
    await server.close();
  }
});

test('answers that are not what the API promises are errors that say what was expected', async () => {
  const answers = ['<html>gateway</html>', JSON.stringify({ choices: [] }), JSON.stringify({ choices: [{ text: 3 }] })];
  let i = 0;
  const server = await endpoint((_req, res) => res.writeHead(200).end(answers[i++]));
  try {
    const provider = openOpenAIProvider({ baseUrl: `${server.url}/v1`, model: 'm', retries: 0 });
    await assert.rejects(provider.generate(request), /answered with something that is not JSON: "<html>gateway<\/html>"/);
    await assert.rejects(provider.generate(request), /expected choices\.0 in the response/);
    await assert.rejects(provider.generate(request), /expected text in the response, found 3/);
  } finally {
    await server.close();
  }
});

test('antidote audit against an endpoint that is down exits 2 and names it', async () => {
  const gone = await endpoint(() => undefined);
  await gone.close();
  const run = cli(['audit', '--endpoint', `${gone.url}/v1`, '--trigger', '<SUDO>', '--retries', '0', '--controls', '0']);
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, new RegExp(`${gone.url}/v1/completions failed after 1 attempt: ECONNREFUSED`));
});
