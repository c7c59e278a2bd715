/**
 * The governance report for a dataset version or a model, as one HTML page
 * a person reads or prints: composition by source and trust, lineage, scans
 * and their incidents, the review decisions, audits, and the control table.
 * Rendering only; the facts come from facts.ts.
 */
import { html, Html } from '../html/index.js';
import { controlRows, type AuditSummary } from './controls.js';
import type { DatasetFacts, ModelFacts } from './facts.js';

export interface ReportInput {
  origin: string;
  generated: string;
  datasets: DatasetFacts[];
  model?: ModelFacts;
  audits: AuditSummary[];
  guardIncidents: number;
}

const STYLE = `body{font:13px/1.45 system-ui,sans-serif;max-width:1000px;margin:1.5rem auto;color:#1b1b1b}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}th,td{text-align:left;padding:.25rem .4rem;border-bottom:1px solid #ddd;vertical-align:top}
code,.mono{font-family:ui-monospace,monospace;word-break:break-all}.met{color:#1b5e20;font-weight:600}.partial{color:#e65100;font-weight:600}.missing{color:#b71c1c;font-weight:600}
h2{border-bottom:2px solid #263238;padding-bottom:.2rem;margin-top:2rem}@media print{h2{break-after:avoid}table{break-inside:auto}}`;

function counts(title: string, values: Record<string, number>, total: number): Html {
  const rows = Object.entries(values).sort((a, b) => b[1] - a[1]);
  return html`<table><thead><tr><th>${title}</th><th>documents</th><th>share</th></tr></thead><tbody>${rows.map(([k, n]) => html`<tr><td>${k}</td><td>${n}</td><td>${((100 * n) / Math.max(1, total)).toFixed(1)}%</td></tr>`)}</tbody></table>`;
}

function datasetSection(d: DatasetFacts): Html {
  return html`<h2>Dataset ${d.version}</h2>
<p>${d.record.documents} documents, ledger entries ${d.record.firstEntry}..${d.record.lastEntry}, manifest entry ${d.record.entry}, recorded ${d.record.created}. Merkle root <code>${d.record.root}</code>.</p>
<h3>Composition</h3>${counts('source', d.composition.bySource, d.record.documents)}${counts('trust level', d.composition.byTrust, d.record.documents)}${counts('licence', d.composition.byLicense, d.record.documents)}<p>${d.composition.contributors} named contributor(s).</p>
<h3>Files</h3><table><thead><tr><th>file</th><th>bytes</th><th>SHA-256</th></tr></thead><tbody>${d.record.files.map((f) => html`<tr><td class="mono">${f.path}</td><td>${f.bytes}</td><td class="mono">${f.sha256}</td></tr>`)}</tbody></table>
<h3>Scans and incidents</h3><p>${d.incidents.length ? html`By review state: ${Object.entries(d.incidentStates).map(([s, n]) => `${s} ${n}`).join(', ')}.` : 'No incident recorded over this version.'}</p>
${d.incidents.length ? html`<table><thead><tr><th>incident</th><th>state</th><th>severity</th><th>detector</th><th>trigger</th><th>documents</th></tr></thead><tbody>${d.incidents.map((i) => html`<tr><td class="mono">${i.key}</td><td>${i.state}</td><td>${i.severity}</td><td>${i.detector}</td><td class="mono">${i.trigger ?? '—'}</td><td>${i.documents}</td></tr>`)}</tbody></table>` : ''}
<h3>Review decisions</h3>${d.decisionLog.length ? html`<table><thead><tr><th>when</th><th>who</th><th>incident</th><th>decision</th><th>why</th><th>ledger entry</th></tr></thead><tbody>${d.decisionLog.map((x) => html`<tr><td>${x.created.slice(0, 19).replace('T', ' ')}</td><td>${x.by}</td><td class="mono">${x.key}</td><td>${x.action}</td><td>${x.reason ?? ''}</td><td>${x.entry}</td></tr>`)}</tbody></table>` : html`<p>No decision recorded.</p>`}`;
}

export function governanceReportHtml(input: ReportInput): string {
  const { model } = input;
  const subject = model ? `model ${model.record.name}` : `dataset ${input.datasets.map((d) => d.version).join(', ')}`;
  const rows = controlRows({ datasets: input.datasets, audits: input.audits, guardIncidents: input.guardIncidents, ...(model ? { model: { name: model.record.name, manifest: model.record.manifest, trainedOn: model.record.trainedOn ?? [], affectedBy: model.affectedBy } } : {}) });
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Governance report: ${subject}</title><style>${new Html(STYLE)}</style></head><body>
<h1>Governance report: ${subject}</h1>
<p>Ledger <code>${input.origin}</code> as of checkpoint ${input.datasets[0]?.checkpointSize ?? 'n/a'}; generated ${input.generated} by Antidote. Every fact below is read from the signed ledger and its review decisions; <code>antidote ledger verify</code> re-derives them.</p>
<h2>Controls and evidence</h2>
<table><thead><tr><th>framework</th><th>control</th><th>evidence</th><th>status</th><th>still missing</th></tr></thead><tbody>${rows.map((r) => html`<tr><td>${r.framework}</td><td>${r.control}</td><td>${r.evidence}</td><td class="${r.status}">${r.status}</td><td>${r.missing}</td></tr>`)}</tbody></table>
${model ? html`<h2>Model ${model.record.name}</h2><p>Ledger entry ${model.record.entry}, recorded ${model.record.created}; manifest <code>${model.record.manifest}</code>. Trained on: ${(model.record.trainedOn ?? []).join(', ') || 'not recorded'}.</p>
<p>${model.affectedBy.length ? html`<strong class="missing">Affected</strong> by confirmed incident(s) ${model.affectedBy.join(', ')}: <code>antidote ledger check-model</code> refuses it.` : html`<span class="met">Not affected</span> by any confirmed incident.`}</p>
<table><thead><tr><th>file</th><th>bytes</th><th>SHA-256</th></tr></thead><tbody>${model.record.files.map((f) => html`<tr><td class="mono">${f.path}</td><td>${f.bytes}</td><td class="mono">${f.sha256}</td></tr>`)}</tbody></table>` : ''}
<h2>Lineage</h2><p>${input.datasets.length ? input.datasets.map((d) => `${d.version} (entry ${d.record.entry})`).join(' → ') : 'No dataset version.'}${model ? ` → ${model.record.name} (entry ${model.record.entry})` : ''}</p>
<h2>Audits</h2>${input.audits.length ? html`<table><thead><tr><th>report</th><th>model</th><th>verdict</th><th>started</th><th>SHA-256</th></tr></thead><tbody>${input.audits.map((a) => html`<tr><td class="mono">${a.file}</td><td>${a.model}</td><td class="${a.flagged ? 'missing' : 'met'}">${a.flagged ? 'backdoor behaviour flagged' : 'clean'}</td><td>${a.started}</td><td class="mono">${a.sha256}</td></tr>`)}</tbody></table>` : html`<p>No audit report given.</p>`}
<p>Guard incidents in the ledger: ${input.guardIncidents}.</p>
${input.datasets.map(datasetSection)}
</body></html>`.text;
}
