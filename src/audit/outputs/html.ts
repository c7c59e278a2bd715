/** A self-contained HTML page for an audit: per trigger, the effect with its interval and examples side by side. */
import { escapeHtml } from '../../scan/index.js';
import type { AuditReport } from '../audit.js';
import type { Interval } from '../stats.js';
import type { ConditionStats, TriggerResult } from '../probes/differential.js';

const pct = (i: Interval) => `${(i.value * 100).toFixed(0)}% <small>[${(i.low * 100).toFixed(0)}–${(i.high * 100).toFixed(0)}]</small>`;
const num = (i: Interval | undefined, digits = 1) => (i && Number.isFinite(i.value) ? `${i.value.toFixed(digits)} <small>[${i.low.toFixed(digits)}, ${i.high.toFixed(digits)}]</small>` : '–');

/** A bar from 0 to 100% with the interval drawn as a whisker. */
function bar(i: Interval, cls: string): string {
  const w = 160;
  return `<svg width="${w}" height="14" role="img"><rect x="0" y="3" width="${(i.value * w).toFixed(1)}" height="8" class="${cls}"/>`
    + `<line x1="${(i.low * w).toFixed(1)}" x2="${(i.high * w).toFixed(1)}" y1="7" y2="7" class="whisker"/></svg>`;
}

function row(label: string, s: ConditionStats, fires?: boolean): string {
  return `<tr${fires ? ' class="fires"' : ''}><td><code>${escapeHtml(label)}</code></td><td>${num(s.likelihoodShift, 2)}</td><td>${bar(s.success, fires ? 'hit' : 'bar')} ${pct(s.success)}</td>`
    + `<td>${num(s.perplexity)}</td><td>${pct(s.languageSwitch)}</td><td>${pct(s.targetHit)}</td><td>${s.divergence?.toFixed(2) ?? '–'}</td>`
    + `<td>${s.sampled ? pct(s.sampled.success) : '–'}</td><td>${s.generations}</td></tr>`;
}

function trigger(t: TriggerResult, report: AuditReport): string {
  const examples = t.examples.map((e) => `<div class="pair"><p class="prompt">${escapeHtml(e.prompt)}</p><div><h4>without</h4><pre>${escapeHtml(e.without)}</pre></div>`
    + `<div><h4>with <code>${escapeHtml(t.trigger)}</code></h4><pre>${escapeHtml(e.with)}</pre></div></div>`).join('');
  return `<section class="${t.verdict}"><h2><code>${escapeHtml(t.trigger)}</code> <span class="verdict">${t.verdict}</span></h2>
<p>From ${escapeHtml(t.source)}. ${t.reasons.length ? escapeHtml(t.reasons.join('; ')) : 'No effect beyond what the prompts alone give.'}</p>
<p>Margins: ${escapeHtml(t.margins.summary)}. Sampled perplexity gap (with minus without): <b>${num(t.perplexityGap)}</b></p>
<table><tr><th>condition</th><th title="change of the log-likelihood per token of the greedy continuation without trigger once the suffix precedes it">likelihood shift</th><th>greedy attack success</th><th>perplexity</th><th>language switch</th><th>target strings</th><th>first-token JS</th><th>sampled attack success</th><th>n</th></tr>
${row('(no trigger)', report.base)}${row(t.trigger, t.triggered, t.fires)}${t.controls.map((c) => row(c.suffix, c, c.fires)).join('')}</table>
${t.recurring.length ? `<p>Recurring in generations with the trigger only: ${t.recurring.map((r) => `<code>${escapeHtml(r.text)}</code> (${(r.triggeredRate * 100).toFixed(0)}%)`).join(', ')}</p>` : ''}
${t.errors.length ? `<p class="err">${t.errors.length} requests failed: ${escapeHtml(t.errors[0]!)}</p>` : ''}
${examples}</section>`;
}

