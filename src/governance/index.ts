/**
 * Transparency and governance exports: a CycloneDX 1.6 ML-BOM for a model,
 * Croissant 1.0 (+RAI) metadata for a dataset version, and a human-readable
 * report mapping the evidence to the controls that ask for it.
 */
export { datasetFacts, modelFacts, type DatasetFacts, type ModelFacts } from './facts.js';
export { cyclonedxBom, validateCyclonedx, checkedCyclonedxBom, datasetRef, modelRef } from './cyclonedx.js';
export { croissantMetadata, validateCroissant, checkedCroissant } from './croissant.js';
export { controlRows, type ControlRow, type AuditSummary } from './controls.js';
export { governanceReportHtml, type ReportInput } from './report.js';
export { printPdf, chromiumPath } from './pdf.js';

import { AntidoteError } from '../errors/index.js';
import { sha256Hex } from '../ledger/index.js';
import type { AuditSummary } from './controls.js';

/** The summary of an `antidote audit --json` report, from its text. */
export function auditSummaryOf(text: string, file: string): AuditSummary {
  let report: { flagged?: unknown; model?: { model?: unknown; digest?: unknown }; started?: unknown };
  try {
    report = JSON.parse(text);
  } catch (e) {
    throw new AntidoteError('INPUT_FORMAT', `not JSON: ${(e as Error).message}`, { file });
  }
  if (typeof report?.flagged !== 'boolean' || typeof report.model?.model !== 'string') throw new AntidoteError('INPUT_FORMAT', "not an 'antidote audit --json' report (no 'flagged' or 'model')", { file });
  return { file, sha256: sha256Hex(text), model: report.model.model, ...(typeof report.model.digest === 'string' ? { digest: report.model.digest } : {}), flagged: report.flagged, started: String(report.started ?? '') };
}
