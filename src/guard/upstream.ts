/**
 * Requests to the model server over node:http(s), with its connections kept
 * alive. The guard sends every request on; fetch cost about 0.5 ms of CPU a
 * request more than this (its web streams, and the request cloned for
 * redirects), as much as all the prompt screens on an 8k-token prompt.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { pipeline, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

export interface UpstreamAnswer {
  status: number;
  ok: boolean;
  headers: IncomingHttpHeaders;
  /** the body, decompressed where the upstream compressed it anyway */
  body: Readable;
  text(): Promise<string>;
}

export interface UpstreamRequest {
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** aborting it drops the request; its reason, if an Error, is what the caller then gets */
  signal: AbortSignal;
}

export class UpstreamClient {
  private readonly http = new HttpAgent({ keepAlive: true });
  private readonly https = new HttpsAgent({ keepAlive: true });

  async send(url: string, init: UpstreamRequest): Promise<UpstreamAnswer> {
    try {
      return await this.once(url, init);
    } catch (e) {
      // a kept-alive connection the upstream closed as it was reused: the request never reached it
      if ((e as { reused?: boolean }).reused && (e as NodeJS.ErrnoException).code === 'ECONNRESET' && !init.signal.aborted) return this.once(url, init);
      throw e;
    }
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }

  private once(url: string, init: UpstreamRequest): Promise<UpstreamAnswer> {
    return new Promise((resolve, reject) => {
      const { signal } = init;
      const reason = () => (signal.reason instanceof Error ? signal.reason : new Error('the request was aborted'));
      if (signal.aborted) return reject(reason());
      const secure = url.startsWith('https:');
      const headers = init.body ? { ...init.headers, 'content-length': String(init.body.length) } : init.headers;
      let answer: IncomingMessage | undefined;
      const req = (secure ? httpsRequest : httpRequest)(url, { method: init.method, headers, agent: secure ? this.https : this.http }, (res) => {
        answer = res;
        // (once the answer is read, its connection goes back to the pool: an abort then must not touch it)
        res.once('close', () => signal.removeEventListener('abort', abort));
        resolve(answerOf(res, signal));
      });
      // dropped by hand, not by http's own `signal`, which would also destroy a pooled connection after the answer;
      // an answer under way is destroyed itself (its reader then gets the abort's reason)
      const abort = () => (answer ? answer.destroy() : req.destroy(reason()));
      signal.addEventListener('abort', abort, { once: true });
      req.on('error', (e) => {
        signal.removeEventListener('abort', abort);
        reject(signal.aborted ? reason() : Object.assign(e, { reused: req.reusedSocket }));
      });
      req.end(init.body);
    });
  }
}

const DECOMPRESS: Record<string, () => NodeJS.ReadWriteStream> = { gzip: createGunzip, 'x-gzip': createGunzip, deflate: createInflate, br: createBrotliDecompress };

function answerOf(res: IncomingMessage, signal: AbortSignal): UpstreamAnswer {
  const status = res.statusCode ?? 502;
  const decompress = DECOMPRESS[String(res.headers['content-encoding'] ?? '').toLowerCase()];
  // (an error of the body reaches whoever reads it)
  const body = decompress ? (pipeline(res, decompress(), () => undefined) as unknown as Readable) : res;
  body.on('error', () => undefined);
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: res.headers,
    body,
    text: async () => {
      const chunks: Buffer[] = [];
      try {
        for await (const chunk of body) chunks.push(chunk as Buffer);
      } catch (e) {
        throw signal.aborted && signal.reason instanceof Error ? signal.reason : e;
      }
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
