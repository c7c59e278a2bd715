/** Report writers. Each takes the scan result and returns the file's text. */
import type { ScanResult } from '../report.js';
import { toHtml } from './html.js';
import { toSarif } from './sarif.js';

export interface ReportWriter {
  id: string;
  description: string;
  render(result: ScanResult): string;
}

export const REPORT_WRITERS: readonly ReportWriter[] = [
  { id: 'json', description: 'versioned JSON report (schema/scan-report.schema.json)', render: (r) => JSON.stringify({ $schema: 'https://antidote.dev/schema/scan-report-1.0.json', ...r }, null, 2) + '\n' },
  { id: 'sarif', description: 'SARIF 2.1.0 for code-scanning dashboards', render: (r) => JSON.stringify(toSarif(r), null, 2) + '\n' },
  { id: 'html', description: 'self-contained HTML report', render: toHtml },
];

export { toHtml, markSnippet, escapeHtml } from './html.js';
export { toSarif } from './sarif.js';
export { writeSplits, quarantineRecord } from './splits.js';
