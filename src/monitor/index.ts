/**
 * Training-time monitoring: loss logs with the documents of each example or
 * batch, read, scored for anomalies, joined with scan incidents and the
 * ledger, and written as JSON, SARIF and HTML.
 */
export { analyzeLosses } from './analyze.js';
export { readLossLog, parseLossLine, readTrainingLog, logFormatOf, LOG_FORMATS, type LogFormat } from './read.js';
export { crc32c, tfRecords } from './tensorboard.js';
export { incidentsByDocument, joinAnomalies, checkIdsMatch, type JoinedAnomaly } from './join.js';
export { monitorSarif, monitorHtml, type MonitorReport } from './outputs.js';
export { DEFAULT_MONITOR_SETTINGS, type LossEvent, type MonitorResult, type MonitorSettings, type DocumentAnomaly, type BatchSpike } from './types.js';
