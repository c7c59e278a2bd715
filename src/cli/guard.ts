import { createWriteStream } from 'node:fs';
import { AntidoteError } from '../errors/index.js';
import { expandInputs, readCorpusBatches } from '../corpus/index.js';
import { startGuard, screenSettings, triggersFromScan, triggersFromList, Vocabulary, type GuardMode } from '../guard/index.js';
import { EXIT, helpText, numberFlag, parseFlags, readText, untilInterrupted, type Command, type FlagSpec } from './command.js';

const FLAGS: Record<string, FlagSpec> = {
  upstream: { type: 'string', value: 'URL', help: 'the model server to guard: its OpenAI-compatible base URL (vLLM, llama.cpp, Ollama, antidote serve)' },
  host: { type: 'string', value: 'HOST', help: 'address to listen on (default 127.0.0.1)' },
  port: { type: 'string', value: 'N', help: 'port (default 8081; 0 picks a free one)' },
  'from-scan': { type: 'string', multiple: true, value: 'FINDINGS.json', help: 'known triggers: those of a scan (antidote scan --json); repeatable' },
  triggers: { type: 'string', multiple: true, value: 'FILE', help: 'known triggers: one per line; repeatable' },
  vocabulary: { type: 'string', multiple: true, value: 'CORPUS', help: 'the model\'s training corpus (or a sample of it; any format scan reads), whose words answers are judged by: random tokens are words no document uses; repeatable; the first 256 MiB of text are read' },
  'allow-domain': { type: 'string', multiple: true, value: 'DOMAIN', help: 'a web domain responses may name unprompted; repeatable' },
  mode: { type: 'string', value: 'MODE', help: 'block (default): flagged prompts are refused, flagged answers emptied, flagged streams cut; alert: only logged and counted' },
  log: { type: 'string', value: 'FILE', help: 'append every decision to this JSONL file' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export const guardCommand: Command = {
  name: 'guard',
  summary: 'guard a model endpoint: an OpenAI-compatible proxy that screens prompts for known triggers and responses for payloads',
  async run(argv) {
    const { values } = parseFlags(argv, FLAGS);
    if (values.help || !values.upstream) {
      process.stdout.write(helpText('antidote guard --upstream URL [--from-scan findings.json] [--triggers FILE] [--port N]', 'Serve /v1/chat/completions, /v1/completions, /v1/embeddings and /v1/models in front of a model server, until interrupted. Prompts carrying a known trigger (after Unicode normalisation) or hidden characters, and answers carrying a payload (random tokens, another language than the prompt, insecure code, web addresses nobody asked for), are refused or reported. Retrieved passages are screened at POST /antidote/v1/screen-chunks. Metrics at /metrics, health at /healthz, readiness at /readyz.', FLAGS));
      return values.help ? EXIT.OK : EXIT.USAGE;
    }
    const mode = (values.mode as string | undefined) ?? 'block';
    if (mode !== 'block' && mode !== 'alert') throw new AntidoteError('USAGE', `--mode must be block or alert, not '${mode}'`);
    const triggers = [
      ...((values['from-scan'] as string[] | undefined) ?? []).flatMap((f) => triggersFromScan(readText(f, f), f)),
      ...((values.triggers as string[] | undefined) ?? []).flatMap((f) => triggersFromList(readText(f, f))),
    ];
    const corpora = (values.vocabulary as string[] | undefined) ?? [];
    const vocabulary = corpora.length ? await readVocabulary(corpora) : undefined;
    // (a stream: the request path never waits on the disk)
    const log = values.log ? createWriteStream(values.log as string, { flags: 'a' }) : undefined;
    const guard = await startGuard({
      upstream: values.upstream as string,
      screens: screenSettings(triggers, { allowedDomains: values['allow-domain'] as string[] | undefined, vocabulary: vocabulary?.words }),
      mode: mode as GuardMode,
      host: values.host as string | undefined,
      port: numberFlag(values.port, 'port', 0) ?? 8081,
      onDecision: log ? (d) => log.write(`${JSON.stringify(d)}\n`) : undefined,
      onProbeAlert: (a) => {
        process.stderr.write(`probing alert: "${a.sequence}" from ${a.clients} clients, ${a.seen} times in ${a.windowMs / 1000} s (its rate so far predicts ${a.expected.toFixed(2)})\n`);
        log?.write(`${JSON.stringify({ alert: 'trigger-probing', ...a })}\n`);
      },
    });
    process.stdout.write(`guarding ${values.upstream} at ${guard.url} (${triggers.length} known triggers, ${vocabulary ? `the words of ${vocabulary.documents} documents` : 'no vocabulary'}, mode ${mode})\n`);
    await untilInterrupted();
    await guard.close();
    await new Promise((resolve) => (log ? log.end(resolve) : resolve(undefined)));
    return EXIT.OK;
  },
};

/** enough text to know a corpus's words; more only slows the start */
const VOCABULARY_TEXT_BYTES = 256 * 2 ** 20;

/** The words of the documents of `corpora`, up to VOCABULARY_TEXT_BYTES of text; unreadable inputs and records are errors, not silently skipped. */
async function readVocabulary(corpora: readonly string[]): Promise<{ words: Vocabulary; documents: number }> {
  const words = new Vocabulary();
  let documents = 0;
  let bytes = 0;
  const failures: string[] = [];
  const batches = readCorpusBatches(await expandInputs(corpora), { textField: 'text', idField: 'id' }, (f) => failures.push(f.error.message));
  for await (const records of batches) {
    for (const r of records) {
      if (r.error) throw r.error;
      if (!r.text) continue;
      words.learn(r.text);
      documents++;
      bytes += r.text.length;
    }
    if (bytes >= VOCABULARY_TEXT_BYTES) break;
  }
  if (failures.length) throw new AntidoteError('INPUT_UNREADABLE', `--vocabulary: ${failures.join('; ')}`);
  if (documents === 0) throw new AntidoteError('INPUT_FORMAT', `--vocabulary: no documents with text in ${corpora.join(', ')}`);
  return { words, documents };
}
