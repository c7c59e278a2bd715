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
  ClaimKeyCounts, recurringSentences, sharedWord, forEachPackedDocument, pooledReport, proposeClaims, phrasingSupport, confirmClaims, withinClaimBudget, MAX_CLAIM_DOCUMENTS,
  type MiningOptions, type ClaimReport, type RecurringSentence, type ConfirmedClaim,
} from './detectors/index.js';
import type { DocumentMeta } from './incidents.js';
import { draftIncidents } from './drafts.js';
import type { CheckFinding } from './types.js';
import { writeSplits } from './outputs/splits.js';
import { decideVerdicts } from './verdicts.js';
import { selectCandidates } from './candidates.js';
import { CandidateCounts, ClaimCounter } from './counting.js';
import { NearSketch } from './near-grams/index.js';
import type { ByteRange } from './ranges.js';
import { plannable } from './plan.js';
import { inJobOrder, passOf, planShards, recordsOf, writeSplitParts, type ShardPlan } from './sharded.js';
import { LocalExecutor, type ShardRequest } from './executors/index.js';
import { learnWordPairs } from './sample.js';
import { Spool } from './spool.js';

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
    const meta = new Map<number, DocumentMeta & { place: Place }>();
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
    /**
     * Ids are kept only for documents with something to report (`keep`): ids
     * of raw JSONL records come back from the workers, ids of records parsed
     * here were stored when read and are dropped when not kept.
     */
    const keepIds = (batch: Batch | undefined, ids: ReadonlyArray<[number, string, Place]>, keep: ReadonlySet<number>) => {
      for (const [index, id, place] of ids) if (!meta.has(index)) meta.set(index, { id, place });
      for (const d of batch?.docs ?? []) if (!keep.has(d.index)) meta.delete(d.index);
    };
    const onAnalyzed = (batch: Batch | undefined, response: Extract<WorkerResponse, { type: 'analyzed' }>) => {
      for (const [k, v] of Object.entries(response.shapes)) shapes[k] = (shapes[k] ?? 0) + v;
      for (const e of response.errors) recordError(e.index, e.id, e.place, e);
      for (const r of response.results) results.set(r.index, r);
      keepIds(batch, response.ids, new Set(response.results.map((r) => r.index)));
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

    // documents holding a claim-sentence key that recurs as often as one phrasing of a poisoning needs
    const phrasing = phrasingSupport(minSupport);
    const band = claimKeyCounts.keysInBand(phrasing, mining.maxDocumentFrequency);
    if (band.length) for (const chunk of claimKeyChunks.chunks()) forEachPackedDocument(chunk, (_, sentences) => claimKeyCounts.addDistinct(sentences, band));
    const heavyClaimKeys = claimKeyCounts.heavyKeys(band, phrasing);
    const claimDocuments = new Map<number, RecurringSentence[]>();
    for (const chunk of claimKeyChunks.chunks()) forEachPackedDocument(chunk, (index, sentences) => {
      const recurring = recurringSentences(sentences, heavyClaimKeys);
      if (recurring.length) claimDocuments.set(index, recurring);
    });
    claimKeyChunks.close();
    const claimDocumentsCut = withinClaimBudget(claimDocuments, options.maxClaimDocuments ?? MAX_CLAIM_DOCUMENTS);

    const countStarted = Date.now();
    let passes = 1;
    // ---- pass 2, only over documents holding recurring claim-sentence keys: their recurring sentences
    const claimReports: ClaimReport[] = [];
    const claimWords = new Map<string, string>();
    let claimPass: Promise<void> = Promise.resolve();
    if (claimDocuments.size > 0) {
      passes++;
      const known = new Set(meta.keys());
      const onClaims = (batch: Batch | undefined, response: Extract<WorkerResponse, { type: 'claims-reported' }>, keep: Set<number>) => {
        for (const report of response.claims) claimReports.push(pooledReport(report, claimWords));
        keepIds(batch, response.ids, keep);
      };
      if (plan) {
        // asked for at once, so that the workers report claims while this thread selects candidate triggers
        // ranges come in record order: one walk over the sorted documents hands each range its own
        const claimIndices = [...claimDocuments.keys()].sort((a, b) => a - b);
        let next = 0;
        claimPass = executor.run(passOf(plan, 'claims', (range) => {
          const sentences: Array<[number, RecurringSentence[]]> = [];
          for (; next < claimIndices.length && claimIndices[next]! < range.endIndex; next++) sentences.push([claimIndices[next]!, claimDocuments.get(claimIndices[next]!)!]);
          return sentences.length ? { type: 'report-claims', batch: range, read: readOptions, maxChars, sentences } : undefined;
        }), {
          onJob: (_, responses) => responses.forEach((r) => onClaims(undefined, r as Extract<WorkerResponse, { type: 'claims-reported' }>, new Set())),
          onFinish: () => undefined,
        });
      } else claimPass = dispatch(sources, readOptions, pool!, (record) => {
        if (!claimDocuments.has(record.index) || record.error || errorDocs.has(record.index)) return false;
        if (record.fields && !meta.has(record.index)) meta.set(record.index, { id: record.id, place: record.place });
        return true;
      }, async (batch, transfer) => {
        const indices = [...batch.docs.map((d) => d.index), ...(batch.raw?.records.map((r) => r.index) ?? [])];
        const sentences = indices.map((i) => [i, claimDocuments.get(i)!] as [number, RecurringSentence[]]);
        const response = await pool!.submit<Extract<WorkerResponse, { type: 'claims-reported' }>>({ type: 'report-claims', batch, read: readOptions, maxChars, sentences }, transfer);
        onClaims(batch, response, new Set([...response.claims.map((c) => c.index), ...batch.docs.map((d) => d.index).filter((i) => known.has(i))]));
      }, () => undefined);
    }
    // handled when awaited below; this only keeps a failure meanwhile from counting as unhandled
    claimPass.catch(() => undefined);
    const { support, regions, codeRegions, ragFacts, instructionFacts, cut } = selectCandidates(results, nearSketch, mineTriggers, mining);
    await claimPass;
    // in document order, whichever worker answered first
    claimReports.sort((a, b) => a.index - b.index);
    const { candidates: claimCandidates, cut: claimsCut } = detectors.includes('recurring-claim') ? proposeClaims(claimReports, minSupport) : { candidates: [], cut: 0 };
    // the candidates hold the reports they need; the rest would live as long as the scan
    claimReports.length = 0;
    claimWords.clear();

    // ---- pass 3: documents holding each candidate trigger, and each candidate claim's trigger run and words
    // (pages of one kind change after their headings by nature: only candidates stitched into unrelated text are judged by the change)
    const counts = new CandidateCounts(support, mining, new Set([...support].filter(([gram, docs]) => docs.length >= minSupport && !sharedWord(docs, [gram], regions)).map(([gram]) => gram)));
    const claimCounts = new ClaimCounter(claimCandidates, mining.maxDocumentFrequency + 1);
    if (support.size > 0 || claimCandidates.length > 0) {
      passes++;
      const cap = mining.maxDocumentFrequency + 1;
      const grams = [...support.keys()];
      const setup: ShardRequest = { type: 'candidates', candidates: grams, caps: grams.map((g) => counts.cap(g)), judged: [...counts.judged], claims: claimCounts.request, cap, shingleDocs: [...regions.keys()] };
      let counted = 0;
      const known = new Set(meta.keys());
      const onMatched = (batch: Batch | undefined, response: Extract<WorkerResponse, { type: 'matched' }>) => {
        const holding = [...response.hits, ...response.claimHolding].flatMap(([, indices]) => indices);
        keepIds(batch, response.ids, new Set([...holding, ...(batch?.docs.map((d) => d.index).filter((i) => known.has(i)) ?? [])]));
        counts.add(response, results, regions);
        claimCounts.add(response);
      };
      if (plan) {
        const match = (range: ByteRange): ShardRequest => ({ type: 'match', batch: range, read: readOptions, maxChars, regionTokens: analyzeOptions.regionTokens, dead: [], deadRuns: [] });
        // in record order, so that the candidates the answers so far made too common are dropped from the ranges after them only
        await executor.run(passOf(plan, 'count', match, { setup: [...pairs, setup], refresh: (request) => ({ ...request, dead: [...counts.dead], deadRuns: claimCounts.deadRuns() }) }), {
          onJob: inJobOrder((job, responses) => {
            for (const r of responses) onMatched(undefined, r as Extract<WorkerResponse, { type: 'matched' }>);
            counted += recordsOf(plan, job);
            options.onProgress?.({ pass: 'count', records: counted, totalRecords: records, bytes, elapsedMs: Date.now() - countStarted });
          }),
          onFinish: () => undefined,
        });
      } else {
        await pool!.broadcast(setup);
        await dispatch(sources, readOptions, pool!, (record) => {
          counted++;
          if (counted % 5000 === 0) options.onProgress?.({ pass: 'count', records: counted, totalRecords: records, bytes, elapsedMs: Date.now() - countStarted });
          if (record.fields && !meta.has(record.index)) meta.set(record.index, { id: record.id, place: record.place });
          return !record.error && !errorDocs.has(record.index);
        }, inBatchOrder(async (batch, transfer) => {
          const response = await pool!.submit<Extract<WorkerResponse, { type: 'matched' }>>({ type: 'match', batch, read: readOptions, maxChars, regionTokens: analyzeOptions.regionTokens, dead: [...counts.dead], deadRuns: claimCounts.deadRuns() }, transfer);
          return () => onMatched(batch, response);
        }), () => undefined);
      }
    }
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
