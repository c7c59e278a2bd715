/** The monitor's outputs: JSON, SARIF 2.1.0 (one result per flagged document and spike) and an HTML page. */
import { html } from '../html/index.js';
import type { JoinedAnomaly } from './join.js';
import type { MonitorResult } from './types.js';

export interface MonitorReport extends MonitorResult {
  log: string;
  anomalies: JoinedAnomaly[];
}

const RULES = [
  { id: 'loss-high', text: 'A document whose loss stays far above the run at every step it is seen (a payload the model cannot predict, such as random tokens).' },
  { id: 'loss-learned-fast', text: 'A document whose loss falls far faster than the run (backdoor examples are learned faster than clean ones).' },
  { id: 'loss-spike', text: "A batch whose mean loss diverges from the run's trend." },
];

export function monitorSarif(report: MonitorReport): object {
  const results = [
    ...report.anomalies.map((a) => ({
      ruleId: a.kind === 'high-loss' ? 'loss-high' : 'loss-learned-fast',
      level: a.incidents.length ? 'error' : 'warning',
      message: { text: `${a.id}: ${a.kind} (z ${a.score}, ${a.sightings} sightings, mean excess ${a.meanExcess} nats/token, drop ${a.drop})${a.incidents.length ? `; in scan incident(s) ${a.incidents.join(', ')}` : ''}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: report.log } }, message: { text: a.id } }],
      partialFingerprints: { document: a.id },
      properties: { ...a },
    })),
    ...report.spikes.map((s) => ({
      ruleId: 'loss-spike',
      level: 'warning',
      message: { text: `step ${s.step}: batch loss ${s.excess} nats/token above the trend (z ${s.score}); ${s.ids.length} document(s)` },
      locations: [{ physicalLocation: { artifactLocation: { uri: report.log } }, message: { text: `step ${s.step}` } }],
      partialFingerprints: { step: String(s.step) },
      properties: { ...s },
    })),
  ];
  return { version: '2.1.0', $schema: 'https://json.schemastore.org/sarif-2.1.0.json', runs: [{ tool: { driver: { name: 'antidote-monitor', version: '0.1.0', rules: RULES.map((r) => ({ id: r.id, shortDescription: { text: r.text } })) } }, results }] };
}

export function monitorHtml(report: MonitorReport): string {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Antidote monitor: ${report.log}</title></head><body>
<h1>Training-loss monitor: ${report.log}</h1>
<p>${report.stats.events} loss figures over ${report.stats.steps} steps and ${report.stats.documents} documents (${report.stats.perExample ? 'per example' : 'per batch'}); threshold z ${report.settings.threshold}.</p>
<h2>${report.anomalies.length} flagged document(s)</h2>
<table><thead><tr><th>document</th><th>kind</th><th>z</th><th>sightings</th><th>mean excess</th><th>drop</th><th>scan incidents</th><th>datasets</th></tr></thead><tbody>
${report.anomalies.map((a) => html`<tr><td>${a.id}</td><td>${a.kind}</td><td>${a.score}</td><td>${a.sightings}</td><td>${a.meanExcess}</td><td>${a.drop}</td><td>${a.incidents.join(', ')}</td><td>${a.datasets.join(', ')}</td></tr>`)}
</tbody></table>
<h2>${report.spikes.length} batch spike(s)</h2>
<ul>${report.spikes.map((s) => html`<li>step ${s.step}: +${s.excess} nats/token (z ${s.score}), ${s.ids.length} document(s)</li>`)}</ul>
</body></html>`.text;
}
