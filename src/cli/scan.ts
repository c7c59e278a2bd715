import { readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AntidoteError } from '../errors/index.js';
import { loadConfig, type LedgerConfig } from '../config/index.js';
import { expandInputs } from '../corpus/index.js';
import { checkMetadataName, parseTrust, provenanceCheck, recordScan, type Ledger, type ProvenancePolicy } from '../ledger/index.js';
import { scan, REPORT_WRITERS, severityRank, SEVERITIES, DETECTOR_IDS, DEFAULT_DETECTOR_IDS, type ScanOptions, type ScanResult, type Severity } from '../scan/index.js';
import { EXIT, helpText, parseFlags, numberFlag, type Command, type FlagSpec } from './command.js';
import { withLedger } from './ledger.js';
import { progressPrinter } from './progress.js';
import { EXECUTOR_FLAGS, executorFrom } from './executor.js';

const FLAGS: Record<string, FlagSpec> = {
  report: { type: 'string', value: 'FILE.html', help: 'write a self-contained HTML report' },
  json: { type: 'string', value: 'FILE', help: "write the JSON report, '-' for standard output (schema: schema/scan-report.schema.json)" },
  sarif: { type: 'string', value: 'FILE', help: 'write SARIF 2.1.0 for code-scanning dashboards' },
  clean: { type: 'string', value: 'FILE', help: 'write records judged clean (JSONL; JSONL input lines copied byte for byte)' },
  quarantine: { type: 'string', value: 'FILE', help: "write quarantined records (JSONL; original fields plus an 'antidote' field)" },
  splits: { type: 'string', value: 'DIR', help: 'write the splits as a clean and a quarantine part per shard, with DIR/manifest.json (plain JSONL input, or compressed with --executor; the parts, concatenated in order, are what --clean and --quarantine write)' },
  'fail-on': { type: 'string', value: 'SEVERITY', help: `exit 1 when an incident or quarantined document reaches this severity: ${SEVERITIES.join(', ')} or never (default high)` },
  'quarantine-at': { type: 'string', value: 'SEVERITY', help: 'documents at or above this severity go to quarantine (default high)' },
  'on-error': { type: 'string', value: 'MODE', help: 'unreadable records: quarantine (keep them there, go on; default) or stop (exit 2 at the first)' },
  format: { type: 'string', value: 'FORMAT', help: 'read every input as jsonl, csv, tsv, parquet or text (default: from the file name; stdin is jsonl)' },
  'text-field': { type: 'string', value: 'NAME', help: "field holding the text of plain records (default 'text'); chat 'messages' and instruction/prompt/response fields are found by themselves" },
  'id-field': { type: 'string', value: 'NAME', help: "field holding a record's id (default 'id'); records without one are named file:line" },
  detectors: { type: 'string', value: 'IDS', help: `comma-separated detectors to run (default: ${DEFAULT_DETECTOR_IDS.join(', ')}; also: ${DETECTOR_IDS.filter((d) => !DEFAULT_DETECTOR_IDS.includes(d)).join(', ')})` },
  allow: { type: 'string', multiple: true, value: 'TRIGGER', help: 'ignore this trigger (known boilerplate); an exact string or /regex/; repeatable' },
  config: { type: 'string', value: 'FILE', help: 'settings file (default ./antidote.yaml when present)' },
  provenance: { type: 'boolean', help: "check every document against the ledger: not there, below --min-trust or lacking --require-metadata means a 'provenance' finding (on by itself when antidote.yaml has ledger.policy)" },
  'min-trust': { type: 'string', value: 'LEVEL', help: 'provenance: lowest trust level accepted (untrusted, low, medium, high)' },
  'require-metadata': { type: 'string', multiple: true, value: 'FIELD', help: 'provenance: source, contributor, license or meta.KEY a document must have; repeatable' },
  'ledger-dataset': { type: 'string', value: 'NAME@N', help: "provenance: only this dataset version's documents count as known" },
  record: { type: 'boolean', help: 'append the scan (inputs, incidents, report hash) to the ledger; needs its signing key' },
  store: { type: 'string', value: 'PATH|URL', help: 'ledger store for --provenance and --record (default .antidote-ledger/ledger.sqlite)' },
  key: { type: 'string', value: 'FILE', help: "ledger signing key for --record (default: ledger.key beside the store)" },
  workers: { type: 'string', value: 'N', help: 'worker threads for analysis (default: up to 2)' },
  'min-support': { type: 'string', value: 'N', help: 'fewest payload documents a trigger must precede (default 5)' },
  'min-precision': { type: 'string', value: 'X', help: 'share of documents holding a trigger that must carry a payload (default 0.5)' },
  'max-df': { type: 'string', value: 'N', help: 'most documents a trigger may appear in (default max(5000, 2% of records))' },
  'max-claim-docs': { type: 'string', value: 'N', help: 'most documents the claim pass reads again (default 50000): past it, those whose recurring sentences recur in fewest MinHash bands are left out, a class at a time, and the summary says how many' },
  ...EXECUTOR_FLAGS,
  quiet: { type: 'boolean', short: 'q', help: 'print nothing but errors' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

const FOOTER = `
Inputs are files, directories (every file, one document per plain-text file),
globs ('data/**/*.jsonl.gz') or '-' for standard input. Formats: JSONL (also
.gz, .zst), Parquet, CSV/TSV with a header row, plain text.

Exit codes: 0 nothing reached --fail-on; 1 something did; 2 the scan could not
run (usage, config, or --on-error stop); 3 finished, but some records or inputs
were unreadable (they are in the quarantine split and the reports).
`;

function severityFlag(value: unknown, name: string, allowNever: boolean): Severity | 'never' | undefined {
  if (value === undefined) return undefined;
  if ((SEVERITIES as readonly string[]).includes(value as string) || (allowNever && value === 'never')) return value as Severity | 'never';
  throw new AntidoteError('USAGE', `--${name} expects one of ${SEVERITIES.join(', ')}${allowNever ? ', never' : ''}; got '${value}'`);
}

async function totalSize(inputs: readonly string[]): Promise<number | undefined> {
  let total = 0;
  for (const input of inputs) {
    try {
      const s = await stat(input);
      if (!s.isFile() || /\.(gz|zst|zstd|parquet)$/i.test(input)) return undefined;
      total += s.size;
    } catch {
      return undefined;
    }
  }
  return total;
}

function summary(result: ScanResult, written: string[]): string {
  const s = result.stats;
  const lines = [`Scanned ${s.records.toLocaleString('en')} records (${(s.bytes / 1e6).toFixed(1)} MB) in ${(s.elapsedMs / 1000).toFixed(1)} s: ${result.incidents.length} incident(s), ${s.quarantined} quarantined, ${s.kept} kept, ${s.errors} unreadable.`];
  for (const inc of result.incidents.slice(0, 20)) {
    lines.push(`  ${inc.id} ${inc.severity.padEnd(8)} ${inc.documents.length.toString().padStart(6)} docs  ${inc.trigger === null ? '(no trigger)' : JSON.stringify(inc.trigger)}  ${inc.payload}`);
  }
  if (result.incidents.length > 20) lines.push(`  … ${result.incidents.length - 20} more in the reports`);
  if (s.claims.documentsCut > 0) lines.push(`  note: the claim pass's budget left out ${s.claims.documentsCut.toLocaleString('en')} documents whose recurring sentences recur in fewest bands (--max-claim-docs)`);
  for (const e of result.errors.slice(0, 5)) lines.push(`  error: ${e.message} [${e.code}]`);
  if (result.errors.length > 5) lines.push(`  … ${result.errors.length - 5} more errors in the reports`);
  for (const w of written) lines.push(`  wrote ${w}`);
  return lines.join('\n') + '\n';
}

/** The provenance policy from flags over antidote.yaml's ledger.policy; none when neither asks for one. */
function provenancePolicy(values: Record<string, unknown>, config: LedgerConfig | undefined): ProvenancePolicy | undefined {
  const required = values['require-metadata'] as string[] | undefined;
  for (const name of required ?? []) {
    const problem = checkMetadataName(name);
    if (problem) throw new AntidoteError('USAGE', `--require-metadata: ${problem}`);
  }
  const flags: ProvenancePolicy = {
    ...(values['min-trust'] ? { minTrust: parseTrust(values['min-trust'] as string) } : {}),
    ...(required ? { requireMetadata: required } : {}),
    ...(values['ledger-dataset'] ? { dataset: values['ledger-dataset'] as string } : {}),
  };
  if (!values.provenance && !config?.policy && Object.keys(flags).length === 0) return undefined;
  return { ...config?.policy, ...flags };
}

export const scanCommand: Command = {
  name: 'scan',
  summary: 'find poisoning in a corpus; write reports and clean/quarantine splits',
  async run(argv) {
    const { values, positionals } = parseFlags(argv, FLAGS);
    if (values.help) {
      process.stdout.write(helpText('antidote scan [options] <input>...', 'Scan a training, fine-tuning or RAG corpus for small-sample backdoor poisoning.', FLAGS, FOOTER));
      return EXIT.OK;
    }
    if (positionals.length === 0) throw new AntidoteError('USAGE', "no input given; name files, directories, globs or '-' (see antidote scan --help)");
    const loaded = await loadConfig((values.config as string) ?? 'antidote.yaml', values.config !== undefined);
    const config = loaded.scan;
    const policy = provenancePolicy(values, loaded.ledger);
    const record = Boolean(values.record) || loaded.ledger?.record === true;
    if (record && positionals.includes('-')) throw new AntidoteError('USAGE', '--record hashes the scanned files; it cannot take standard input');
    const failOn = severityFlag(values['fail-on'], 'fail-on', true) ?? config.failOn ?? 'high';
    const detectors = values.detectors ? (values.detectors as string).split(',').map((d) => d.trim()).filter(Boolean) : config.detectors;
    const onError = (values['on-error'] as string | undefined) ?? config.onError;
    if (onError && onError !== 'quarantine' && onError !== 'stop') throw new AntidoteError('USAGE', `--on-error expects quarantine or stop; got '${onError}'`);
    const quiet = Boolean(values.quiet);
    const inputBytes = await totalSize(positionals);
    const progress = progressPrinter(process.stderr, quiet ? undefined : inputBytes);
    const executor = executorFrom(values, inputBytes, (message) => {
      if (!quiet) process.stderr.write(`antidote: ${message}\n`);
    });
    const settings: ScanOptions = {
      inputs: positionals,
      format: (values.format as string) ?? config.format,
      textField: (values['text-field'] as string) ?? config.textField,
      idField: (values['id-field'] as string) ?? config.idField,
      onError: onError as 'quarantine' | 'stop' | undefined,
      detectors,
      allowlist: [...(config.allowlist ?? []), ...((values.allow as string[]) ?? [])],
      quarantineAt: (severityFlag(values['quarantine-at'], 'quarantine-at', false) as Severity | undefined) ?? config.quarantineAt,
      workers: numberFlag(values.workers, 'workers', 1) ?? config.workers,
      minSupport: numberFlag(values['min-support'], 'min-support', 2) ?? config.minSupport,
      minPrecision: numberFlag(values['min-precision'], 'min-precision', 0.01, false) ?? config.minPrecision,
      maxDocumentFrequency: numberFlag(values['max-df'], 'max-df', 2) ?? config.maxDocumentFrequency,
      maxClaimDocuments: numberFlag(values['max-claim-docs'], 'max-claim-docs', 1),
      cleanPath: values.clean as string | undefined,
      quarantinePath: values.quarantine as string | undefined,
      splitsDir: values.splits as string | undefined,
      onProgress: quiet ? undefined : progress,
      executor,
    };
    const ledgerValues = { store: values.store ?? loaded.ledger?.store, key: values.key ?? loaded.ledger?.key };
    let recorded: { entry: number } | undefined;
    // Rendered once: the report the ledger's hash covers is the one written to --json.
    let jsonReport: string | undefined;
    const run = async (ledger?: Ledger): Promise<ScanResult> => {
      let result: ScanResult;
      try {
        result = await scan({ ...settings, checks: ledger && policy ? [provenanceCheck(ledger, policy)] : [] });
      } finally {
        progress.done();
        await executor?.close();
      }
      if (ledger && record) recorded = await recordScan(ledger, result, { report: (jsonReport = REPORT_WRITERS.find((w) => w.id === 'json')!.render(result)), inputs: await expandInputs(positionals, { format: settings.format }), dataset: policy?.dataset, splits: settings.splitsDir ? await readFile(join(settings.splitsDir, 'manifest.json'), 'utf8') : undefined });
      return result;
    };
    // The ledger is opened only when the scan uses it.
    const result = policy || record ? await withLedger(ledgerValues, { signing: record }, run) : await run();
    const written: string[] = [];
    for (const [flag, writerId] of [['json', 'json'], ['sarif', 'sarif'], ['report', 'html']] as const) {
      const path = values[flag] as string | undefined;
      if (!path) continue;
      const writer = REPORT_WRITERS.find((w) => w.id === writerId)!;
      try {
        const text = writerId === 'json' && jsonReport !== undefined ? jsonReport : writer.render(result);
        if (path === '-') process.stdout.write(text);
        else await writeFile(path, text);
      } catch (cause) {
        throw new AntidoteError('OUTPUT_FAILED', `cannot write the ${writerId} report (${(cause as Error).message})`, { file: path }, { cause });
      }
      if (path !== '-') written.push(path);
    }
    if (values.clean) written.push(`${values.clean} (${result.stats.kept} records)`);
    if (values.quarantine) written.push(`${values.quarantine} (${result.stats.quarantined} records)`);
    if (values.splits) written.push(`${values.splits}/clean and ${values.splits}/quarantine, one part per shard (${values.splits}/manifest.json)`);
    if (recorded) written.push(`ledger entry ${recorded.entry} (this scan)`);
    if (!quiet) process.stdout.write(summary(result, written));

    if (failOn !== 'never') {
      const threshold = severityRank(failOn);
      const failing = result.incidents.some((i) => severityRank(i.severity) >= threshold) ||
        result.documents.some((d) => d.verdict === 'quarantine' && d.severity !== 'error' && severityRank(d.severity) >= threshold);
      if (failing) return EXIT.FINDINGS;
    }
    return result.errors.length > 0 ? EXIT.INPUT_ERRORS : EXIT.OK;
  },
};
