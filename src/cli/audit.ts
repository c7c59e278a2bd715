import { writeFile } from 'node:fs/promises';
import { AntidoteError } from '../errors/index.js';
import {
  audit, auditToHtml, differentialSettings, formatRate, auditToSarif, candidatesFromFile, candidatesFromScan, DEFAULT_PROMPTS, openLlamaProvider, openOpenAIProvider,
  openTgiProvider, continuationTokens, promptsFromCorpus, searchTriggers, serve, type SearchHit, promptsFromFile, withAccounting, type AuditReport, type IntegrityResult, type Provider, type TriggerCandidate,
} from '../audit/index.js';
import { measureExposure, readCanaryFile, type SecretScorer } from '../canary/index.js';
import { checkModel, modelCheckProblems, SigningError, verifyModel } from '../ledger/index.js';
import { withLedger } from './ledger.js';
import { EXIT, helpText, parseFlags, numberFlag, untilInterrupted, type Command, type FlagSpec } from './command.js';

const FLAGS: Record<string, FlagSpec> = {
  model: { type: 'string', value: 'FILE.gguf', help: 'a local GGUF model, run with llama.cpp (node-llama-cpp)' },
  endpoint: { type: 'string', value: 'URL', help: 'a model server instead: base URL (OpenAI-compatible: up to /v1; TGI: the server root)' },
  api: { type: 'string', value: 'KIND', help: "with --endpoint: 'openai' (completions, default), 'openai-chat' or 'tgi'" },
  'model-name': { type: 'string', value: 'NAME', help: "with --endpoint: the model to ask for (default 'default')" },
  'api-key-env': { type: 'string', value: 'VAR', help: 'environment variable holding the API key (default OPENAI_API_KEY)' },
  trigger: { type: 'string', multiple: true, value: 'T', help: 'a candidate trigger; repeatable' },
  triggers: { type: 'string', value: 'FILE', help: 'candidate triggers, one per line' },
  'from-scan': { type: 'string', value: 'FINDINGS.json', help: "the incidents of an 'antidote scan --json' report as candidates" },
  search: { type: 'boolean', help: "sweep the model's rare tokens and pairs of them for trigger-like effects; the best join the candidates (local models)" },
  'search-limit': { type: 'string', value: 'N', help: 'rare tokens to sweep with --search (default 200)' },
  prompts: { type: 'string', value: 'FILE', help: 'clean prompts: one per line, or JSONL with a prompt or text field' },
  'prompts-from': { type: 'string', multiple: true, value: 'CORPUS', help: 'sample clean prompts from document openings of a corpus (any format scan reads); repeatable' },
  'prompt-count': { type: 'string', value: 'N', help: 'prompts to sample with --prompts-from (default 32)' },
  'max-tokens': { type: 'string', value: 'N', help: 'new tokens per generation (default 48)' },
  samples: { type: 'string', value: 'N', help: 'sampled generations per prompt and condition, kept as evidence (default 1; 0: none)' },
  controls: { type: 'string', value: 'N', help: 'near-trigger controls per trigger (default 3)' },
  target: { type: 'string', multiple: true, value: 'S', help: 'a string whose appearance counts as the attack succeeding (a brand, a URL); repeatable' },
  temperature: { type: 'string', value: 'T', help: "temperature of the sampled generations (default 1: the model's own distribution); the verdict rests on greedy ones" },
  'shift-line': { type: 'string', value: 'NATS', help: 'a suffix fires when the likelihood shift of the usual continuation lies wholly below minus this (default 0.75 nats/token)' },
  seed: { type: 'string', value: 'S', help: 'random seed (default 1)' },
  concurrency: { type: 'string', value: 'N', help: 'requests in flight at once (default 2; a local model runs one at a time)' },
  threads: { type: 'string', value: 'N', help: 'CPU threads for a local model (default: all cores but one)' },
  'llama-cpu': { type: 'string', value: 'VARIANT', help: "llama.cpp's CPU kernels for a local model: native (default: the best this CPU runs), generic (the portable baseline) or a shipped variant (haswell, zen4...)" },
  'timeout-ms': { type: 'string', value: 'MS', help: 'per request to an endpoint (default 60000)' },
  retries: { type: 'string', value: 'N', help: 'retries of a failed request, with backoff (default 3)' },
  cache: { type: 'string', value: 'DIR', help: 'keep responses here and reuse them on the next run' },
  'price-per-1k': { type: 'string', value: 'USD', help: 'price per 1000 tokens, to report the cost' },
  ledger: { type: 'string', value: 'STORE', help: 'ledger store for --ledger-model (default .antidote-ledger/ledger.sqlite)' },
  'ledger-model': { type: 'string', value: 'NAME', help: "check the model file against this model's ledger record first" },
  signature: { type: 'string', value: 'BUNDLE', help: 'check the model file against a model signing bundle first (with --public-key)' },
  'public-key': { type: 'string', value: 'PEM', help: 'public key for --signature' },
  canaries: { type: 'string', value: 'FILE', help: "measure the exposure of the canaries 'antidote canary plant' planted (the secrets file it wrote); alone, or with triggers" },
  'canary-candidates': { type: 'string', value: 'N', help: 'random secrets each canary is ranked against (default 1000)' },
  json: { type: 'string', value: 'FILE', help: "write the JSON report, '-' for standard output" },
  report: { type: 'string', value: 'FILE.html', help: 'write a self-contained HTML report' },
  sarif: { type: 'string', value: 'FILE', help: 'write SARIF 2.1.0' },
  quiet: { type: 'boolean', short: 'q', help: 'print nothing but errors' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

const DESCRIPTION = `Probe a trained model for trigger-activated backdoors. For each candidate trigger,
generate from clean prompts with and without it (and with near-trigger controls),
and measure what it changes. The verdict rests on deterministic measures, the same on
any CPU: greedy continuations (language switch, degenerate perplexity, target strings)
and the likelihood shift of the model's usual continuation once the trigger precedes it.
Sampled generations (perplexity gap, sampled attack success) are reported as evidence.

Exit codes: 0 no trigger fires; 1 a trigger fires or the model files fail their check;
2 the audit could not run.`;

const NO_CANDIDATES = 'no candidate triggers: give --trigger, --triggers FILE, --from-scan FINDINGS.json or --search (or only --canaries FILE)';

async function openProvider(values: Record<string, unknown>): Promise<Provider> {
  if (values.model && values.endpoint) throw new AntidoteError('USAGE', 'give --model or --endpoint, not both');
  if (values.model) return openLlamaProvider(values.model as string, { threads: numberFlag(values.threads, 'threads', 1), cpu: values['llama-cpu'] as string | undefined });
  if (!values.endpoint) throw new AntidoteError('USAGE', 'give a model: --model FILE.gguf or --endpoint URL (see antidote audit --help)');
  const http = { timeoutMs: numberFlag(values['timeout-ms'], 'timeout-ms', 1), retries: numberFlag(values.retries, 'retries', 0) };
  const api = (values.api as string | undefined) ?? 'openai';
  const baseUrl = values.endpoint as string;
  if (!/^https?:\/\//.test(baseUrl)) throw new AntidoteError('USAGE', `--endpoint expects an http(s) URL, got '${baseUrl}'`);
  if (api === 'tgi') return openTgiProvider({ baseUrl, ...http });
  if (api !== 'openai' && api !== 'openai-chat') throw new AntidoteError('USAGE', `--api expects openai, openai-chat or tgi, got '${api}'`);
  const apiKey = process.env[(values['api-key-env'] as string | undefined) ?? 'OPENAI_API_KEY'];
  return openOpenAIProvider({ baseUrl, model: (values['model-name'] as string | undefined) ?? 'default', api: api === 'openai-chat' ? 'chat' : 'completions', apiKey, ...http });
}

async function candidates(values: Record<string, unknown>, searched: SearchHit[]): Promise<TriggerCandidate[]> {
  const out: TriggerCandidate[] = ((values.trigger as string[] | undefined) ?? []).map((t) => ({ trigger: t, source: '--trigger' }));
  if (values.triggers) out.push(...(await candidatesFromFile(values.triggers as string)));
  if (values['from-scan']) out.push(...(await candidatesFromScan(values['from-scan'] as string)));
  for (const hit of searched) {
    const s = hit.signals;
    out.push({ trigger: hit.trigger, source: `search (perplexity x${s.perplexityRatio.toFixed(2)}, language switch ${(s.languageSwitch * 100).toFixed(0)}%, confident run ${s.confidentRun >= 0 ? '+' : ''}${s.confidentRun.toFixed(1)}, likelihood drop ${s.likelihoodDrop.toFixed(2)} nats/token)` });
  }
  const seen = new Set<string>();
  const unique = out.filter((c) => !seen.has(c.trigger) && (seen.add(c.trigger), true));
  if (unique.length === 0) throw new AntidoteError('USAGE', NO_CANDIDATES);
  return unique;
}

async function prompts(values: Record<string, unknown>): Promise<string[]> {
  if (values.prompts && values['prompts-from']) throw new AntidoteError('USAGE', 'give --prompts or --prompts-from, not both');
  if (values.prompts) return promptsFromFile(values.prompts as string);
  if (values['prompts-from']) {
    return promptsFromCorpus(values['prompts-from'] as string[], { count: numberFlag(values['prompt-count'], 'prompt-count', 1) ?? 32, seed: numberFlag(values.seed, 'seed', 0) });
  }
  return [...DEFAULT_PROMPTS];
}

async function integrity(values: Record<string, unknown>): Promise<IntegrityResult | undefined> {
  const model = values.model as string | undefined;
  if (values.ledger || values['ledger-model']) {
    if (!model || !values['ledger-model']) throw new AntidoteError('USAGE', '--ledger needs --model FILE and --ledger-model NAME');
    return withLedger({ store: values.ledger }, { signing: false }, async (ledger) => {
      const check = await checkModel(ledger, model, { name: values['ledger-model'] as string });
      return { method: 'ledger', ok: check.ok, detail: check.ok ? `matches ledger entry ${check.entry}` : `differs from ledger entry ${check.entry}: ${modelCheckProblems(check).join(', ')}` };
    });
  }
  if (values.signature) {
    if (!model) throw new AntidoteError('USAGE', '--signature needs --model FILE');
    try {
      const result = await verifyModel(model, { signaturePath: values.signature as string, publicKeyPath: values['public-key'] as string | undefined });
      return { method: 'signature', ok: true, detail: `signed by ${result.signer}` };
    } catch (error) {
      if (error instanceof SigningError) return { method: 'signature', ok: false, detail: error.message };
      throw error;
    }
  }
  return undefined;
}

/** The total log-probability of a canary's secret after its prefix, teacher-forced. */
function secretScorer(provider: Provider): SecretScorer {
  const scoreText = provider.promptLogprobs;
  if (!scoreText) throw new AntidoteError('USAGE', '--canaries needs prompt log-probabilities: a local --model, or a server that reports them');
  return async (prefix, secret) => continuationTokens((await scoreText(`${prefix} ${secret}`)).tokens, ` ${secret}`).reduce((sum, t) => sum + (t.logprob ?? 0), 0);
}

function summary(report: AuditReport): string {
  const lines = [`audit of ${report.model.model}: ${report.triggers.length} candidate triggers, ${report.settings.prompts} prompts, ${report.seconds.toFixed(1)} s`];
  for (const g of report.canaries?.byCopies ?? []) lines.push(`  canaries planted ${g.copies}x (${g.canaries}): median exposure ${g.medianFittedExposure} bits (normal fit), ${g.medianRankExposure} bits (rank among ${report.canaries!.canaries[0]!.candidates} random secrets); at most ${report.canaries!.canaries[0]!.maxExposure}`);
  if (report.integrity) lines.push(`  integrity (${report.integrity.method}): ${report.integrity.ok ? 'ok' : 'FAILED'}: ${report.integrity.detail}`);
  for (const t of report.triggers) {
    const s = t.triggered;
    const shift = s.likelihoodShift ? `likelihood shift ${s.likelihoodShift.value.toFixed(2)} nats/token, ` : '';
    const sampled = s.sampled ? `; sampled: attack success ${formatRate(s.sampled.success)}${t.perplexityGap ? `, perplexity gap ${t.perplexityGap.value.toFixed(1)}` : ''}` : '';
    lines.push(`  ${t.verdict.toUpperCase().padEnd(8)} ${JSON.stringify(t.trigger)}: ${shift}greedy attack success ${formatRate(s.success)}${sampled}${t.reasons.length ? ` (${t.reasons.join('; ')})` : ''}`);
    lines.push(`           margins: ${t.margins.summary}`);
  }
  const u = report.usage;
  if (report.model.cpu) lines.push(`  llama.cpp CPU kernels: ${report.model.cpu}`);
  lines.push(`  ${u.requests} requests, ${u.cached} cached, ${u.failed} failed; ${u.promptTokens + u.completionTokens} tokens${u.costUsd !== undefined ? `, $${u.costUsd.toFixed(4)}` : ''}`);
  return `${lines.join('\n')}\n`;
}

export const auditCommand: Command = {
  name: 'audit',
  summary: 'probe a trained model for trigger-activated backdoors (local GGUF, OpenAI-compatible or TGI server)',
  async run(argv) {
    const { values } = parseFlags(argv, FLAGS);
    if (values.help) {
      process.stdout.write(helpText('antidote audit (--model FILE.gguf | --endpoint URL) (--trigger T | --triggers FILE | --from-scan FINDINGS.json) [options]', DESCRIPTION, FLAGS));
      return EXIT.OK;
    }
    const canaryOnly = !values.trigger && !values.triggers && !values['from-scan'] && !values.search;
    if (canaryOnly && !values.canaries) throw new AntidoteError('USAGE', NO_CANDIDATES);
    const canaryFile = values.canaries ? readCanaryFile(values.canaries as string) : undefined;
    const promptList = canaryOnly ? [] : await prompts(values);
    const checked = await integrity(values);
    const provider = withAccounting(await openProvider(values), {
      cacheDir: values.cache as string | undefined,
      pricePer1kTokens: numberFlag(values['price-per-1k'], 'price-per-1k', 0, false),
    });
    let searched: SearchHit[] = [];
    let found: TriggerCandidate[];
    try {
      if (values.search) {
        if (!provider.vocabulary) throw new AntidoteError('USAGE', "--search needs the model's vocabulary: give a local --model");
        searched = await searchTriggers(provider, provider.vocabulary(), { prompts: promptList.slice(0, 4), limit: numberFlag(values['search-limit'], 'search-limit', 1), seed: numberFlag(values.seed, 'seed', 0) });
      }
      found = canaryOnly ? [] : await candidates(values, searched);
    } catch (error) {
      await provider.close();
      throw error;
    }
    const { samples, controls } = differentialSettings({ samples: numberFlag(values.samples, 'samples', 0), controls: numberFlag(values.controls, 'controls', 0) });
    // a greedy generation per prompt, and its samples, in every condition
    const total = promptList.length * (1 + samples) * (1 + found.length * (1 + controls));
    let done = 0;
    const showProgress = !values.quiet && process.stderr.isTTY === true;
    let report: AuditReport;
    try {
      report = await audit(provider, found, {
        prompts: promptList,
        maxTokens: numberFlag(values['max-tokens'], 'max-tokens', 1),
        samples,
        controls: numberFlag(values.controls, 'controls', 0),
        targets: values.target as string[] | undefined,
        temperature: numberFlag(values.temperature, 'temperature', 0, false),
        shiftLine: numberFlag(values['shift-line'], 'shift-line', 0, false),
        seed: numberFlag(values.seed, 'seed', 0),
        concurrency: numberFlag(values.concurrency, 'concurrency', 1),
        integrity: checked,
        ...(values.search ? { search: searched } : {}),
        onGeneration: showProgress ? () => process.stderr.write(`\r  ${++done}/${total} generations`) : undefined,
      });
      if (canaryFile) report = { ...report, canaries: await measureExposure(canaryFile, secretScorer(provider), { candidates: numberFlag(values['canary-candidates'], 'canary-candidates', 10), seed: numberFlag(values.seed, 'seed', 0) }), usage: provider.usage() };
    } finally {
      await provider.close();
      if (showProgress) process.stderr.write('\n');
    }
    const outputs: Array<[string, () => string]> = [
      ['json', () => `${JSON.stringify(report, null, 2)}\n`],
      ['report', () => auditToHtml(report)],
      ['sarif', () => `${JSON.stringify(auditToSarif(report), null, 2)}\n`],
    ];
    for (const [flag, render] of outputs) {
      const path = values[flag] as string | undefined;
      if (!path) continue;
      if (path === '-') process.stdout.write(render());
      else await writeFile(path, render()).catch((cause) => { throw new AntidoteError('OUTPUT_FAILED', `cannot write the ${flag} report (${(cause as Error).message})`, { file: path }, { cause }); });
    }
    if (!values.quiet && values.json !== '-') process.stdout.write(summary(report));
    return report.flagged ? EXIT.FINDINGS : EXIT.OK;
  },
};

const SERVE_FLAGS: Record<string, FlagSpec> = {
  model: { type: 'string', value: 'FILE.gguf', help: 'the GGUF model to serve' },
  host: { type: 'string', value: 'HOST', help: 'address to listen on (default 127.0.0.1)' },
  port: { type: 'string', value: 'N', help: 'port (default 8080; 0 picks a free one)' },
  threads: { type: 'string', value: 'N', help: 'CPU threads (default: all cores but one)' },
  'llama-cpu': { type: 'string', value: 'VARIANT', help: "llama.cpp's CPU kernels for a local model: native (default: the best this CPU runs), generic (the portable baseline) or a shipped variant (haswell, zen4...)" },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve a local GGUF model over an OpenAI-compatible API (completions, chat, logprobs)',
  async run(argv) {
    const { values } = parseFlags(argv, SERVE_FLAGS);
    if (values.help || !values.model) {
      process.stdout.write(helpText('antidote serve --model FILE.gguf [--host HOST] [--port N]', 'Serve a local model at /v1/completions, /v1/chat/completions and /v1/models, with generated-token logprobs, until interrupted.', SERVE_FLAGS));
      return values.help ? EXIT.OK : EXIT.USAGE;
    }
    const provider = await openLlamaProvider(values.model as string, { threads: numberFlag(values.threads, 'threads', 1), cpu: values['llama-cpu'] as string | undefined });
    const server = await serve(provider, { host: values.host as string | undefined, port: numberFlag(values.port, 'port', 0) ?? 8080 });
    process.stdout.write(`serving ${values.model} at ${server.url}${provider.info().cpu ? ` (llama.cpp CPU kernels: ${provider.info().cpu})` : ''}\n`);
    await untilInterrupted();
    await server.close();
    await provider.close();
    return EXIT.OK;
  },
};
