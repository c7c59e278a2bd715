import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AntidoteError } from '../errors/index.js';
import { startGuard, isPostgresUrl, ledgerSink, openTrafficWriter, requestPolicy, TrafficLog, type GuardMode, type GuardOptions, type ScreenSettings } from '../guard/index.js';
import { sha256Hex, type Ledger } from '../ledger/index.js';
import { withLedger } from './ledger.js';
import { loadConfig } from '../config/index.js';
import { EXIT, helpText, numberFlag, parseFlags, untilInterrupted, type Command, type FlagSpec } from './command.js';
import { replayCommand } from './guard-replay.js';
import { SCREEN_FLAGS, screensFrom } from './guard-screens.js';

const DEFAULT_LOG_STORE = '.antidote-guard/traffic.sqlite';
const HEAP_MB = 256;
/** set in the guard's own process once its heap is capped */
const CAPPED = 'ANTIDOTE_GUARD_HEAP_CAPPED';

const FLAGS: Record<string, FlagSpec> = {
  upstream: { type: 'string', value: 'URL', help: 'the model server to guard: its OpenAI-compatible base URL (vLLM, llama.cpp, Ollama, antidote serve)' },
  host: { type: 'string', value: 'HOST', help: 'address to listen on (default 127.0.0.1)' },
  port: { type: 'string', value: 'N', help: 'port (default 8081; 0 picks a free one)' },
  ...SCREEN_FLAGS,
  mode: { type: 'string', value: 'MODE', help: 'block (default): flagged prompts are refused, flagged answers emptied, flagged streams cut; alert: only logged and counted. Overrides the config\'s guard.mode; its per-route and per-client modes still apply' },
  config: { type: 'string', value: 'FILE', help: 'settings file (default antidote.yaml if present): its guard section sets modes per route and per client, the key sent upstream for each client, and a time limit per screen (screenTimeLimitMs, onScreenTimeout: open or closed)' },
  shadow: { type: 'string', value: 'URL', help: 'a second model server: a share of requests is also sent there and answers that diverge sharply are logged (language, a flag only this answer has, few shared words)' },
  'shadow-sample': { type: 'string', value: 'SHARE', help: 'share of requests sent to the shadow, 0 to 1 (default 0.05)' },
  'shadow-mode': { type: 'string', value: 'MODE', help: 'after (default): compared once the client has its answer, off the request path; block: asked alongside the upstream, a divergent answer is emptied, and every sampled request waits for the slower model' },
  'log-store': { type: 'string', value: 'FILE|URL', help: `where every request is logged with its prompt, answer and flags: a SQLite file (default .antidote-guard/traffic.sqlite), a postgres:// URL, or none` },
  'retain-days': { type: 'string', value: 'N', help: 'the log keeps this many days (default 30)' },
  'retain-records': { type: 'string', value: 'N', help: 'the log keeps at most this many records, the newest (default 1000000)' },
  log: { type: 'string', value: 'FILE', help: 'also append every decision to this JSONL file' },
  record: { type: 'boolean', help: 'append every incident (a request a blocking flag was raised on) to the ledger, with its prompt\'s and answer\'s hashes; needs its signing key' },
  store: { type: 'string', value: 'PATH|URL', help: 'ledger store for --record (default .antidote-ledger/ledger.sqlite)' },
  key: { type: 'string', value: 'FILE', help: 'ledger signing key for --record (default: ledger.key beside the store)' },
  'heap-mb': { type: 'string', value: 'N', help: `the JavaScript heap the guard may grow to, MiB (default ${HEAP_MB}; 0: Node's own limit). Under load Node lets the heap grow far past what is live before collecting; a cap keeps memory flat` },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const guardCommand: Command = {
  name: 'guard',
  summary: 'guard a model endpoint: an OpenAI-compatible proxy that screens prompts for known triggers and responses for payloads',
  async run(argv) {
    if (argv[0] === 'replay') return replayCommand.run(argv.slice(1));
    const { values } = parseFlags(argv, FLAGS);
    if (values.help || !values.upstream) {
      process.stdout.write(helpText('antidote guard --upstream URL [--from-scan findings.json] [--triggers FILE] [--vocabulary CORPUS] [--port N]\n       antidote guard replay LOG [--from-scan ...] [--vocabulary ...]', 'Serve /v1/chat/completions, /v1/completions, /v1/embeddings and /v1/models in front of a model server, until interrupted. Prompts carrying a known trigger (after Unicode normalisation) or hidden characters, and answers carrying a payload (random tokens, another language than the prompt, insecure code, web addresses nobody asked for), are refused or reported. Retrieved passages are screened at POST /antidote/v1/screen-chunks. Every request is logged with its prompt and answer under a retention policy; `guard replay` reruns the screens over the log. Metrics at /metrics, health at /healthz, readiness at /readyz.', FLAGS));
      return values.help ? EXIT.OK : EXIT.USAGE;
    }
    const heap = numberFlag(values['heap-mb'], 'heap-mb', 0) ?? HEAP_MB;
    // the heap's limit is set when Node starts: the guard runs in a process of its own started with it
    if (heap > 0 && !process.env[CAPPED]) return runCapped(heap);
    const settings = (await loadConfig((values.config as string | undefined) ?? 'antidote.yaml', values.config !== undefined)).guard ?? {};
    const mode = (values.mode as string | undefined) ?? settings.mode ?? 'block';
    if (mode !== 'block' && mode !== 'alert') throw new AntidoteError('USAGE', `--mode must be block or alert, not '${mode}'`);
    const policy = requestPolicy({ mode, routes: settings.routes, clients: (settings.clients ?? []).map((c) => ({ keySha256: c.keySha256 ?? sha256Hex(c.key!), name: c.name, mode: c.mode, upstreamKey: c.upstreamKeyEnv && upstreamKey(c.upstreamKeyEnv) })) });
    const { screens, triggers, documents } = await screensFrom(values);
    const shadowMode = (values['shadow-mode'] as string | undefined) ?? 'after';
    if (shadowMode !== 'after' && shadowMode !== 'block') throw new AntidoteError('USAGE', `--shadow-mode must be after or block, not '${shadowMode}'`);
    const sample = numberFlag(values['shadow-sample'], 'shadow-sample', 0, false) ?? 0.05;
    if (sample > 1) throw new AntidoteError('USAGE', `--shadow-sample is a share from 0 to 1, not ${sample}`);
    const shadow = values.shadow ? { upstream: values.shadow as string, sample, block: shadowMode === 'block' } : undefined;
    if (settings.onScreenTimeout && settings.screenTimeLimitMs === undefined) throw new AntidoteError('USAGE', 'the guard settings choose onScreenTimeout but set no screenTimeLimitMs: set the limit too, or leave both out (no limit)');
    const screenLimit = settings.screenTimeLimitMs === undefined ? undefined : { ms: settings.screenTimeLimitMs, onTimeout: settings.onScreenTimeout ?? 'open' };
    const setup: Setup = { screens, triggers, documents, mode: mode as GuardMode, policy, shadow, screenLimit };
    if (values.record) return withLedger({ store: values.store, key: values.key }, { signing: true }, (ledger) => serveGuard(values, setup, ledger));
    return serveGuard(values, setup);
  },
};

/** What `run` worked out from the flags and the settings, for the guard it serves. */
interface Setup {
  screens: ScreenSettings;
  triggers: number;
  documents: number;
  mode: GuardMode;
  policy: GuardOptions['policy'];
  shadow: GuardOptions['shadow'];
  screenLimit: GuardOptions['screenLimit'];
}

/** Serve the guard until interrupted, logging its traffic and, given a ledger, recording its incidents there. */
async function serveGuard(values: Record<string, unknown>, { screens, triggers, documents, mode, policy, shadow, screenLimit }: Setup, ledger?: Ledger): Promise<number> {
  const retention = { maxAgeDays: numberFlag(values['retain-days'], 'retain-days', 0) ?? 30, maxRecords: numberFlag(values['retain-records'], 'retain-records', 0) ?? 1_000_000 };
  const location = (values['log-store'] as string | undefined) ?? DEFAULT_LOG_STORE;
  if (location !== 'none' && !isPostgresUrl(location)) mkdirSync(dirname(location), { recursive: true });
  const store = location === 'none' ? undefined : await openTrafficWriter(location);
  const traffic = store && new TrafficLog(store, { retention, onError: (e) => process.stderr.write(`guard log (${store.location}): ${e.message}\n`) });
  const incidents = ledger && new TrafficLog(ledgerSink(ledger, 'the ledger'), { flushMs: 5000, onError: (e) => process.stderr.write(`guard incidents (ledger): ${e.message}\n`) });
  // (a stream: the request path never waits on the disk)
  const log = values.log ? createWriteStream(values.log as string, { flags: 'a' }) : undefined;
  const guard = await startGuard({
    upstream: values.upstream as string,
    screens,
    mode,
    policy,
    host: values.host as string | undefined,
    port: numberFlag(values.port, 'port', 0) ?? 8081,
    shadow,
    screenLimit,
    onDecision: (d) => {
      traffic?.record(d);
      if (d.flags.some((f) => f.blocks)) incidents?.record(d);
      log?.write(`${JSON.stringify(d)}\n`);
    },
    onProbeAlert: (a) => {
      process.stderr.write(`probing alert: "${a.sequence}" from ${a.clients} clients, ${a.seen} times in ${a.windowMs / 1000} s (its rate so far predicts ${a.expected.toFixed(2)})\n`);
      log?.write(`${JSON.stringify({ alert: 'trigger-probing', ...a })}\n`);
    },
  });
  const logged = `${store ? `logging to ${store.location}, kept ${retention.maxAgeDays} days and ${retention.maxRecords} records` : 'not logging'}${ledger ? ', incidents recorded in the ledger' : ''}`;
  process.stdout.write(`guarding ${values.upstream} at ${guard.url} (${triggers} known triggers, ${documents ? `the words of ${documents} documents` : 'no vocabulary'}, mode ${mode}, ${logged})\n`);
  await untilInterrupted();
  // a second signal (Ctrl-C reaches the capped process and its parent, which passes it on) must not cut the log's last write
  const ignore = () => undefined;
  process.on('SIGINT', ignore).on('SIGTERM', ignore);
  await guard.close();
  await traffic?.close();
  await incidents?.close();
  for (const [what, writer] of [['log', traffic], ['incidents', incidents]] as const) if (writer?.dropped) process.stderr.write(`guard ${what}: ${writer.dropped} records dropped because the store fell behind\n`);
  await new Promise((resolve) => (log ? log.end(resolve) : resolve(undefined)));
  return EXIT.OK;
}

/** This same command in a child process whose heap is capped at `heapMb`, with signals passed on; its exit code. */
async function runCapped(heapMb: number): Promise<number> {
  const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, [CAPPED]: '1' } });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const [onInt, onTerm] = [forward('SIGINT'), forward('SIGTERM')];
  process.on('SIGINT', onInt).on('SIGTERM', onTerm);
  const [code] = (await once(child, 'exit')) as [number | null];
  process.off('SIGINT', onInt).off('SIGTERM', onTerm);
  return code ?? EXIT.ERROR;
}

function upstreamKey(variable: string): string {
  const key = process.env[variable];
  if (!key) throw new AntidoteError('CONFIG_INVALID', `guard.clients names the upstream key variable ${variable}, which is not set`);
  return key;
}
