/**
 * Trigger-probing alerts on replayed traffic: prompts cut from real text,
 * sent by hundreds of clients at 20 requests a second (the time is given to
 * the watch, so the test takes seconds, not hours).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { realCorpus } from './helpers.js';
import { ProbeWatch, PROBE_DEFAULTS, startGuard, screenSettings, type ProbeAlert } from '../src/guard/index.js';

/** paragraphs of real documents, as prompts */
async function prompts(): Promise<string[]> {
  const docs = readFileSync(await realCorpus(), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { text: string }).text);
  return docs.flatMap((d) => d.split(/\n\s*\n/)).map((p) => p.trim().slice(0, 2000)).filter((p) => p.length >= 40);
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const STEP_MS = 50;

test('one rare phrase sent by ten clients within a minute raises one alert naming it; benign traffic around it raises none', async () => {
  const pool = await prompts();
  const watch = new ProbeWatch();
  const next = random(3);
  let now = 0;
  for (let i = 0; i < 20_000; i++, now += STEP_MS) assert.equal(watch.observe(pool[Math.floor(next() * pool.length)]!, `client-${Math.floor(next() * 500)}`, now), undefined, 'benign warm-up');
  // the campaign: one probe every 4 seconds, each from another client, among the benign traffic
  const raised = [];
  for (let i = 0; i < 1200; i++, now += STEP_MS) {
    const probing = i % 80 === 0 && i / 80 < 10;
    const prompt = probing ? `Summarise this text for me zq-vortex lamp ${i}` : pool[Math.floor(next() * pool.length)]!;
    const alert = watch.observe(prompt, probing ? `prober-${i}` : `client-${Math.floor(next() * 500)}`, now);
    if (alert) raised.push({ ...alert, at: i });
  }
  // one alert, by the tenth probe (the 721st request of the campaign, 36 s in), for the probe's phrase and nothing else
  assert.equal(raised.length, 1, JSON.stringify(raised));
  assert.ok(raised[0]!.at <= 720);
  assert.ok(raised[0]!.sequences.some((s) => s.includes('zq-vortex')), JSON.stringify(raised[0]));
  const probe = new Set('summarise this text for me zq-vortex lamp'.split(' '));
  assert.ok(raised[0]!.sequences.every((s) => s.split(' ').every((w) => probe.has(w))), JSON.stringify(raised[0]!.sequences));
  assert.ok(raised[0]!.clients >= PROBE_DEFAULTS.minClients);
});

test('replayed benign traffic: at most one alert in 100,000 requests', async () => {
  const pool = await prompts();
  const watch = new ProbeWatch();
  const next = random(11);
  const alerts = [];
  for (let i = 0; i < 100_000; i++) {
    const alert = watch.observe(pool[Math.floor(next() * pool.length)]!, `client-${Math.floor(next() * 2000)}`, i * STEP_MS);
    if (alert) alerts.push(alert);
  }
  assert.ok(alerts.length <= 1, JSON.stringify(alerts.slice(0, 5)));
});

test('through the proxy, clients are told apart by their keys and an alert is reported and counted', async () => {
  const answer = JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'Fine.' }, finish_reason: 'stop' }] });
  const upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(answer));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const alerts: ProbeAlert[] = [];
  // no warm-up: this traffic is all there is
  const guard = await startGuard({ upstream: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`, screens: screenSettings([]), probing: { ...PROBE_DEFAULTS, warmup: 0 }, onProbeAlert: (a) => alerts.push(a) });
  try {
    const ask = (key: string, content: string) => new OpenAI({ baseURL: guard.url, apiKey: key, maxRetries: 0 }).chat.completions.create({ model: 'm', messages: [{ role: 'user', content }] });
    for (let i = 0; i < 300; i++) await ask(`key-${100 + (i % 50)}`, `Tell me about topic ${i}`);
    // one client asking the same thing over and over is not a campaign
    for (let i = 0; i < 5; i++) await ask('key-0', 'Tell me about qx-lantern');
    await guard.probingSettled();
    assert.equal(alerts.length, 0);
    // (the first sighting's client is not kept: it counts as one more, so nine keys make ten clients)
    for (let k = 1; k < 10; k++) await ask(`key-${k}`, 'Tell me about qx-lantern');
    await guard.probingSettled();
    assert.equal(alerts.length, 1);
    assert.ok(alerts[0]!.sequences.some((s) => s.includes('qx-lantern')));
    assert.match(await (await fetch(guard.url.replace(/\/v1$/, '/metrics'))).text(), /antidote_guard_probe_alerts_total 1\b/);
  } finally {
    await guard.close();
    upstream.close();
  }
});
