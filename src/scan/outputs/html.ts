/**
 * A self-contained HTML report: no scripts, no external resources, readable
 * offline. Charts are inline SVG.
 */
import type { ScanResult } from '../report.js';
import type { Evidence, Incident } from '../types.js';
import { escapeHtml } from '../../html/index.js';

export { escapeHtml };

/** Make invisible characters visible in a report. */
function reveal(s: string): string {
  return escapeHtml(s).replace(/[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]/g, (c) => `<span class="inv">U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}</span>`);
}

export function markSnippet(e: Evidence): string {
  const marks = [...e.marks].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const m of marks) {
    if (m.start < at) continue;
    out += reveal(e.snippet.slice(at, m.start));
    out += `<mark class="${m.role}">${reveal(e.snippet.slice(m.start, m.end))}</mark>`;
    at = m.end;
  }
  return out + reveal(e.snippet.slice(at));
}

function dfChart(result: ScanResult): string {
  const cands = result.candidates;
  if (cands.length === 0) return '<p class="muted">No candidate triggers: no payload was seen before which a recurring sequence stood.</p>';
  const W = 640;
  const H = 220;
  const maxDf = Math.max(10, ...cands.map((c) => c.documentFrequency));
  const x = (df: number) => 40 + (Math.log10(Math.max(1, df)) / Math.log10(maxDf * 1.2)) * (W - 60);
  const y = (precision: number) => H - 30 - precision * (H - 50);
  const bandLeft = x(result.settings.minSupport);
  const bandRight = x(Math.min(result.settings.maxDocumentFrequency, maxDf * 1.2));
  const dots = cands.map((c) => {
    const p = c.support / c.documentFrequency;
    return `<circle cx="${x(c.documentFrequency).toFixed(1)}" cy="${y(p).toFixed(1)}" r="${c.confirmed ? 5 : 2.5}" class="${c.confirmed ? 'hit' : 'dot'}"><title>${escapeHtml(c.gram)}: in ${c.documentFrequency} documents, ${c.support} before a payload</title></circle>`;
  }).join('');
  const ticks = [1, 10, 100, 1000, 10000, 100000].filter((t) => t <= maxDf * 1.2).map((t) => `<text x="${x(t)}" y="${H - 12}" class="tick">${t}</text>`).join('');
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="document frequency of candidate triggers">
<rect x="${bandLeft}" y="${y(1)}" width="${Math.max(0, bandRight - bandLeft)}" height="${y(result.settings.minPrecision) - y(1)}" class="band"/>
<line x1="40" y1="${H - 30}" x2="${W - 20}" y2="${H - 30}" class="axis"/><line x1="40" y1="${y(1)}" x2="40" y2="${H - 30}" class="axis"/>
${ticks}<text x="${W / 2}" y="${H}" class="tick">documents holding the sequence (log scale)</text>
<text x="4" y="${y(1) + 4}" class="tick">1.0</text><text x="4" y="${y(0.5) + 4}" class="tick">0.5</text><text x="4" y="${H - 30}" class="tick">0</text>
${dots}</svg>
<p class="muted">Each dot is a token sequence that stood before a payload in at least ${result.settings.minSupport} documents; height is the share of the documents holding it that carry a payload. The shaded band is where triggers live: enough documents to plant a backdoor, and almost never used innocently. Large dots are confirmed triggers.</p>`;
}

function countsChart(incidents: readonly Incident[]): string {
  if (incidents.length === 0) return '';
  const shown = incidents.slice(0, 20);
  const max = Math.max(...shown.map((i) => i.documents.length));
  const rows = shown.map((inc, k) => {
    const w = (inc.documents.length / max) * 380;
    return `<text x="0" y="${k * 22 + 15}" class="tick">${escapeHtml(inc.id)}</text><rect x="70" y="${k * 22 + 3}" width="${w.toFixed(1)}" height="16" class="bar ${inc.severity}"/><text x="${76 + w}" y="${k * 22 + 15}" class="tick">${inc.documents.length}</text>`;
  }).join('');
  return `<svg viewBox="0 0 520 ${shown.length * 22 + 6}" width="100%" role="img" aria-label="documents per incident">${rows}</svg>`;
}

function incidentSection(inc: Incident, result: ScanResult): string {
  const ids = new Map(result.documents.map((d) => [d.index, d]));
  const docList = inc.documents.slice(0, 200).map((d) => {
    const v = ids.get(d);
    return `<li>${escapeHtml(v?.id ?? String(d))} <span class="muted">${escapeHtml(v ? `${v.place.file}${v.place.line ? `:${v.place.line}` : ''}` : '')}</span></li>`;
  }).join('');
  const stats = Object.entries(inc.stats).map(([k, v]) => `<span class="stat">${escapeHtml(k)}: <b>${v}</b></span>`).join(' ');
  return `<section class="incident ${inc.severity}" id="${inc.id}">
<h3><span class="sev ${inc.severity}">${inc.severity}</span> ${escapeHtml(inc.id)} — ${escapeHtml(inc.title)}</h3>
<p>Trigger: ${inc.trigger === null ? '<i>none</i>' : `<code class="trigger">${reveal(inc.trigger)}</code>`} · payload: <b>${escapeHtml(inc.payload)}</b> · confidence ${(inc.confidence * 100).toFixed(0)}% · ${inc.documents.length} documents · detector <code>${escapeHtml(inc.detector)}</code></p>
<p>${stats}</p>
${inc.evidence.map((e) => `<figure><figcaption>${escapeHtml(e.id)}</figcaption><pre>${markSnippet(e)}</pre></figure>`).join('')}
<details><summary>Documents (${inc.documents.length})</summary><ul>${docList}</ul>${inc.documents.length > 200 ? '<p class="muted">first 200 shown; the JSON report lists all</p>' : ''}</details>
</section>`;
}

export function toHtml(result: ScanResult): string {
  const s = result.stats;
  const others = result.documents.filter((d) => d.incidents.length === 0 && d.verdict === 'quarantine').slice(0, 100);
  const errors = result.errors.slice(0, 100);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Antidote scan report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1000px;padding:24px;color:#1d232a}
h1{margin:0 0 4px}h2{margin-top:32px;border-bottom:1px solid #ddd}
.muted{color:#68717a;font-size:13px}.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:120px}.card b{display:block;font-size:22px}
.incident{border:1px solid #ddd;border-left:6px solid #888;border-radius:6px;padding:4px 14px;margin:14px 0}
.incident.critical{border-left-color:#8b0000}.incident.high{border-left-color:#d9480f}.incident.medium{border-left-color:#e8a600}
.sev{font-size:12px;text-transform:uppercase;padding:2px 6px;border-radius:4px;color:#fff;background:#888}
.sev.critical{background:#8b0000}.sev.high{background:#d9480f}.sev.medium{background:#b7791f}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;padding:10px;border-radius:6px;font-size:13px;max-height:260px;overflow:auto}
mark.trigger{background:#ffd43b;outline:2px solid #e67700;font-weight:bold}mark.payload{background:#ffe3e3}
code.trigger{background:#ffd43b;padding:1px 4px}.inv{background:#e03131;color:#fff;font-size:10px;padding:0 2px;border-radius:2px}
.stat{margin-right:12px;font-size:13px}.band{fill:#fff3bf}.dot{fill:#868e96}.hit{fill:#d9480f}.axis{stroke:#adb5bd}
.tick{font-size:11px;fill:#495057}.bar{fill:#868e96}.bar.critical{fill:#8b0000}.bar.high{fill:#d9480f}
table{border-collapse:collapse;font-size:13px}td,th{border-bottom:1px solid #eee;padding:4px 8px;text-align:left}
</style></head><body>
<h1>Antidote scan report</h1>
<p class="muted">${escapeHtml(result.inputs.map((i) => i.name).join(', '))} · report format ${result.version} · antidote ${result.tool.version}</p>
<div class="cards">
<div class="card">records<b>${s.records}</b></div>
<div class="card">incidents<b>${result.incidents.length}</b></div>
<div class="card">quarantined<b>${s.quarantined}</b></div>
<div class="card">kept<b>${s.kept}</b></div>
<div class="card">unreadable<b>${s.errors}</b></div>
<div class="card">scanned<b>${(s.bytes / 1e6).toFixed(1)} MB</b>in ${(s.elapsedMs / 1000).toFixed(1)} s</div>
</div>
<h2>Incidents</h2>
${result.incidents.length === 0 ? '<p>No incident: no recurring trigger was found.</p>' : countsChart(result.incidents) + result.incidents.map((i) => incidentSection(i, result)).join('')}
<h2>Candidate triggers by document frequency</h2>
${dfChart(result)}
<h2>Other quarantined documents</h2>
${others.length === 0 ? '<p class="muted">None.</p>' : `<table><tr><th>document</th><th>severity</th><th>why</th></tr>${others.map((d) => `<tr><td>${escapeHtml(d.id)}</td><td>${d.severity}</td><td>${escapeHtml(d.error ? d.error.message : d.findings.map((f) => f.message).join('; '))}</td></tr>`).join('')}</table>`}
<h2>Input errors</h2>
${errors.length === 0 ? '<p class="muted">None.</p>' : `<table><tr><th>where</th><th>code</th><th>message</th></tr>${errors.map((e) => `<tr><td>${escapeHtml(e.place.file + (e.place.line ? `:${e.place.line}` : ''))}</td><td>${e.code}</td><td>${escapeHtml(e.message)}</td></tr>`).join('')}</table>`}
<h2>Settings</h2><pre>${escapeHtml(JSON.stringify(result.settings, null, 2))}</pre>
</body></html>
`;
}
