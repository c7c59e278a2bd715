/**
 * JSON over HTTP for the remote providers: a timeout per attempt, retries with
 * exponential backoff on network failures, 429 and 5xx, and errors that name
 * the endpoint and what came back.
 */
import { AntidoteError } from '../../errors/index.js';

export interface HttpOptions {
  /** per attempt, in milliseconds (default 60000) */
  timeoutMs?: number;
  /** further attempts after the first (default 3) */
  retries?: number;
  /** first backoff in milliseconds, doubled each retry (default 500) */
  backoffMs?: number;
  headers?: Record<string, string>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function postJson(url: string, body: unknown, options: HttpOptions = {}): Promise<unknown> {
  const retries = options.retries ?? 3;
  let lastError = '';
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep((options.backoffMs ?? 500) * 2 ** (attempt - 1) * (0.75 + Math.random() / 2));
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      lastError = (error as Error).name === 'TimeoutError' ? `no answer within ${options.timeoutMs ?? 60_000} ms` : cause?.code ?? cause?.message ?? (error as Error).message;
      continue;
    }
    const text = await response.text();
    if (response.status === 429 || response.status >= 500) {
      lastError = `HTTP ${response.status}: ${text.slice(0, 200)}`;
      continue;
    }
    if (!response.ok) throw new AntidoteError('PROVIDER_RESPONSE', `HTTP ${response.status} from ${url}: ${text.slice(0, 300)}`);
    try {
      return JSON.parse(text);
    } catch {
      throw new AntidoteError('PROVIDER_RESPONSE', `${url} answered with something that is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
    }
  }
  throw new AntidoteError('PROVIDER_UNREACHABLE', `${url} failed after ${retries + 1} attempt${retries > 0 ? 's' : ''}: ${lastError}`);
}

/** Reads a path of a parsed response, or fails naming what was expected. */
export function field<T>(value: unknown, path: string, check: (v: unknown) => v is T, url: string): T {
  let v: unknown = value;
  for (const key of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  if (!check(v)) throw new AntidoteError('PROVIDER_RESPONSE', `${url}: expected ${path} in the response, found ${JSON.stringify(v)?.slice(0, 100) ?? 'nothing'}`);
  return v;
}

export const isString = (v: unknown): v is string => typeof v === 'string';
export const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
export const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
