/**
 * The scan pipeline: read -> analyse (workers) -> correlate -> decide -> write.
 *
 * Pass 1 reads every record and analyses it in worker threads. The corpus-level
 * detectors then correlate what pass 1 kept (only documents with findings, and
 * the prompts of instruction data). A claim pass reads again only the
 * documents whose claim sentences recur, for the recurring-claim detector. The
 * counting pass counts, over the whole corpus, the documents holding each
 * candidate trigger (and each candidate claim's words), which is what tells a
 * trigger from ordinary language. The last pass writes the clean and
 * quarantine splits. Over plain JSONL files (and compressed ones and Parquet
 * files when other machines run the scan), the passes are read by the workers
 * themselves, a range of a plain file (a whole compressed one, a run of a
 * Parquet file's row groups) per request.
 */
import { availableParallelism, tmpdir } from 'node:os';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { AntidoteError, formatPlace, type Place } from '../errors/index.js';
import { REPORT_VERSION, type CandidateStat, type OnError, type Progress, type RunError, type ScanOptions, type ScanResult } from './report.js';
import { compressionOf, expandInputs, type CorpusRecord, type ReadOptions } from '../corpus/index.js';
import type { AnalyzeOptions, DocumentResult } from './analyze.js';
import { dispatch, inBatchOrder, type Batch } from './batches.js';
import type { WorkerResponse } from './handler.js';
import {
  DETECTOR_IDS, DEFAULT_DETECTOR_IDS, confirmTriggers,
  ClaimKeyCounts, forEachPackedDocument, proposeClaims, confirmClaims, MAX_CLAIM_DOCUMENTS,
  type MiningOptions, type ClaimReport, type ConfirmedClaim,
} from './detectors/index.js';
import { draftIncidents } from './drafts.js';
import type { CheckFinding } from './types.js';
import { writeSplits } from './outputs/splits.js';
import { decideVerdicts } from './verdicts.js';
import { selectCandidates } from './candidates.js';
import { NearSketch } from './near-grams/index.js';
import { plannable } from './plan.js';
import { inJobOrder, passOf, planShards, recordsOf, writeSplitParts, type ShardPlan } from './sharded.js';
import { LocalExecutor, type ShardRequest } from './executors/index.js';
import { learnWordPairs } from './sample.js';
import { Spool } from './spool.js';
import { keepIds, type DocumentIds, type PassContext } from './pass-context.js';
import { claimDocumentsOf, reportRecurringClaims } from './claim-pass.js';
import { countCandidates } from './count-pass.js';

async function spoolStdin(stdin: NodeJS.ReadableStream): Promise<{ path: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'antidote-stdin-'));
  const path = join(dir, 'stdin');
  await streamPipeline(stdin, createWriteStream(path));
  return { path, dir };
}

