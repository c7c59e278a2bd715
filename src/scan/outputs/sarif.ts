/** SARIF 2.1.0: one rule per detector, one result per incident and per quarantined document finding. */
import { DOCUMENT_DETECTORS, CORPUS_DETECTORS } from '../detectors/index.js';
import type { ScanResult } from '../report.js';
import type { Severity } from '../types.js';

function level(severity: Severity | 'error'): 'error' | 'warning' | 'note' {
  if (severity === 'critical' || severity === 'high' || severity === 'error') return 'error';
  if (severity === 'medium') return 'warning';
  return 'note';
}

export function toSarif(result: ScanResult): object {
  const rules = [...DOCUMENT_DETECTORS, ...CORPUS_DETECTORS].map((d) => ({
    id: d.id,
    name: d.id.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase()),
    shortDescription: { text: d.description },
  }));
  const byIndex = new Map(result.documents.map((d) => [d.index, d]));
  const results: object[] = [];
  for (const inc of result.incidents) {
    const first = byIndex.get(inc.documents[0]!);
    results.push({
      ruleId: inc.detector,
      level: level(inc.severity),
      message: { text: `${inc.id}: ${inc.title}` },
      locations: inc.documents.slice(0, 50).map((d) => {
        const v = byIndex.get(d);
        return { physicalLocation: { artifactLocation: { uri: v?.place.file ?? first?.place.file ?? 'corpus' }, region: { startLine: v?.place.line ?? 1 } }, message: { text: v?.id ?? String(d) } };
      }),
      partialFingerprints: { trigger: inc.trigger ?? inc.title },
      properties: { incident: inc.id, trigger: inc.trigger, payload: inc.payload, documents: inc.documents.length, confidence: inc.confidence, severity: inc.severity },
    });
  }
  for (const doc of result.documents) {
    if (doc.incidents.length > 0 || doc.verdict !== 'quarantine') continue;
    const message = doc.error ? `${doc.error.code}: ${doc.error.message}` : doc.findings.map((f) => f.message).join('; ');
    results.push({
      ruleId: doc.error ? 'input-error' : doc.findings[0]?.detector ?? 'input-error',
      level: level(doc.severity),
      message: { text: `${doc.id}: ${message}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: doc.place.file }, region: { startLine: doc.place.line ?? 1 } } }],
    });
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'antidote', version: result.tool.version, informationUri: 'https://www.npmjs.com/package/antidote', rules: [...rules, { id: 'input-error', shortDescription: { text: 'A record that could not be read.' } }] } },
      results,
      invocations: [{ executionSuccessful: true }],
    }],
  };
}
