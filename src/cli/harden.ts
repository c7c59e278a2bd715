/**
 * `antidote harden export`: counter-example data against the triggers a scan
 * (and an audit) confirmed, and the documents to remove before retraining.
 */
import { join } from 'node:path';
import { AntidoteError } from '../errors/index.js';
import { openLlamaProvider } from '../audit/index.js';
import { expandInputs } from '../corpus/index.js';
import { buildCounterexamples, confirmedTriggers, hashesOf, noConfirmedTrigger, readAuditReport, readFindings, readPromptPairs, removalList, withProvenance, writeHardenExport, type HardenManifest, type ManifestInput, type PromptPair } from '../harden/index.js';
import { describeFiles, fileDigest, type HardeningRecord } from '../ledger/index.js';
import type { ScanResult } from '../scan/index.js';
import { commandGroup, EXIT, numberFlag, type Subcommand } from './command.js';
import { REVIEW_FLAGS, withReview } from './incident.js';

/** The model's own greedy continuation of each prefix, in place of the corpus's: its trigger-free behaviour. */
async function modelContinuations(model: string, pairs: PromptPair[], maxTokens: number, threads: number | undefined): Promise<PromptPair[]> {
  const provider = await openLlamaProvider(model, { threads });
  try {
    const out: PromptPair[] = [];
    for (const pair of pairs) {
      const generated = await provider.generate({ prompt: pair.prefix, maxTokens, temperature: 0, seed: 1 });
      if (generated.text.trim()) out.push({ ...pair, continuation: generated.text.trim() });
    }
    return out;
  } finally {
    await provider.close();
  }
}

/** Exact-byte hashes and dataset versions of the documents to remove: from the ledger when given, else the hashes by reading the scanned files again. */
async function removalLookups(values: Record<string, string | undefined>, scan: ScanResult, ids: Set<string>): Promise<Parameters<typeof withProvenance>[1]> {
  if (!values.store) return { sha256: await hashesOf(scan, ids) };
  return withReview(values, { signing: false }, async (review) => {
    const sha256 = new Map<string, string>();
    const datasets = new Map<string, string[]>();
    for (const row of review.documentsOf([...ids])) {
      if (row.sha256 && !sha256.has(row.docId)) sha256.set(row.docId, row.sha256);
      const held = datasets.get(row.docId) ?? [];
      if (!held.includes(row.dataset)) datasets.set(row.docId, [...held, row.dataset]);
    }
    return { sha256, datasets };
  });
}

/** Every file an input names (a folder or glob stands for the files in it), with its digest, for the manifest. */
async function manifestInputs(role: ManifestInput['role'], inputs: readonly string[]): Promise<ManifestInput[]> {
  const out: ManifestInput[] = [];
  for (const source of await expandInputs(inputs)) out.push({ role, path: source.name, sha256: await fileDigest(source.path) });
  return out;
}