export async function scan(options: ScanOptions): Promise<ScanResult> {
  const started = Date.now();
  const textField = options.textField ?? 'text';
  const idField = options.idField ?? 'id';
  const onError: OnError = options.onError ?? 'quarantine';
  const detectors = [...(options.detectors ?? DEFAULT_DETECTOR_IDS)];
  for (const d of detectors) {
    if (!DETECTOR_IDS.includes(d)) throw new AntidoteError('USAGE', `unknown detector '${d}'; known: ${DETECTOR_IDS.join(', ')}`);
  }
  const quarantineAt = options.quarantineAt ?? 'high';
  const allowlist = options.allowlist ?? [];
  const maxChars = options.maxChars ?? 2_000_000;
  let spooled: { path: string; dir: string } | undefined;
  if (options.inputs.includes('-')) spooled = await spoolStdin(options.stdin ?? process.stdin);
  const executor = options.executor ?? new LocalExecutor(Math.max(1, options.workers ?? Math.min(2, availableParallelism())));
  // band keys of claim sentences, packed, as the first pass finds them (on disk past a limit)
  const claimKeyChunks = new Spool();
  try {
    const sources = await expandInputs(options.inputs, { format: options.format, stdinPath: spooled?.path });
    const readOptions: ReadOptions = { textField, idField };
    const analyzeOptions: AnalyzeOptions = { detectors, regionTokens: 400, maxChars };
    const errors: RunError[] = [];
    const errorDocs = new Map<number, CorpusRecord>();
    const onInputFailure = ({ error }: { error: AntidoteError }) => {
      if (onError === 'stop') throw error;
      errors.push({ code: error.code, message: error.message, place: error.place ?? { file: '?' }, fatalForInput: true });
    };

    // JSONL is cut into pieces that any worker reads itself (`plannable`); other inputs are read here and sent in batches (this machine only)
    let plan: ShardPlan | undefined;
    if (plannable(sources, !(executor instanceof LocalExecutor))) plan = await planShards(executor, sources, (_, error) => onInputFailure({ error }));
    else if (!(executor instanceof LocalExecutor)) {
      const other = sources.find((s) => !plannable([s], true)) ?? sources[0]!;
      throw new AntidoteError('USAGE', `the ${executor.kind} executor reads JSONL files (plain, .gz or .zst) and Parquet files, which its workers read themselves; this input is ${other.format}${compressionOf(other.path) ? ', compressed whole' : ''}: convert it to .jsonl or .parquet, or scan it without --executor`, { file: other.name });
    }
    const pool = executor instanceof LocalExecutor ? executor.pool : undefined;

    // ---- before pass 1: which words this corpus puts together, from a sample of it (the first and the counting pass judge text by them)
    const pairs: ShardRequest[] = detectors.includes('incoherent-text') ? [{ type: 'pairs', tables: (await learnWordPairs(sources, readOptions)).tables() }] : [];

    // ---- pass 1: analyse every document
    const results = new Map<number, DocumentResult>();
    const mineTriggers = detectors.includes('trigger-mining');
    const meta: DocumentIds = new Map();
    const shapes: Record<string, number> = {};
    // documents per band key of claim sentences (the keys themselves are spooled)
    const claimKeyCounts = new ClaimKeyCounts();
    let records = 0;
    let bytes = 0;
    const progress = (pass: Progress['pass']) => options.onProgress?.({ pass, records, bytes, elapsedMs: Date.now() - started });
    let lastProgress = 0;
    const recordError = (index: number, id: string, place: Place, error: { code: string; message: string }) => {
      if (onError === 'stop') throw new AntidoteError(error.code as AntidoteError['code'], error.message.slice(formatPlace(place).length + 2), place);
      errors.push({ code: error.code, message: error.message, place, fatalForInput: false });
      errorDocs.set(index, { index, id, place, bytes: 0, error: new AntidoteError(error.code as AntidoteError['code'], error.message) });
      meta.set(index, { id, place });
    };
    const onAnalyzed = (batch: Batch | undefined, response: Extract<WorkerResponse, { type: 'analyzed' }>) => {
      for (const [k, v] of Object.entries(response.shapes)) shapes[k] = (shapes[k] ?? 0) + v;
      for (const e of response.errors) recordError(e.index, e.id, e.place, e);
      for (const r of response.results) results.set(r.index, r);
      keepIds(meta, batch, response.ids, new Set(response.results.map((r) => r.index)));
      if (response.claimKeys.length) {
        claimKeyChunks.push(response.claimKeys);
        forEachPackedDocument(response.claimKeys, (_, sentences) => claimKeyCounts.addDocument(sentences));
      }
    };
    // the workers' sketches of the sequences near payload onsets, added into one
    let nearSketch: NearSketch | undefined;
    const addSketches = (responses: WorkerResponse[]) => {
      for (const r of responses as Array<Extract<WorkerResponse, { type: 'near-sketch' }>>) {
        if (r.sparse?.slots.length) (nearSketch ??= new NearSketch()).mergeSparse(r.sparse);
        if (!r.counts.length) continue;
        if (nearSketch) nearSketch.merge(r.counts);
        else nearSketch = new NearSketch(r.counts);
      }
    };
    if (plan) {
      ({ records, bytes } = plan);
      let analysed = 0;
      await executor.run(passOf(plan, 'analyse', (range) => ({ type: 'analyze', batch: range, read: readOptions, options: analyzeOptions }), { setup: pairs, finish: mineTriggers ? [{ type: 'near-sketch' }] : [] }), {
        onJob: inJobOrder((job, responses) => {
          for (const r of responses) onAnalyzed(undefined, r as Extract<WorkerResponse, { type: 'analyzed' }>);
          analysed += recordsOf(plan, job);
          options.onProgress?.({ pass: 'analyse', records: analysed, totalRecords: records, bytes, elapsedMs: Date.now() - started });
        }),
        onFinish: addSketches,
      });
    } else {
      for (const request of pairs) await pool!.broadcast(request);
      await dispatch(sources, readOptions, pool!, (record) => {
        records++;
        bytes += record.bytes;
        if (Date.now() - lastProgress > 200) {
          lastProgress = Date.now();
          progress('analyse');
        }
        if (record.error) {
          recordError(record.index, record.id, record.place, record.error);
          return false;
        }
        if (record.fields) {
          // parsed on this thread: its id is known now, kept if it has findings
          meta.set(record.index, { id: record.id, place: record.place });
        }
        return true;
      }, inBatchOrder(async (batch, transfer) => {
        const response = await pool!.submit<Extract<WorkerResponse, { type: 'analyzed' }>>({ type: 'analyze', batch, read: readOptions, options: analyzeOptions }, transfer);
        return () => onAnalyzed(batch, response);
      }), onInputFailure);
      if (mineTriggers) addSketches(await pool!.broadcast({ type: 'near-sketch' }));
    }
    progress('analyse');
    const passMs = { analyse: Date.now() - started, count: 0, write: 0 };

    // ---- correlate: candidate triggers before payloads
    const minSupport = options.minSupport ?? 5;
    const mining: MiningOptions = {
      minSupport,
      minPrecision: options.minPrecision ?? 0.8,
      maxDocumentFrequency: options.maxDocumentFrequency ?? Math.max(5000, Math.floor(records * 0.02)),
      minContextDiversity: 0.6,
      relaxedPrecision: 0.6,
      changePrecision: 0.15,
    };

    const { documents: claimDocuments, cut: claimDocumentsCut } = claimDocumentsOf(claimKeyCounts, claimKeyChunks, minSupport, mining.maxDocumentFrequency, options.maxClaimDocuments ?? MAX_CLAIM_DOCUMENTS);
    claimKeyChunks.close();

    const countStarted = Date.now();
    let passes = 1;
    const context: PassContext = { executor, plan, pool, sources, read: readOptions, maxChars, meta, errorDocs };
    // ---- pass 2, only over documents holding recurring claim-sentence keys: their recurring sentences
    // (asked for at once, so that the workers report claims while this thread selects candidate triggers;
    // the reports are let go once the candidates are proposed, which hold those they need)
    const claimPass = (claimDocuments.size > 0 ? reportRecurringClaims(context, claimDocuments) : Promise.resolve<ClaimReport[]>([]))
      .then((reports) => (detectors.includes('recurring-claim') ? proposeClaims(reports, minSupport) : { candidates: [], cut: 0 }));
    if (claimDocuments.size > 0) passes++;
    // handled when awaited below; this only keeps a failure meanwhile from counting as unhandled
    claimPass.catch(() => undefined);
    const { support, regions, codeRegions, ragFacts, instructionFacts, cut } = selectCandidates(results, nearSketch, mineTriggers, mining);
    const { candidates: claimCandidates, cut: claimsCut } = await claimPass;

    // ---- pass 3: documents holding each candidate trigger, and each candidate claim's trigger run and words
    const { counts, claimCounts, ran } = await countCandidates(context, {
      support, regions, claims: claimCandidates, mining, results, setup: pairs, regionTokens: analyzeOptions.regionTokens,
      onProgress: (counted) => options.onProgress?.({ pass: 'count', records: counted, totalRecords: records, bytes, elapsedMs: Date.now() - countStarted }),
    });
    if (ran) passes++;
    const claims: ConfirmedClaim[] = claimCandidates.length ? confirmClaims(claimCandidates, claimCounts, mining) : [];
    passMs.count = Date.now() - countStarted;
    const mined = detectors.includes('trigger-mining') ? confirmTriggers(regions, support, (g) => counts.confirmingFrequency(g), mining, codeRegions, counts.shifted) : [];

    // ---- incidents
    const incidents = draftIncidents({ mined, claims, claimHolding: claimCounts.holding, ragFacts, instructionFacts, counts, results, meta, mining, detectors, allowlist });

    // ---- checks beyond the text: each reads the inputs once more
    const checked = new Map<number, CheckFinding[]>();
    for (const check of options.checks ?? []) {
      for (const [index, doc] of await check.run(sources, readOptions)) {
        if (errorDocs.has(index)) continue;
        if (!meta.has(index)) meta.set(index, { id: doc.id, place: doc.place });
        checked.set(index, [...(checked.get(index) ?? []), ...doc.findings]);
      }
    }

    // ---- verdicts
    const verdicts = decideVerdicts(incidents, results, checked, errorDocs, meta, quarantineAt);
    const quarantined = new Map(verdicts.filter((v) => v.verdict === 'quarantine').map((v) => [v.index, v]));

    // ---- pass 3: splits
    const writeStarted = Date.now();
    if (options.cleanPath || options.quarantinePath) {
      passes++;
      await writeSplits(sources, { ...readOptions, rawOnly: true }, quarantined, { clean: options.cleanPath, quarantine: options.quarantinePath }, (n) => options.onProgress?.({ pass: 'write', records: n, totalRecords: records, bytes, elapsedMs: Date.now() - writeStarted }));
    }

    if (options.splitsDir) {
      if (!plan) throw new AntidoteError('USAGE', '--splits writes a part per shard of input the workers read: plain JSONL (compressed JSONL and Parquet too with --executor slurm or queue); for other inputs use --clean and --quarantine', { file: sources[0]?.name ?? '-' });
      passes++;
      await writeSplitParts(executor, plan, quarantined, options.splitsDir);
    }
    passMs.write = Date.now() - writeStarted;
    const confirmedGrams = new Set(incidents.flatMap((i) => i.triggerParts));
    const candidates: CandidateStat[] = [...support.entries()]
      .map(([gram, docs]) => ({ gram, support: docs.length, documentFrequency: Math.max(counts.documentFrequency(gram), docs.length), confirmed: confirmedGrams.has(gram) }))
      // ties in gram order: the same input gives the same list, whichever worker answered first
      .sort((a, b) => b.support - a.support || (a.gram < b.gram ? -1 : a.gram > b.gram ? 1 : 0))
      .slice(0, 500);
    return {
      version: REPORT_VERSION,
      tool: { name: 'antidote', version: '0.1.0' },
      inputs: sources.map((s) => ({ name: s.name, format: s.format })),
      settings: { detectors, checks: (options.checks ?? []).map((c) => c.id), minSupport, minPrecision: mining.minPrecision, maxDocumentFrequency: mining.maxDocumentFrequency, quarantineAt, onError, textField, idField },
      stats: {
        records, bytes, errors: errors.length, quarantined: quarantined.size, kept: records - quarantined.size,
        withFindings: verdicts.length, shapes, elapsedMs: Date.now() - started, passes, passMs, candidates: { counted: support.size, cut }, claims: { counted: claimCandidates.length, cut: claimsCut, documentsCut: claimDocumentsCut },
      },
      incidents,
      documents: verdicts,
      errors,
      candidates,
    };
  } finally {
    claimKeyChunks.close();
    if (!options.executor) await executor.close();
    if (spooled) await rm(spooled.dir, { recursive: true, force: true });
  }
}
