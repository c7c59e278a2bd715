/** The incident page: what was found, the evidence with trigger and payload marked, the chart, the documents, the history and the decision forms. */
import type { AllowlistProposal, IncidentDetail } from '../review/index.js';
import { html, jsonBlock, marked } from '../html/index.js';
import { DECISIONS, layout, type PageContext } from './pages.js';

/** The chart's data: the scan's most frequent candidate triggers, this incident's own marked. */
function chartData(detail: IncidentDetail): { labels: string[]; values: number[]; highlight: number[] } | undefined {
  if (!detail.candidates?.length) return undefined;
  const parts = new Set([detail.trigger, ...(detail.evidence?.triggerParts ?? [])]);
  const shown = [...detail.candidates].sort((a, b) => b.documentFrequency - a.documentFrequency).slice(0, 30);
  const own = detail.candidates.filter((c) => parts.has(c.gram) && !shown.includes(c));
  const all = [...shown, ...own];
  return { labels: all.map((c) => c.gram), values: all.map((c) => c.documentFrequency), highlight: all.flatMap((c, i) => (parts.has(c.gram) ? [i] : [])) };
}

export function incidentPage(ctx: PageContext, detail: IncidentDetail, proposal?: AllowlistProposal, notice?: string): string {
  const evidence = detail.evidence;
  const chart = chartData(detail);
  const action = `/api/incidents/${encodeURIComponent(detail.key)}/decision`;
  const decisions = DECISIONS.filter(([v]) => (detail.state === 'open' ? v !== 'reopen' : v === 'reopen'));
  return layout(detail.key, html`<h1>${detail.key} <span class="state ${detail.state}">${detail.state}</span></h1>
${notice ? html`<p class="error" role="alert">${notice}</p>` : ''}
<dl class="facts"><dt>Title</dt><dd>${evidence?.title ?? detail.title}</dd><dt>Detector</dt><dd>${detail.detector}</dd><dt>Severity</dt><dd><span class="sev ${detail.severity}">${detail.severity}</span></dd>
<dt>Trigger</dt><dd class="trigger">${detail.trigger ?? '—'}</dd><dt>Payload</dt><dd>${detail.payload}</dd><dt>Documents</dt><dd>${detail.documents}</dd>
<dt>Reported by</dt><dd>${detail.source} record, ledger entry ${detail.entry}, ${detail.created}</dd>${evidence ? html`<dt>Confidence</dt><dd>${evidence.confidence.toFixed(2)}</dd>` : ''}</dl>
${evidence ? html`<h2>Figures behind the verdict</h2><table class="figures">${Object.entries(evidence.stats).map(([k, v]) => html`<tr><th>${k}</th><td>${Number.isInteger(v) ? v : v.toFixed(4)}</td></tr>`)}</table>
<h2>Evidence</h2><ol class="evidence">${evidence.evidence.map((e) => html`<li><span class="doc">${e.id}</span><pre>${marked(e.snippet, e.marks)}</pre></li>`)}</ol>` : html`<p class="hint">No report attached for this scan: <code>antidote incident attach findings.json</code> adds the snippets and figures.</p>`}
${chart ? html`<h2>Candidate triggers in this scan</h2><figure class="chart"><canvas id="candidates" role="img" aria-label="document frequency of the scan's candidate triggers, this incident's highlighted"></canvas></figure>${jsonBlock('chart-data', chart)}<script src="/assets/chart.umd.min.js"></script><script src="/assets/review.js"></script>` : ''}
<h2>Documents</h2><p>Dataset versions holding them: ${detail.datasetsHolding.join(', ') || 'none recorded in the ledger'}.${detail.affected.models.length ? html` Affected models: <strong>${detail.affected.models.join(', ')}</strong>.` : ''}</p>
<ul class="documents">${detail.documentIds.slice(0, 200).map((id) => html`<li>${id}</li>`)}</ul>${detail.documentIds.length > 200 ? html`<p>… and ${detail.documentIds.length - 200} more (<a href="/api/incidents/${encodeURIComponent(detail.key)}">JSON</a>)</p>` : ''}
<h2>History</h2>${detail.history.length ? html`<ol class="history">${detail.history.map((h) => html`<li><time>${h.created.slice(0, 19).replace('T', ' ')}</time> <strong>${h.by}</strong> ${h.action}${h.reason ? html`: <q>${h.reason}</q>` : ''} <small>(ledger entry ${h.entry})</small></li>`)}</ol>` : html`<p>No decision yet.</p>`}
${ctx.canDecide ? html`<h2>Decide</h2><form method="post" action="${action}" class="decide"><input type="hidden" name="csrf" value="${ctx.csrf}">
<label>Reason <textarea name="reason" maxlength="4000" rows="2"></textarea></label>
${decisions.map(([v, label]) => html`<button name="action" value="${v}">${label}</button> `)}</form>
<form method="post" action="${action}" class="comment"><input type="hidden" name="csrf" value="${ctx.csrf}"><input type="hidden" name="action" value="comment"><label>Comment <input name="reason" maxlength="4000" required></label> <button>Add comment</button></form>` : ''}
${proposal && !proposal.present ? html`<h2>Allowlist proposal</h2><p>Apply this change to stop flagging <span class="trigger">${proposal.trigger}</span> (<a href="/api/incidents/${encodeURIComponent(detail.key)}/allowlist">as JSON</a>):</p><pre class="patch">${proposal.patch}</pre>` : ''}
${proposal?.present ? html`<p>The allowlist already holds this trigger.</p>` : ''}`, ctx);
}
