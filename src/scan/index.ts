export { scan } from './pipeline.js';
export { REPORT_VERSION, type ScanOptions, type ScanResult, type DocumentVerdict, type Progress, type RunError, type OnError, type CandidateStat } from './report.js';
export { REPORT_WRITERS, toHtml, toSarif, escapeHtml, type ReportWriter } from './outputs/index.js';
export { DOCUMENT_DETECTORS, CORPUS_DETECTORS, DETECTOR_IDS, DEFAULT_DETECTOR_IDS, confirmTriggers, ngramsIn, supportOf, isOddToken, isRefusal } from './detectors/index.js';
export { analyzeDocument, type DocumentInput, type DocumentResult } from './analyze.js';
export { SEVERITIES, severityRank, type Severity, type Finding, type Incident, type Evidence, type PayloadKind, type DocumentDetector } from './types.js';
export { shingleHashes, minhash, jaccard, nearDuplicateClusters, type NearDuplicates } from './near-duplicates/index.js';
export { LocalExecutor, SlurmExecutor, QueueExecutor, startQueueWorker, runJob, type Executor, type PassTiming, type SlurmOptions, type QueueOptions } from './executors/index.js';
