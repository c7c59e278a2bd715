/**
 * An OpenAI-compatible HTTP server over any provider (in practice a local GGUF
 * through llama.cpp): `/v1/completions`, `/v1/chat/completions` and
 * `/v1/models`, with generated-token logprobs. It lets tools that speak the
 * OpenAI API, Antidote's own `--endpoint` provider included, probe a local
 * model. With `stream: true` the answer comes as server-sent events, a token
 * per event, sent once the generation is complete (the providers generate a
 * whole answer at a time).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { jsonObjectOf, listenOn, readBody } from '../http/index.js';
import type { Generation, Provider } from './providers/types.js';

export interface ServeOptions {
  host?: string;
  /** 0 picks a free port */
  port?: number;
  /** model id reported by /v1/models and in responses */
  modelId?: string;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

class RequestError extends Error {}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = await readBody(req, 1 << 20, () => new RequestError('request body over 1 MiB'));
  return jsonObjectOf(raw, (message) => new RequestError(message));
}

function integer(body: Record<string, unknown>, key: string, fallback: number, max: number): number {
  const v = body[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) throw new RequestError(`${key} must be an integer from 0 to ${max}`);
  return v;
}

function sampling(body: Record<string, unknown>) {
  const temperature = body.temperature ?? 1;
  if (typeof temperature !== 'number' || temperature < 0 || temperature > 2) throw new RequestError('temperature must be a number from 0 to 2');
  return { maxTokens: integer(body, 'max_tokens', 16, 4096), temperature, seed: integer(body, 'seed', 0, 2 ** 31) };
}

const finish = (g: Generation, max: number) => (g.tokens.length >= max ? 'length' : 'stop');
const usage = (g: Generation) => ({ prompt_tokens: g.usage.promptTokens, completion_tokens: g.usage.completionTokens, total_tokens: g.usage.promptTokens + g.usage.completionTokens });

async function completions(provider: Provider, body: Record<string, unknown>, model: string) {
  const prompt = body.prompt;
  if (typeof prompt !== 'string') throw new RequestError('prompt must be a string');
  const s = sampling(body);
  const top = body.logprobs === undefined || body.logprobs === null ? undefined : integer(body, 'logprobs', 0, 20);
  const echo = body.echo === true;
  if (echo && top !== undefined && !provider.promptLogprobs) throw new RequestError('this model has no prompt logprobs to echo');
  // echo with logprobs: the prompt's own tokens come first, as vLLM and OpenAI answer
  const scored = echo && top !== undefined ? await provider.promptLogprobs!(prompt) : undefined;
  const g: Generation = s.maxTokens > 0
    ? await provider.generate({ prompt, ...s, topAlternatives: top })
    : { text: '', tokens: [], usage: { promptTokens: scored?.usage.promptTokens ?? 0, completionTokens: 0 } };
  const tokens = [...(scored?.tokens ?? []), ...g.tokens];
  let offset = 0;
  const offsets = tokens.map((t, i) => {
    if (scored && i === scored.tokens.length) offset = prompt.length;
    return (offset += t.text.length) - t.text.length;
  });
  return { pieces: g.tokens.map((t) => t.text), answer: {
    id: `cmpl-${Date.now().toString(36)}`, object: 'text_completion', created: Math.floor(Date.now() / 1000), model,
    choices: [{
      index: 0,
      text: echo ? prompt + g.text : g.text,
      logprobs: top === undefined ? null : {
        tokens: tokens.map((t) => t.text),
        token_logprobs: tokens.map((t) => t.logprob ?? null),
        top_logprobs: tokens.map((t, i) => (t.logprob === undefined && i === 0 ? null : Object.fromEntries((t.top ?? []).map((a) => [a.text, a.logprob])))),
        text_offset: offsets,
      },
      finish_reason: finish(g, s.maxTokens),
    }],
    usage: usage(g),
  } };
}

async function chat(provider: Provider, body: Record<string, unknown>, model: string) {
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0 || !messages.every((m) => m && typeof m.content === 'string')) {
    throw new RequestError('messages must be a non-empty array of {role, content}');
  }
  // a base model has no chat template: the conversation is its text, in order
  const prompt = (messages as Array<{ content: string }>).map((m) => m.content).join('\n');
  const s = sampling(body);
  const want = body.logprobs === true;
  const top = want ? integer(body, 'top_logprobs', 0, 20) : undefined;
  const g = await provider.generate({ prompt, ...s, topAlternatives: top });
  const bytes = (t: string) => [...Buffer.from(t)];
  return { pieces: g.tokens.map((t) => t.text), answer: {
    id: `chatcmpl-${Date.now().toString(36)}`, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model,
    choices: [{
      index: 0,
      message: { role: 'assistant', content: g.text },
      logprobs: want ? { content: g.tokens.map((t) => ({ token: t.text, logprob: t.logprob ?? null, bytes: bytes(t.text), top_logprobs: (t.top ?? []).map((a) => ({ token: a.text, logprob: a.logprob, bytes: bytes(a.text) })) })) } : null,
      finish_reason: finish(g, s.maxTokens),
    }],
    usage: usage(g),
  } };
}

/** An answer as a stream of chunks, one per generated token, then the finish reason and [DONE]. */
function sendStream(res: ServerResponse, chat: boolean, answer: { id: string; created: number; model: string; choices: Array<{ finish_reason: string }> }, pieces: readonly string[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (choice: Record<string, unknown>) => `data: ${JSON.stringify({ id: answer.id, object: chat ? 'chat.completion.chunk' : 'text_completion', created: answer.created, model: answer.model, choices: [{ index: 0, ...choice }] })}\n\n`;
  const events = pieces.map((piece, i) => chunk(chat ? { delta: i === 0 ? { role: 'assistant', content: piece } : { content: piece }, finish_reason: null } : { text: piece, finish_reason: null }));
  events.push(chunk(chat ? { delta: {}, finish_reason: answer.choices[0]!.finish_reason } : { text: '', finish_reason: answer.choices[0]!.finish_reason }));
  res.end(`${events.join('')}data: [DONE]\n\n`);
}

export async function serve(provider: Provider, options: ServeOptions = {}): Promise<RunningServer> {
  const model = options.modelId ?? provider.info().model;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    void (async () => {
      try {
        if (req.method === 'GET' && path === '/v1/models') return send(res, 200, { object: 'list', data: [{ id: model, object: 'model', owned_by: 'antidote' }] });
        if (req.method !== 'POST' || (path !== '/v1/completions' && path !== '/v1/chat/completions')) {
          return send(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } });
        }
        const body = await readJson(req);
        const { answer, pieces } = path === '/v1/completions' ? await completions(provider, body, model) : await chat(provider, body, model);
        if (body.stream === true) sendStream(res, path !== '/v1/completions', answer, pieces);
        else send(res, 200, answer);
      } catch (error) {
        const bad = error instanceof RequestError;
        send(res, bad ? 400 : 500, { error: { message: (error as Error).message, type: bad ? 'invalid_request_error' : 'server_error' } });
      }
    })();
  });
  const url = await listenOn(server, options);
  return {
    url,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
