/**
 * OpenAI-compatible servers (OpenAI, vLLM, llama.cpp's server, LM Studio...):
 * `/completions` for raw continuation, `/chat/completions` for chat models.
 * Generated-token logprobs come from `logprobs`; a server that omits them
 * still answers, and the probes fall back on what the text shows. Prompt
 * logprobs come from `echo` with `logprobs` on `/completions` (vLLM, OpenAI's
 * older models); chat endpoints have none.
 */
import type { Generation, GenerationRequest, Provider, ProviderInfo, ScoredText } from './types.js';
import { AntidoteError } from '../../errors/index.js';
import { field, isArray, isObject, isString, postJson, type HttpOptions } from './http.js';

export interface OpenAIOptions extends HttpOptions {
  /** base URL up to and including /v1 */
  baseUrl: string;
  model: string;
  /** 'completions' (default) or 'chat' */
  api?: 'completions' | 'chat';
  apiKey?: string;
}

export function openOpenAIProvider(options: OpenAIOptions): Provider {
  const base = options.baseUrl.replace(/\/+$/, '');
  const api = options.api ?? 'completions';
  const url = `${base}/${api === 'chat' ? 'chat/completions' : 'completions'}`;
  const http: HttpOptions = { ...options, headers: { ...options.headers, ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) } };
  let sawLogprobs = false;

  async function generate(request: GenerationRequest): Promise<Generation> {
    const top = Math.min(request.topAlternatives ?? 0, 20);
    const common = { model: options.model, max_tokens: request.maxTokens, temperature: request.temperature, top_p: 1, seed: request.seed };
    const body = api === 'chat'
      ? { ...common, messages: [{ role: 'user', content: request.prompt }], logprobs: true, ...(top ? { top_logprobs: top } : {}) }
      : { ...common, prompt: request.prompt, logprobs: Math.max(1, top) };
    const response = await postJson(url, body, http);
    const choice = field(response, 'choices.0', isObject, url);
    const usage = usageOf(response);
    const parsed = api === 'chat' ? chatChoice(choice, url) : completionChoice(choice, url);
    if (parsed.tokens.some((t) => t.logprob !== undefined)) sawLogprobs = true;
    return {
      ...parsed,
      usage: { promptTokens: Number(usage.prompt_tokens ?? 0), completionTokens: Number(usage.completion_tokens ?? parsed.tokens.length) },
    };
  }

  async function promptLogprobs(text: string): Promise<ScoredText> {
    // one new token at most (some servers refuse none); echo puts the prompt's tokens first
    const response = await postJson(url, { model: options.model, prompt: text, max_tokens: 1, temperature: 0, echo: true, logprobs: 1 }, http);
    const choice = field(response, 'choices.0', isObject, url);
    const parsed = completionChoice(choice, url);
    if (!parsed.tokens.some((t) => t.logprob !== undefined)) {
      throw new AntidoteError('PROVIDER_RESPONSE', `${url} answered echo without logprobs: the server does not report prompt logprobs`);
    }
    const usage = usageOf(response);
    const offsets = isObject(choice.logprobs) && isArray(choice.logprobs.text_offset) ? choice.logprobs.text_offset : [];
    // the generated tokens come last: as many as the usage counts, else those
    // that start past the prompt (offsets of tokens that split a character
    // can be off), else the one asked for
    const generated = typeof usage.completion_tokens === 'number' ? usage.completion_tokens : undefined;
    const tokens = generated !== undefined ? parsed.tokens.slice(0, Math.max(0, parsed.tokens.length - generated))
      : offsets.length === parsed.tokens.length ? parsed.tokens.filter((_, i) => Number(offsets[i]) < text.length)
        : parsed.tokens.slice(0, -1);
    return { tokens, usage: { promptTokens: Number(usage.prompt_tokens ?? tokens.length), completionTokens: generated ?? parsed.tokens.length - tokens.length } };
  }

  return {
    info: (): ProviderInfo => ({ kind: 'openai', model: options.model, logprobs: sawLogprobs }),
    generate,
    ...(api === 'completions' ? { promptLogprobs } : {}),
    close: async () => undefined,
  };
}

type Parsed = Pick<Generation, 'text' | 'tokens'>;

const usageOf = (response: unknown): Record<string, unknown> => (isObject(response) && isObject(response.usage) ? response.usage : {});

function completionChoice(choice: Record<string, unknown>, url: string): Parsed {
  const text = field(choice, 'text', isString, url);
  const lp = choice.logprobs;
  if (!isObject(lp)) return { text, tokens: [{ text }] };
  const tokens = field(lp, 'tokens', isArray, url).map(String);
  const logprobs = field(lp, 'token_logprobs', isArray, url);
  const tops = isArray(lp.top_logprobs) ? lp.top_logprobs : [];
  return {
    text,
    tokens: tokens.map((t, i) => {
      const top = tops[i];
      return {
        text: t,
        logprob: typeof logprobs[i] === 'number' ? (logprobs[i] as number) : undefined,
        ...(isObject(top) ? { top: Object.entries(top).map(([alt, l]) => ({ text: alt, logprob: Number(l) })) } : {}),
      };
    }),
  };
}

function chatChoice(choice: Record<string, unknown>, url: string): Parsed {
  const text = field(choice, 'message.content', isString, url);
  const content = isObject(choice.logprobs) && isArray(choice.logprobs.content) ? choice.logprobs.content : undefined;
  if (!content) return { text, tokens: [{ text }] };
  return {
    text,
    tokens: content.filter(isObject).map((e) => ({
      text: String(e.token),
      logprob: typeof e.logprob === 'number' ? e.logprob : undefined,
      ...(isArray(e.top_logprobs) ? { top: e.top_logprobs.filter(isObject).map((t) => ({ text: String(t.token), logprob: Number(t.logprob) })) } : {}),
    })),
  };
}
