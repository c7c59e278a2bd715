/** What the guard reads in OpenAI-style bodies: the prompt text of a request and the text of a response. */

export type Route = 'chat' | 'completions' | 'embeddings';

export const ROUTES: ReadonlyMap<string, Route> = new Map([
  ['/v1/chat/completions', 'chat'],
  ['/v1/completions', 'completions'],
  ['/v1/embeddings', 'embeddings'],
]);

/** OpenTelemetry GenAI's operation names */
export const OPERATION: Record<Route, string> = { chat: 'chat', completions: 'text_completion', embeddings: 'embeddings' };

function texts(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(texts);
  // content parts ({type: 'text', text}) and messages ({role, content})
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    return [...texts(v.text), ...texts(v.content)];
  }
  return [];
}

/** All the text a request gives the model, joined by newlines (token-id prompts have none). */
export function promptOf(route: Route, body: Record<string, unknown>): string {
  if (route === 'chat') return texts(body.messages).join('\n');
  if (route === 'completions') return texts(body.prompt).join('\n');
  return texts(body.input).join('\n');
}

/** Per choice index, the text of a complete response. */
export function choicesOf(route: Route, body: Record<string, unknown>): Map<number, string> {
  const out = new Map<number, string>();
  if (route === 'embeddings' || !Array.isArray(body.choices)) return out;
  for (const [k, c] of (body.choices as Array<Record<string, unknown>>).entries()) {
    const index = typeof c?.index === 'number' ? c.index : k;
    const text = route === 'chat' ? (c?.message as Record<string, unknown> | undefined)?.content : c?.text;
    if (typeof text === 'string') out.set(index, text);
  }
  return out;
}

/** Per choice index, the logprobs of the generated tokens, when the upstream returned them (chat: `logprobs.content`; completions: `logprobs.token_logprobs`). */
export function logprobsOf(route: Route, body: Record<string, unknown>): Map<number, number[]> {
  const out = new Map<number, number[]>();
  if (route === 'embeddings' || !Array.isArray(body.choices)) return out;
  for (const [k, c] of (body.choices as Array<Record<string, unknown>>).entries()) {
    const lp = c?.logprobs as Record<string, unknown> | null | undefined;
    const raw = route === 'chat' ? (Array.isArray(lp?.content) ? (lp!.content as Array<{ logprob?: unknown }>).map((t) => t?.logprob) : undefined) : lp?.token_logprobs;
    if (!Array.isArray(raw)) continue;
    out.set(typeof c?.index === 'number' ? c.index : k, raw.map((x) => (typeof x === 'number' ? x : Number.NEGATIVE_INFINITY)));
  }
  return out;
}

/** Per choice index, the text a stream chunk adds. */
export function deltasOf(route: Route, chunk: Record<string, unknown>): Map<number, string> {
  const out = new Map<number, string>();
  if (!Array.isArray(chunk.choices)) return out;
  for (const [k, c] of (chunk.choices as Array<Record<string, unknown>>).entries()) {
    const index = typeof c?.index === 'number' ? c.index : k;
    const text = route === 'chat' ? (c?.delta as Record<string, unknown> | undefined)?.content : c?.text;
    if (typeof text === 'string' && text.length) out.set(index, text);
  }
  return out;
}

/** `path` (/v1/...) on a server whose base URL is `base`, given with or without its /v1 */
export function upstreamUrl(base: string, path: string): string {
  const root = base.replace(/\/+$/, '');
  return root.endsWith('/v1') ? root + path.slice(3) : root + path;
}
