/**
 * Folds ledger entries, in order, into the review database's tables. Each
 * kind of record has one place it lands; a decision moves its incident's
 * state with the same lifecycle the ledger-only checks use.
 */
import type Database from 'better-sqlite3';
import type { DatasetRecord, DecisionRecord, IncidentRecord, ModelRecord, ScanRecord, StoredEntry } from '../ledger/index.js';
import { SEVERITIES, type Severity } from '../scan/types.js';
import { guardIncidentKey, incidentKey, incidentsOfScan, nextState, type ReviewState } from './lifecycle.js';

const rank = (s: string): number => Math.max(0, SEVERITIES.indexOf(s as Severity));

/** A guard refusal is high; one only flagged (alert mode) is medium. */
function guardSeverity(record: IncidentRecord): Severity {
  return record.action === 'flagged' ? 'medium' : 'high';
}

export class Projector {
  private readonly insertIncident: Database.Statement;
  private readonly insertIncidentDoc: Database.Statement;
  private readonly insertIncidentDataset: Database.Statement;
  private readonly datasetsOfDoc: Database.Statement;
  private readonly insertDocument: Database.Statement;
  private readonly insertDecision: Database.Statement;
  private readonly stateOf: Database.Statement;
  private readonly setState: Database.Statement;
  private readonly clearAffected: Database.Statement;
  private readonly insertAffected: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.insertIncident = db.prepare(`INSERT OR REPLACE INTO incidents (key, source, entry, title, detector, severity, severity_rank, payload, trigger, dataset, documents, state, created, updated)
      VALUES (@key, @source, @entry, @title, @detector, @severity, @rank, @payload, @trigger, @dataset, @documents, 'open', @created, @created)`);
    this.insertIncidentDoc = db.prepare('INSERT INTO incident_documents (key, doc_id) VALUES (?, ?)');
    this.insertIncidentDataset = db.prepare('INSERT INTO incident_datasets (key, dataset) VALUES (?, ?)');
    this.datasetsOfDoc = db.prepare('SELECT DISTINCT dataset FROM documents WHERE doc_id = ?').pluck();
    this.insertDocument = db.prepare('INSERT INTO documents (doc_id, dataset, sha256, entry) VALUES (?, ?, ?, ?)');
    this.insertDecision = db.prepare('INSERT OR REPLACE INTO decisions (entry, key, action, by, reason, created) VALUES (?, ?, ?, ?, ?, ?)');
    this.stateOf = db.prepare('SELECT state FROM incidents WHERE key = ?').pluck();
    this.setState = db.prepare('UPDATE incidents SET state = ?, updated = ? WHERE key = ?');
    this.clearAffected = db.prepare('DELETE FROM affected WHERE key = ?');
    this.insertAffected = db.prepare('INSERT INTO affected (key, dataset) VALUES (?, ?)');
  }

  apply(e: StoredEntry): void {
    if (e.kind === 'document') {
      if (e.docId !== null && e.dataset !== null) this.insertDocument.run(e.docId, e.dataset, e.sha256, e.index);
      return;
    }
    const record = JSON.parse(e.record);
    if (e.kind === 'scan') this.scan(record as ScanRecord);
    else if (e.kind === 'incident') this.guard(record as IncidentRecord);
    else if (e.kind === 'decision') this.decision(record as DecisionRecord);
    else if (e.kind === 'dataset') {
      const d = record as DatasetRecord;
      this.db.prepare('INSERT OR REPLACE INTO datasets (name, entry, documents) VALUES (?, ?, ?)').run(d.dataset, d.entry, d.documents);
    } else if (e.kind === 'model') {
      const m = record as ModelRecord;
      this.db.prepare('INSERT OR REPLACE INTO models (entry, name, manifest, trained_on, created) VALUES (?, ?, ?, ?, ?)').run(m.entry, m.name, m.manifest, JSON.stringify(m.trainedOn ?? []), m.created);
    }
  }

  private scan(scan: ScanRecord): void {
    // A re-projection keeps the report attached to the scan.
    this.db.prepare('INSERT INTO scans (entry, report_sha256, dataset, created) VALUES (?, ?, ?, ?) ON CONFLICT (entry) DO NOTHING').run(scan.entry, scan.report.sha256, scan.dataset ?? null, scan.created);
    for (const { key, incident } of incidentsOfScan(scan)) {
      // The versions holding its documents now; the incident page looks again when it is opened.
      const datasets = new Set<string>(scan.dataset ? [scan.dataset] : []);
      for (const id of incident.documents) for (const d of this.datasetsOfDoc.all(id) as string[]) datasets.add(d);
      for (const d of datasets) this.insertIncidentDataset.run(key, d);
      this.insertIncident.run({
        key, source: 'scan', entry: scan.entry, title: `${incident.detector}: ${incident.payload}`, detector: incident.detector, severity: incident.severity, rank: rank(incident.severity),
        payload: incident.payload, trigger: incident.trigger, dataset: datasets.size ? [...datasets].sort().join(', ') : null, documents: incident.documentCount, created: scan.created,
      });
      for (const id of incident.documents) this.insertIncidentDoc.run(key, id);
    }
  }

  private guard(record: IncidentRecord): void {
    const first = record.flags[0];
    const severity = guardSeverity(record);
    this.insertIncident.run({
      key: guardIncidentKey(record), source: 'guard', entry: record.entry, title: `guard ${record.action} on ${record.route}`, detector: first?.detector ?? first?.screen ?? 'guard', severity, rank: rank(severity),
      payload: first?.screen ?? 'guard', trigger: record.flags.find((f) => f.trigger)?.trigger ?? null, dataset: null, documents: 0, created: record.created,
    });
  }

  private decision(d: DecisionRecord): void {
    const key = incidentKey(d.incident);
    this.insertDecision.run(d.entry, key, d.action, d.by, d.reason ?? null, d.created);
    const current = this.stateOf.get(key) as ReviewState | undefined;
    if (current === undefined || d.action === 'comment') return;
    const next = nextState(current, d.action, d.reason);
    if (typeof next !== 'string') return;
    this.setState.run(next, d.created, key);
    this.clearAffected.run(key);
    if (next === 'confirmed') for (const dataset of d.affected?.datasets ?? []) this.insertAffected.run(key, dataset);
  }
}
