/** What Antidote's HTTP servers share. */
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request's body; `tooLarge()` is thrown once it passes `max` bytes, and the rest is not kept. */
export async function readBody(req: IncomingMessage, max: number, tooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A request body that must hold a JSON object; `fail(message)` makes the error each server answers with. */
export function jsonObjectOf(raw: Buffer, fail: (message: string) => Error): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw fail(`request body is not JSON: ${(e as Error).message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw fail('request body must be a JSON object');
  return body as Record<string, unknown>;
}

/** Listen on `host` (127.0.0.1 unless given) and `port` (0: a free one); the server's OpenAI-style base URL, ending in /v1. */
export async function listenOn(server: Server, options: { host?: string; port?: number }): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}/v1`;
}
