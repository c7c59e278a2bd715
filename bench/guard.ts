/**
 * The guard's overhead: the same load sent straight to an upstream that
 * answers at once, and through the guard (in a process of its own) with
 * 1,000 known triggers; then the guard's memory with 100,000 triggers, before
 * and after a sustained load. Prompts are real text of 200 to 32,000
 * characters (about 8k tokens). Only 127.0.0.1 is used.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, createServer, request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { gunzipSync } from 'node:zlib';

const ANSWER = 'The town grew around its market in the twelfth century, when traders from the river valley came to sell grain and wool. By the fifteenth century it had a guild hall and a stone bridge.';

/** an upstream that answers every request at once: a chat answer, or the same as a stream of three events */
async function instantUpstream(): Promise<{ url: string; close: () => void }> {
  const body = JSON.stringify({ id: 'c', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: ANSWER }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
  const words = ANSWER.split(/(?<= )/);
  const third = Math.ceil(words.length / 3);
  const events = [0, 1, 2].map((k) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content: words.slice(k * third, (k + 1) * third).join('') }, finish_reason: null }] })}\n\n`).join('') + 'data: [DONE]\n\n';
  const server = createServer((req, res) => {
    let stream = false;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      stream = Buffer.concat(chunks).includes('"stream":true');
      if (stream) res.writeHead(200, { 'content-type': 'text/event-stream' }).end(events);
      else res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, close: () => { server.closeAllConnections(); server.close(); } };
}

async function startGuardProcess(root: string, upstream: string, triggers: number, log?: string): Promise<{ url: string; child: ChildProcess }> {
  // (with the heap cap `antidote guard` starts its process with by default)
  const child = spawn(process.execPath, ['--max-old-space-size=256', join(root, 'dist/bench/guard-one.js'), upstream, String(triggers), ...(log ? [log] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await new Promise<string[]>((resolve) => createInterface({ input: child.stdout! }).once('line', (l) => resolve([l])));
  return { url: line!, child };
}

/** CPU time a process has used, ms (user and system, from /proc) */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
}

interface Load {
  latencies: number[];
  firstByte: number[];
  seconds: number;
}

/** one chat request over `agent`'s kept-alive connections: its time to the first byte of the body and to the last, ms */
function timedRequest(url: string, agent: Agent, body: string): Promise<{ first: number; last: number }> {
  const t = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${url}/chat/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let first = NaN;
      res.on('data', () => {
        if (Number.isNaN(first)) first = performance.now() - t;
      });
      res.on('end', () => (res.statusCode === 200 ? resolve({ first, last: performance.now() - t }) : reject(new Error(`load: status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * `concurrency` loops sending chat requests for `seconds` (or `requests` in
 * all), each timed to its last byte (and first, for streams). The client is
 * node:http with kept-alive connections: fetch spent about three times its
 * CPU, which the guard and the upstream share on this machine.
 */