const EXPORT: Subcommand = {
  usage: 'antidote harden export --from-scan findings.json [--from-audit audit.json] --prompts-from CORPUS --out DIR [--model M.gguf] [--per-trigger N] [--store S] [--record]',
  summary: 'counter-example data against confirmed triggers (SFT text and chat, DPO pairs) and the list of documents to remove',
  flags: {
    'from-scan': { type: 'string', value: 'FILE', help: "a scan's JSON findings: its triggers with quarantined documents, and those documents" },
    'from-audit': { type: 'string', value: 'FILE', help: "an audit's JSON report: its verdicts confirm or drop triggers, its generations give the backdoor's behaviour" },
    'prompts-from': { type: 'string', multiple: true, value: 'CORPUS', help: 'clean text the counter-examples are cut from (files, folders or globs; repeatable)' },
    out: { type: 'string', value: 'DIR', help: 'folder to write (must not exist or be empty)' },
    model: { type: 'string', value: 'FILE.gguf', help: "the poisoned model: its own greedy continuation without the trigger is the clean behaviour (default: the document's own continuation)" },
    'per-trigger': { type: 'string', value: 'N', help: 'counter-examples per trigger (default 200)' },
    'max-prompt-chars': { type: 'string', value: 'N', help: 'opening shown before the trigger, characters (default 200)' },
    'max-continuation-chars': { type: 'string', value: 'N', help: 'clean continuation after it, characters (default 400)' },
    'max-tokens': { type: 'string', value: 'N', help: 'with --model: tokens of each continuation (default 64)' },
    threads: { type: 'string', value: 'N', help: 'with --model: CPU threads' },
    seed: { type: 'string', value: 'S', help: 'random seed (default 1)' },
    record: { type: 'boolean', help: "record the export's manifest in the ledger (--store)" },
    ...REVIEW_FLAGS,
  },
  async run(values) {
    const prompts = values['prompts-from'] as string[] | undefined;
    if ((!values['from-scan'] && !values['from-audit']) || !prompts?.length || !values.out) throw new AntidoteError('USAGE', 'give --from-scan (and/or --from-audit), --prompts-from and --out');
    const scan = values['from-scan'] ? await readFindings(values['from-scan']) : undefined;
    const auditReport = values['from-audit'] ? await readAuditReport(values['from-audit']) : undefined;
    const triggers = confirmedTriggers(scan, auditReport);
    if (triggers.length === 0) throw noConfirmedTrigger(scan, auditReport);
    const settings = {
      perTrigger: numberFlag(values['per-trigger'], 'per-trigger', 1) ?? 200,
      seed: numberFlag(values.seed, 'seed', 0) ?? 1,
      maxPromptChars: numberFlag(values['max-prompt-chars'], 'max-prompt-chars', 20) ?? 200,
      maxContinuationChars: numberFlag(values['max-continuation-chars'], 'max-continuation-chars', 40) ?? 400,
    };
    const toRemove = scan ? removalList(scan) : [];
    const removeIds = new Set(toRemove.map((r) => r.id));
    const removal = scan ? withProvenance(toRemove, await removalLookups(values, scan, removeIds)) : [];
    let pairs = await readPromptPairs(prompts, { ...settings, count: settings.perTrigger * triggers.length, exclude: removeIds });
    if (values.model) pairs = await modelContinuations(values.model, pairs, numberFlag(values['max-tokens'], 'max-tokens', 1) ?? 64, numberFlag(values.threads, 'threads', 1));
    const examples = buildCounterexamples(triggers, pairs, settings);
    const inputs: ManifestInput[] = [
      ...(values['from-scan'] ? await manifestInputs('findings', [values['from-scan']]) : []),
      ...(values['from-audit'] ? await manifestInputs('audit', [values['from-audit']]) : []),
      ...(values.model ? await manifestInputs('model', [values.model]) : []),
      ...(await manifestInputs('prompts', prompts)),
    ];
    const manifest: Omit<HardenManifest, 'files'> = {
      version: 'antidote-harden/1', created: new Date().toISOString(), inputs, cleanBehaviour: values.model ? 'model' : 'corpus', settings,
      triggers: triggers.map((t) => ({ trigger: t.trigger, evidence: t.evidence, incidents: t.incidents, examples: examples.sftText.filter((e) => e.trigger === t.trigger).length, payloads: t.payloads.length })),
    };
    const written = writeHardenExport(values.out, { ...examples, removal }, manifest);
    for (const t of written.triggers) process.stdout.write(`${t.trigger}: ${t.examples} counter-examples${t.payloads ? '' : ' (no payload seen: no preference pairs)'}\n`);
    process.stdout.write(`wrote ${values.out}: ${written.files.map((f) => `${f.path} (${f.records})`).join(', ')}, manifest.json\n`);
    if (values.record) {
      const entry = await withReview(values, { signing: true }, async (review) => {
        const record: Omit<HardeningRecord, 'entry'> = {
          kind: 'hardening', manifest: await fileDigest(join(values.out!, 'manifest.json')), triggers: triggers.map((t) => t.trigger),
          files: await describeFiles([...written.files.map((f) => f.path), 'manifest.json'].map((name) => ({ name, path: join(values.out!, name) }))),
          removal: { documents: removal.length, datasets: [...new Set(removal.flatMap((r) => r.datasets))].sort() }, created: written.created,
        };
        const { first } = await review.ledger.append(async (log) => log.add({ record: { ...record } }));
        return first;
      });
      process.stdout.write(`recorded as ledger entry ${entry}\n`);
    }
    return EXIT.OK;
  },
};

export const hardenCommand = commandGroup('harden', 'counter-example data that overwrites a found backdoor, and what to remove before retraining', { export: EXPORT });
