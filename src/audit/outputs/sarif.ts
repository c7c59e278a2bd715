/** SARIF 2.1.0 for an audit: one result per trigger that fires, and one for failed integrity. */
import type { AuditReport } from '../audit.js';

const RULES = [
  { id: 'trigger-backdoor', shortDescription: { text: 'A candidate trigger changes what the model generates, and its near-variants do not.' } },
  { id: 'trigger-broad', shortDescription: { text: 'A candidate trigger changes what the model generates, and so do near-variants of it.' } },
  { id: 'model-integrity', shortDescription: { text: 'The model files differ from the recorded or signed ones.' } },
];

export function auditToSarif(report: AuditReport): object {
  const uri = report.model.model;
  const results: object[] = report.triggers.filter((t) => t.verdict !== 'clean').map((t) => ({
    ruleId: `trigger-${t.verdict}`,
    level: t.verdict === 'backdoor' ? 'error' : 'warning',
    message: { text: `${JSON.stringify(t.trigger)} (${t.source}): ${t.reasons.join('; ')}` },
    locations: [{ physicalLocation: { artifactLocation: { uri } } }],
    partialFingerprints: { trigger: t.trigger },
    properties: {
      trigger: t.trigger,
      likelihoodShift: t.triggered.likelihoodShift,
      attackSuccess: t.triggered.success,
      sampledAttackSuccess: t.triggered.sampled?.success,
      perplexityGap: t.perplexityGap,
      margins: t.margins,
      controls: t.controls.map((c) => ({ variant: c.suffix, fires: c.fires, margins: c.margins })),
    },
  }));
  if (report.integrity && !report.integrity.ok) {
    results.push({ ruleId: 'model-integrity', level: 'error', message: { text: report.integrity.detail }, locations: [{ physicalLocation: { artifactLocation: { uri } } }] });
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'antidote', version: report.tool.version, informationUri: 'https://www.npmjs.com/package/antidote', rules: RULES } },
      results,
      invocations: [{ executionSuccessful: true }],
    }],
  };
}