async function load(url: string, prompts: readonly string[], options: { concurrency: number; seconds?: number; requests?: number; stream?: boolean }): Promise<Load> {
  const latencies: number[] = [];
  const firstByte: number[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const bodies = prompts.map((prompt) => JSON.stringify({ model: 'm', messages: [{ role: 'user', content: prompt }], stream: options.stream === true }));
  const started = performance.now();
  let sent = 0;
  const more = () => (options.requests !== undefined ? sent < options.requests : performance.now() - started < options.seconds! * 1000);
  await Promise.all(Array.from({ length: options.concurrency }, async () => {
    while (more()) {
      const { first, last } = await timedRequest(url, agent, bodies[sent++ % bodies.length]!);
      firstByte.push(first);
      latencies.push(last);
    }
  }));
  agent.destroy();
  return { latencies, firstByte, seconds: (performance.now() - started) / 1000 };
}

const quantile = (xs: readonly number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

/** Prompts from the example corpus's documents, cut to lengths from 200 to 32,000 characters. */
function promptsFrom(root: string): string[] {
  const docs = gunzipSync(readFileSync(join(root, 'examples/corpus.jsonl.gz'))).toString('utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text);
  const all = docs.join('\n\n');
  const lengths = [200, 500, 1000, 2000, 4000, 8000, 16000, 32000];
  return Array.from({ length: 64 }, (_, i) => all.slice(i * 7919, i * 7919 + lengths[i % lengths.length]!));
}

export async function guardBench(root: string, write: (s: string) => void): Promise<void> {
  const upstream = await instantUpstream();
  const prompts = promptsFrom(root);
  const ms = (x: number) => x.toFixed(2);
  write('## Guard overhead (upstream on 127.0.0.1 answering at once; chat requests, prompts of 200 to 32,000 characters of real text; guard in its own process; client, upstream and guard share the 2 cores)\n\n');
  write('| path | triggers | concurrency | requests | p50 ms | p99 ms | stream first byte p99 ms | req/s | guard CPU ms/request | guard RSS MiB |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n');
  const logDir = mkdtempSync(join(tmpdir(), 'antidote-guard-bench-'));
  const guard = await startGuardProcess(root, upstream.url, 1000);
  const logged = await startGuardProcess(root, upstream.url, 1000, join(logDir, 'traffic.sqlite'));
  try {
    for (const [name, url, child] of [['direct', upstream.url], ['guard', guard.url, guard.child], ['guard, logging to SQLite', logged.url, logged.child]] as const) {
      await load(url, prompts, { concurrency: 4, requests: 400 });
      const serial = await load(url, prompts, { concurrency: 1, requests: 1000 });
      const streams = await load(url, prompts, { concurrency: 1, requests: 500, stream: true });
      const cpuBefore = child ? cpuMsOf(child.pid!) : 0;
      const busy = await load(url, prompts, { concurrency: 32, seconds: 10 });
      const cpu = child ? ((cpuMsOf(child.pid!) - cpuBefore) / busy.latencies.length).toFixed(2) : '-';
      const rss = child ? (rssOf(child.pid!) / 2 ** 20).toFixed(0) : '-';
      const triggers = child ? '1,000' : '-';
      write(`| ${name} | ${triggers} | 1 | ${serial.latencies.length} | ${ms(quantile(serial.latencies, 0.5))} | ${ms(quantile(serial.latencies, 0.99))} | ${ms(quantile(streams.firstByte, 0.99))} | ${(serial.latencies.length / serial.seconds).toFixed(0)} | - | ${rss} |\n`);
      write(`| ${name} | ${triggers} | 32 | ${busy.latencies.length} | ${ms(quantile(busy.latencies, 0.5))} | ${ms(quantile(busy.latencies, 0.99))} | - | ${(busy.latencies.length / busy.seconds).toFixed(0)} | ${cpu} | ${rss} |\n`);
    }
  } finally {
    guard.child.kill();
    logged.child.kill();
    rmSync(logDir, { recursive: true, force: true });
  }
  const big = await startGuardProcess(root, upstream.url, 100_000);
  try {
    const mib = () => (rssOf(big.child.pid!) / 2 ** 20).toFixed(0);
    const before = mib();
    const soak = Number(process.env.ANTIDOTE_GUARD_SOAK_S ?? 60);
    // the memory through the load, in six samples: flat is what matters, not the last figure
    const samples: string[] = [];
    const sampler = setInterval(() => samples.push(mib()), (soak * 1000) / 6);
    const busy = await load(big.url, prompts, { concurrency: 32, seconds: soak });
    clearInterval(sampler);
    write(`| guard, ${soak} s sustained | 100,000 | 32 | ${busy.latencies.length} | ${ms(quantile(busy.latencies, 0.5))} | ${ms(quantile(busy.latencies, 0.99))} | - | ${(busy.latencies.length / busy.seconds).toFixed(0)} | - | ${before} before; ${samples.join(', ')} during; ${mib()} after |\n\n`);
  } finally {
    big.child.kill();
    upstream.close();
  }
}
