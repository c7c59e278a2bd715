/** What Antidote's HTTP servers share. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listen on `host` (127.0.0.1 unless given) and `port` (0: a free one); the server's OpenAI-style base URL, ending in /v1. */
export async function listenOn(server: Server, options: { host?: string; port?: number }): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}/v1`;
}
