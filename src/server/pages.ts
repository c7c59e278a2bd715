/**
 * The review pages, rendered on the server: the sign-in form, the incident
 * queue with filters, bulk decisions and pages, an incident with its
 * evidence, and the models with their standing. Forms post to the JSON API's
 * own endpoints, which answer a form with a redirect.
 */
import { REVIEW_STATES, type IncidentFilter, type IncidentRow, type ModelRow } from '../review/index.js';
import { html, type Html } from '../html/index.js';

export interface PageContext {
  user: { name: string; role: string };
  csrf: string;
  canDecide: boolean;
}

export function layout(title: string, body: Html, ctx?: PageContext): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Antidote review</title><link rel="stylesheet" href="/assets/review.css"></head>
<body><header><a class="brand" href="/incidents">Antidote review</a>${
    ctx
      ? html`<nav><a href="/incidents">Incidents</a> <a href="/models">Models</a></nav>
<form method="post" action="/logout" class="who"><span>${ctx.user.name} (${ctx.user.role})</span><input type="hidden" name="csrf" value="${ctx.csrf}"><button>Sign out</button></form>`
      : ''
  }</header>
<main>${body}</main></body></html>`.text;
}

export function loginPage(loginCsrf: string, error?: string): string {
  return layout('Sign in', html`<h1>Sign in</h1>${error ? html`<p class="error" role="alert">${error}</p>` : ''}
<form method="post" action="/login" class="login">
<label>API token <input type="password" name="token" autocomplete="off" required></label>
<input type="hidden" name="csrf" value="${loginCsrf}"><button>Sign in</button></form>
<p class="hint">An admin makes tokens with <code>antidote server user NAME --role reviewer</code>.</p>`);
}

const DECISIONS: Array<[string, string]> = [['confirm', 'Confirm as poison'], ['false-positive', 'False positive'], ['accept-risk', 'Accept the risk'], ['reopen', 'Reopen']];

function select(name: string, values: readonly string[], chosen: string | undefined): Html {
  return html`<label>${name} <select name="${name}"><option value="">any</option>${values.map((v) => html`<option value="${v}"${v === chosen ? html` selected` : ''}>${v}</option>`)}</select></label>`;
}

function queryOf(filter: IncidentFilter, page: number): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filter)) if (v) q.set(k, v);
  if (page > 1) q.set('page', String(page));
  return q.size ? `?${q}` : '';
}

export function queuePage(ctx: PageContext, data: { filter: IncidentFilter; facets: Record<keyof IncidentFilter, string[]>; items: IncidentRow[]; total: number; page: number; pageSize: number }): string {
  const { filter, facets, items, total, page, pageSize } = data;
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const states = [...new Set([...REVIEW_STATES, ...facets.state])];
  return layout('Incidents', html`<h1>Incidents <small>${total} matching</small></h1>
<form method="get" action="/incidents" class="filters">${select('detector', facets.detector, filter.detector)}${select('severity', facets.severity, filter.severity)}${select('dataset', facets.dataset, filter.dataset)}${select('state', states, filter.state)}<button>Filter</button></form>
<form method="post" action="/api/decisions" id="bulk">
<input type="hidden" name="csrf" value="${ctx.csrf}"><input type="hidden" name="back" value="/incidents${queryOf(filter, page)}">
<table class="queue"><thead><tr>${ctx.canDecide ? html`<th><span class="sr">select</span></th>` : ''}<th>Incident</th><th>State</th><th>Severity</th><th>Detector</th><th>Trigger</th><th>Docs</th><th>Dataset</th><th>Reported</th></tr></thead><tbody>
${items.map((i) => html`<tr class="${i.state}">${ctx.canDecide ? html`<td><input type="checkbox" name="keys" value="${i.key}" aria-label="select ${i.key}"></td>` : ''}<td><a href="/incidents/${encodeURIComponent(i.key)}">${i.key}</a></td><td><span class="state ${i.state}">${i.state}</span></td><td><span class="sev ${i.severity}">${i.severity}</span></td><td>${i.detector}</td><td class="trigger">${i.trigger ?? '—'}</td><td>${i.documents}</td><td>${i.dataset ?? ''}</td><td>${i.created.slice(0, 16).replace('T', ' ')}</td></tr>`)}
</tbody></table>
${ctx.canDecide ? html`<fieldset class="bulk"><legend>Decide on the selected incidents</legend><select name="action" aria-label="decision">${DECISIONS.map(([v, label]) => html`<option value="${v}">${label}</option>`)}</select> <input name="reason" placeholder="reason (needed for false positive and accepted risk)" maxlength="4000"> <button>Apply</button></fieldset>` : ''}
</form>
<nav class="pages">${page > 1 ? html`<a rel="prev" href="/incidents${queryOf(filter, page - 1)}">← previous</a>` : ''} page ${page} of ${pages} ${page < pages ? html`<a rel="next" href="/incidents${queryOf(filter, page + 1)}">next →</a>` : ''}</nav>`, ctx);
}

export function modelsPage(ctx: PageContext, models: ModelRow[]): string {
  return layout('Models', html`<h1>Models</h1><table><thead><tr><th>Model</th><th>Entry</th><th>Trained on</th><th>Standing</th></tr></thead><tbody>
${models.map((m) => html`<tr><td>${m.name}</td><td>${m.entry}</td><td>${m.trainedOn.join(', ') || '—'}</td><td>${m.affectedBy.length ? html`<span class="state confirmed">affected</span> by ${m.affectedBy.map((k) => html`<a href="/incidents/${encodeURIComponent(k)}">${k}</a> `)}` : 'no confirmed incident'}</td></tr>`)}
</tbody></table>`, ctx);
}

export { DECISIONS };
