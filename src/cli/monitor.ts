/**
 * `antidote monitor LOG`: flags documents and batches whose training loss
 * stands out, joined with a scan's incidents and the ledger; `--follow`
 * keeps reading a log that is still being written.
 */
import { statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { AntidoteError } from '../errors/index.js';
import { analyzeLosses, checkIdsMatch, incidentsByDocument, joinAnomalies, LOG_FORMATS, logFormatOf, monitorHtml, monitorSarif, parseLossLine, readTrainingLog, type LogFormat, type LossEvent, type MonitorReport } from '../monitor/index.js';
import type { ScanResult } from '../scan/index.js';
import { EXIT, helpText, numberFlag, parseFlags, readText, type Command, type FlagSpec } from './command.js';
import { withReview } from './incident.js';

const FLAGS: Record<string, FlagSpec> = {
  'from-scan': { type: 'string', value: 'FILE', help: "a scan's JSON report: flagged documents it holds in incidents are named" },
  store: { type: 'string', value: 'PATH|URL', help: 'a ledger: flagged documents are named with the dataset versions holding them' },
  json: { type: 'string', value: 'FILE', help: 'write the result as JSON' },
  sarif: { type: 'string', value: 'FILE', help: 'write SARIF 2.1.0' },
  report: { type: 'string', value: 'FILE', help: 'write an HTML page' },
  format: { type: 'string', value: 'F', help: 'jsonl, tensorboard (event files), mlflow (a run folder of the file store) or csv (a W&B table export); default: from the name' },
  'loss-key': { type: 'string', value: 'K', help: "the per-example series: TensorBoard tag and MLflow metric prefix K/<document id> (default example_loss); the CSV's loss column (default loss)" },
  threshold: { type: 'string', value: 'Z', help: "robust z-score a document's measure must pass (default 3.5)" },
  'learned-fast': { type: 'boolean', help: 'also flag documents whose loss falls far faster than the run (noisy: easy clean text falls fast too)' },
  follow: { type: 'boolean', help: 'keep reading the log as it grows; report new anomalies as they appear' },
  idle: { type: 'string', value: 'S', help: 'with --follow: stop after S seconds without growth (default: run until stopped)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

/** The complete lines a log holds from byte `from`, and where the next read starts (after the last newline). */
async function linesFrom(file: string, from: number, size: number): Promise<{ lines: string[]; next: number }> {
  const handle = await open(file, 'r');
  const raw = Buffer.alloc(size - from);
  try {
    await handle.read(raw, 0, raw.length, from);
  } finally {
    await handle.close();
  }
  const end = raw.lastIndexOf(0x0a);
  if (end < 0) return { lines: [], next: from };
  return { lines: raw.subarray(0, end).toString('utf8').split('\n'), next: from + end + 1 };
}

async function follow(file: string, idleS: number | undefined, onEvents: (events: LossEvent[]) => void): Promise<void> {
  const events: LossEvent[] = [];
  let offset = 0;
  let lineNo = 0;
  let lastGrowth = Date.now();
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  while (!stop.signal.aborted) {
    const size = statSync(file).size;
    if (size > offset) {
      const { lines, next } = await linesFrom(file, offset, size);
      if (next > offset) {
        for (const line of lines) {
          lineNo++;
          if (line.trim()) events.push(parseLossLine(line, { file, line: lineNo }));
        }
        offset = next;
        lastGrowth = Date.now();
        onEvents(events);
      }
    }
    if (idleS !== undefined && Date.now() - lastGrowth > idleS * 1000) return;
    await sleep(500, undefined, { signal: stop.signal }).catch(() => undefined);
  }
}

export const monitorCommand: Command = {
  name: 'monitor',
  summary: 'flag documents and batches whose training loss stands out (per-example or per-batch loss logs with document ids)',
  async run(argv) {
    const { values, positionals } = parseFlags(argv, FLAGS);
    if (values.help || positionals.length !== 1) {
      process.stdout.write(helpText('antidote monitor LOG [--format F] [--from-scan findings.json] [--store PATH|URL] [--json F] [--sarif F] [--report F] [--learned-fast] [--follow [--idle S]]', 'Read a training loss log (JSON lines: {"step", "id" | "ids" | "sha256", "loss"}; TensorBoard event files or an MLflow run with per-example scalars K/<document id>; or CSV rows step, id, loss), flag documents the run never learns (with --learned-fast also those it learns unusually fast) and batches off the trend; exit 1 when anything is flagged.', FLAGS));
      if (values.help) return EXIT.OK;
      throw new AntidoteError('USAGE', 'give one loss log');
    }
    const file = positionals[0];
    const threshold = numberFlag(values.threshold, 'threshold', 0, false);
    const settings = { ...(threshold !== undefined ? { threshold } : {}), learnedFast: Boolean(values['learned-fast']) };
    const incidents = values['from-scan'] ? incidentsByDocument(JSON.parse(readText(values['from-scan'] as string, 'the scan report')) as ScanResult) : undefined;
    const build = async (events: LossEvent[]): Promise<MonitorReport> => {
      const logIds = new Set(events.flatMap((e) => e.ids));
      const mismatch = incidents && checkIdsMatch(logIds, incidents.keys(), `the scan's incident documents (${values['from-scan']})`);
      if (mismatch) throw new AntidoteError('INPUT_FORMAT', mismatch, { file });
      const result = analyzeLosses(events, settings);
      const datasets = values.store
        ? await withReview({ store: values.store }, { signing: false }, async (review) => {
            const mismatchLedger = review.documentsOf([...logIds].slice(0, 1000)).length === 0 ? `the log's first ${Math.min(1000, logIds.size)} document ids are none of the ledger's documents: is it the same corpus, and are both ids (not one ids and one hashes)?` : undefined;
            if (mismatchLedger) throw new AntidoteError('INPUT_FORMAT', mismatchLedger, { file });
            const rows = review.documentsOf(result.anomalies.map((a) => a.id));
            return (id: string) => [...new Set(rows.filter((r) => r.docId === id).map((r) => r.dataset))];
          })
        : undefined;
      return { log: file, ...result, anomalies: joinAnomalies(result, { incidents, datasets }) };
    };
    let report: MonitorReport;
    if (values.follow) {
      if (((values.format as string | undefined) ?? logFormatOf(file)) !== 'jsonl' || file.endsWith('.gz')) throw new AntidoteError('USAGE', '--follow tails a JSONL log (uncompressed); read other formats once the run has written them');
      const seen = new Set<string>();
      let latest: LossEvent[] = [];
      await follow(file, numberFlag(values.idle, 'idle', 0, false), (events) => {
        latest = events;
        for (const a of analyzeLosses(events, settings).anomalies) {
          if (seen.has(a.id)) continue;
          seen.add(a.id);
          process.stdout.write(`step ${events.at(-1)!.step}: ${a.id} ${a.kind} (z ${a.score})\n`);
        }
      });
      if (latest.length === 0) throw new AntidoteError('INPUT_FORMAT', 'the log holds no loss lines', { file });
      report = await build(latest);
    } else {
      const format = values.format as string | undefined;
      if (format && !(LOG_FORMATS as readonly string[]).includes(format)) throw new AntidoteError('USAGE', `--format expects one of ${LOG_FORMATS.join(', ')}, got '${format}'`);
      report = await build(await readTrainingLog(file, { format: format as LogFormat | undefined, key: values['loss-key'] as string | undefined }));
    }
    if (values.json) writeFileSync(values.json as string, `${JSON.stringify(report, null, 2)}\n`);
    if (values.sarif) writeFileSync(values.sarif as string, `${JSON.stringify(monitorSarif(report), null, 2)}\n`);
    if (values.report) writeFileSync(values.report as string, monitorHtml(report));
    const corroborated = report.anomalies.filter((a) => a.incidents.length).length;
    process.stdout.write(`${report.stats.events} loss figures, ${report.stats.steps} steps, ${report.stats.documents} documents: ${report.anomalies.length} flagged${incidents ? ` (${corroborated} also in scan incidents)` : ''}, ${report.spikes.length} batch spike(s)\n`);
    for (const a of report.anomalies.slice(0, 20)) process.stdout.write(`  ${a.id.padEnd(16)} ${a.kind.padEnd(12)} z ${a.score}${a.incidents.length ? `  ${a.incidents.join(', ')}` : ''}${a.datasets.length ? `  ${a.datasets.join(', ')}` : ''}\n`);
    return report.anomalies.length ? EXIT.FINDINGS : EXIT.OK;
  },
};