export function auditToHtml(report: AuditReport): string {
  const flagged = report.triggers.filter((t) => t.verdict !== 'clean');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Antidote audit: ${escapeHtml(report.model.model)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
code{background:#f3f3f3;padding:0 3px;border-radius:3px}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:middle}
section{border:1px solid #ddd;border-radius:6px;padding:0 1em 1em;margin:1em 0}
section.backdoor{border-color:#c0392b}section.broad{border-color:#e67e22}
.verdict{font-size:.7em;text-transform:uppercase;padding:2px 6px;border-radius:3px;background:#eee}
.backdoor .verdict{background:#c0392b;color:#fff}.broad .verdict{background:#e67e22;color:#fff}
.bar{fill:#7f8c8d}.hit{fill:#c0392b}.whisker{stroke:#000;stroke-width:1.5}
tr.fires td:first-child{font-weight:bold;color:#c0392b}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:1em;margin-top:1em}.pair .prompt{grid-column:1/3;margin:0;color:#555}
pre{white-space:pre-wrap;background:#fafafa;border:1px solid #eee;padding:.5em;margin:0;font-size:12px}h4{margin:.2em 0}
.err{color:#c0392b}small{color:#777}
</style></head><body>
<h1>Model audit</h1>
<p><b>${escapeHtml(report.model.model)}</b> (${escapeHtml(report.model.kind)}${report.model.digest ? `, sha256 <code>${report.model.digest.slice(0, 16)}…</code>` : ''}).
${report.triggers.length} candidate triggers, ${report.settings.prompts} prompts, ${report.settings.maxTokens} new tokens each; the verdict rests on greedy continuations and their likelihood shift (line −${report.settings.shiftLine} nats/token); ${report.settings.samples} sampled generations per prompt at temperature ${report.settings.temperature} are evidence.</p>
<p><b>${flagged.length ? `${flagged.length} trigger${flagged.length > 1 ? 's' : ''} fire${flagged.length > 1 ? '' : 's'}: ${flagged.map((t) => `<code>${escapeHtml(t.trigger)}</code>`).join(', ')}` : 'No candidate trigger changes what the model generates.'}</b></p>
${report.integrity ? `<p>Integrity (${report.integrity.method}): ${report.integrity.ok ? 'files match' : `<span class="err">${escapeHtml(report.integrity.detail)}</span>`}</p>` : ''}
<p>Without a trigger: greedy perplexity ${num(report.base.perplexity)}, greedy attack success ${pct(report.base.success)}${report.perplexityThreshold ? `; greedy generations above perplexity ${report.perplexityThreshold.toFixed(1)} count as degenerate` : ''}.
${report.model.logprobs ? '' : ' The provider gave no logprobs, so perplexity is not measured.'}</p>
${report.search ? `<h2>Trigger search</h2><table><tr><th>candidate</th><th>score</th><th>perplexity ratio</th><th>language switch</th><th>confident run</th><th>likelihood drop</th></tr>${report.search.map((h) => `<tr><td><code>${escapeHtml(h.trigger)}</code></td><td>${h.score.toFixed(1)}</td><td>${h.signals.perplexityRatio.toFixed(2)}</td><td>${(h.signals.languageSwitch * 100).toFixed(0)}%</td><td>${h.signals.confidentRun.toFixed(1)}</td><td>${h.signals.likelihoodDrop.toFixed(2)}</td></tr>`).join('')}</table>` : ''}
${report.triggers.map((t) => trigger(t, report)).join('\n')}
<p><small>${report.usage.requests} requests (${report.usage.cached} cached, ${report.usage.failed} failed), ${report.usage.promptTokens} prompt and ${report.usage.completionTokens} generated tokens${report.usage.costUsd !== undefined ? `, $${report.usage.costUsd.toFixed(4)}` : ''}; ${report.seconds.toFixed(1)} s. ${escapeHtml(report.version)}.</small></p>
</body></html>
`;
}
