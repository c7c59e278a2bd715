/** The guard's HTTP pieces: OpenAI-style errors, the headers passed on, who a client is. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonObjectOf } from '../http/index.js';
import { sha256Hex } from '../ledger/index.js';
import { LOGGED_CHARS } from './log/index.js';

export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly type = 'invalid_request_error', readonly code: string | null = null) {
    super(message);
  }
}

/** A request body that must be a JSON object, refused with a 400 otherwise. */
export function jsonObject(raw: Buffer): Record<string, unknown> {
  return jsonObjectOf(raw, (message) => new HttpError(400, message));
}

export function sendError(res: ServerResponse, e: HttpError, extra: Record<string, unknown> = {}): void {
  if (res.headersSent) return void res.end();
  res.writeHead(e.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: e.message, type: e.type, code: e.code, ...extra } }));
}

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'content-encoding', 'accept-encoding']);

export function forwardHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k.toLowerCase())) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** who sent a request: its API key, hashed (the log must not hold keys), else its address */
export function clientOf(req: IncomingMessage): string {
  const key = req.headers.authorization;
  return key ? `key:${sha256Hex(key).slice(0, 16)}` : `addr:${req.socket.remoteAddress ?? ''}`;
}

export const logged = (text: string) => (text.length > LOGGED_CHARS ? text.slice(0, LOGGED_CHARS) : text);
