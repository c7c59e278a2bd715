/**
 * The review database over one ledger: caught up with the ledger before it
 * answers, then queried by the server and the `incident` commands.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AntidoteError } from '../errors/index.js';
import { sha256Hex, type Ledger } from '../ledger/index.js';
import type { ScanResult } from '../scan/index.js';
import { PROJECTED_TABLES, PROJECTION_VERSION, REVIEW_SCHEMA } from './schema.js';
import { Projector } from './project.js';
import { incidentKey, type ReviewState } from './lifecycle.js';

export interface IncidentFilter {
  detector?: string;
  severity?: string;
  dataset?: string;
  state?: string;
}

export interface IncidentRow {
  key: string;
  source: 'scan' | 'guard';
  entry: number;
  title: string;
  detector: string;
  severity: string;
  payload: string;
  trigger: string | null;
  dataset: string | null;
  documents: number;
  state: ReviewState;
  created: string;
  updated: string;
}

export interface DecisionRow {
  entry: number;
  action: string;
  by: string;
  reason: string | null;
  created: string;
}

export interface ModelRow {
  entry: number;
  name: string;
  trainedOn: string[];
  /** incidents (keys) whose confirmation names a dataset the model was trained on */
  affectedBy: string[];
}

/** What a scan's full report adds to an incident: its snippets, figures and the candidate chart. */
export interface IncidentEvidence {
  title: string;
  confidence: number;
  triggerParts: string[];
  evidence: ScanResult['incidents'][number]['evidence'];
  stats: Record<string, number>;
}

export interface IncidentDetail extends IncidentRow {
  documentIds: string[];
  /** every dataset version holding one of the incident's documents */
  datasetsHolding: string[];
  history: DecisionRow[];
  evidence?: IncidentEvidence;
  candidates?: ScanResult['candidates'];
  /** with a confirmed incident: the dataset versions its confirmation named, and the models trained on them */
  affected: { datasets: string[]; models: string[] };
}

const COLUMNS = 'key, source, entry, title, detector, severity, payload, trigger, dataset, documents, state, created, updated';
/** candidates kept per scan for the chart: the most frequent, and every confirmed one */
const CHART_CANDIDATES = 60;

export class ReviewStore {
  private constructor(readonly db: Database.Database, readonly ledger: Ledger, readonly location: string) {}

  /** Opens (or makes) the review database at `path` for `ledger`; refuses one made for another ledger. */
  static async open(path: string, ledger: Ledger): Promise<ReviewStore> {
    if (!existsSync(dirname(path))) mkdirSync(dirname(path), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 10000');
      db.exec(REVIEW_SCHEMA);
    } catch (e) {
      throw new AntidoteError('INPUT_UNREADABLE', `cannot open the review database (${(e as Error).message})`, { file: path }, { cause: e });
    }
    const owner = `${ledger.origin} ${ledger.verifier.text}`;
    const recorded = db.prepare("SELECT value FROM meta WHERE key = 'ledger'").pluck().get() as string | undefined;
    if (recorded === undefined) db.prepare("INSERT INTO meta (key, value) VALUES ('ledger', ?), ('seen', '0')").run(owner);
    else if (recorded !== owner) {
      db.close();
      throw new AntidoteError('USAGE', `this review database belongs to another ledger (${recorded.split(' ')[0]}); give this ledger its own with --review-db`, { file: path });
    }
    const version = db.prepare("SELECT value FROM meta WHERE key = 'projection'").pluck().get() as string | undefined;
    if (version !== PROJECTION_VERSION) {
      db.transaction(() => {
        for (const table of PROJECTED_TABLES) db.exec(`DELETE FROM ${table}`);
        db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('seen', '0'), ('projection', ?)").run(PROJECTION_VERSION);
      })();
    }
    const store = new ReviewStore(db, ledger, path);
    await store.catchUp();
    return store;
  }

  /** Projects the ledger entries appended since the last catch-up; the number projected. */
  async catchUp(): Promise<number> {
    const seenNow = (): number => Number(this.db.prepare("SELECT value FROM meta WHERE key = 'seen'").pluck().get());
    const size = await this.ledger.store.size();
    if (size === seenNow()) return 0;
    // One transaction, which also reads how far the projection got: a reader never sees half a catch-up,
    // a crash redoes it whole, and two processes catching up at once do not project an entry twice.
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const seen = seenNow();
      if (size < seen) throw new AntidoteError('VERIFICATION_FAILED', `the ledger holds ${size} entries but the review database has seen ${seen}: the ledger was truncated or replaced; verify it, then delete ${this.location} to rebuild`);
      const projector = new Projector(this.db);
      for await (const e of this.ledger.store.entries(seen, size)) projector.apply(e);
      this.db.prepare("UPDATE meta SET value = ? WHERE key = 'seen'").run(String(size));
      this.db.exec('COMMIT');
      return size - seen;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  private where(filter: IncidentFilter): { sql: string; args: string[] } {
    const parts: string[] = [];
    const args: string[] = [];
    for (const column of ['detector', 'severity', 'state'] as const) {
      const value = filter[column];
      if (value) (parts.push(`${column} = ?`), args.push(value));
    }
    if (filter.dataset) (parts.push('key IN (SELECT key FROM incident_datasets WHERE dataset = ?)'), args.push(filter.dataset));
    return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', args };
  }

  /** A page of incidents, most severe and newest first, and how many match. */
  list(filter: IncidentFilter, page: { offset: number; limit: number }): { items: IncidentRow[]; total: number } {
    const { sql, args } = this.where(filter);
    const total = this.db.prepare(`SELECT COUNT(*) FROM incidents ${sql}`).pluck().get(...args) as number;
    const items = this.db.prepare(`SELECT ${COLUMNS} FROM incidents ${sql} ORDER BY severity_rank DESC, entry DESC, key LIMIT ? OFFSET ?`).all(...args, page.limit, page.offset) as IncidentRow[];
    return { items, total };
  }

  guardIncidentCount(): number {
    return this.db.prepare("SELECT COUNT(*) FROM incidents WHERE source = 'guard'").pluck().get() as number;
  }

  /** The values each filter can take, for the queue's menus. */
  facets(): Record<keyof IncidentFilter, string[]> {
    const values = (column: string, table = 'incidents'): string[] => this.db.prepare(`SELECT DISTINCT ${column} FROM ${table} ORDER BY ${column}`).pluck().all() as string[];
    return { detector: values('detector'), severity: values('severity'), dataset: values('dataset', 'incident_datasets'), state: values('state') };
  }

  row(key: string): IncidentRow | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM incidents WHERE key = ?`).get(key) as IncidentRow | undefined;
  }

  /** Dataset versions holding an incident's documents: those linked when it was recorded, and any recorded since. */
  datasetsHolding(key: string, documentIds = this.documentIds(key)): string[] {
    const found = new Set(this.db.prepare('SELECT dataset FROM incident_datasets WHERE key = ?').pluck().all(key) as string[]);
    const query = this.db.prepare('SELECT DISTINCT dataset FROM documents WHERE doc_id = ?').pluck();
    for (const id of documentIds) for (const d of query.all(id) as string[]) found.add(d);
    return [...found].sort();
  }

  /** The ids the scan record lists for an incident (at most 1000 of them). */
  documentIds(key: string): string[] {
    return this.db.prepare('SELECT doc_id FROM incident_documents WHERE key = ?').pluck().all(key) as string[];
  }

  /** The ledger's document records for `docIds`, in every dataset version holding them. */
  documentsOf(docIds: readonly string[]): Array<{ docId: string; dataset: string; sha256: string | null }> {
    const query = this.db.prepare('SELECT doc_id AS docId, dataset, sha256 FROM documents WHERE doc_id = ? ORDER BY entry');
    return docIds.flatMap((id) => query.all(id) as Array<{ docId: string; dataset: string; sha256: string | null }>);
  }

  datasetVersions(): string[] {
    return this.db.prepare('SELECT name FROM datasets ORDER BY entry').pluck().all() as string[];
  }

  detail(key: string): IncidentDetail | undefined {
    const row = this.row(key);
    if (!row) return undefined;
    const documentIds = this.documentIds(key);
    const history = this.db.prepare('SELECT entry, action, by, reason, created FROM decisions WHERE key = ? ORDER BY entry').all(key) as DecisionRow[];
    const evidence = this.db.prepare('SELECT json FROM evidence WHERE key = ?').pluck().get(key) as string | undefined;
    const candidates = this.db.prepare('SELECT candidates FROM scans WHERE entry = ?').pluck().get(row.entry) as string | null | undefined;
    const datasets = this.db.prepare('SELECT dataset FROM affected WHERE key = ? ORDER BY dataset').pluck().all(key) as string[];
    return {
      ...row, documentIds, datasetsHolding: this.datasetsHolding(key, documentIds), history,
      ...(evidence ? { evidence: JSON.parse(evidence) as IncidentEvidence } : {}),
      ...(candidates ? { candidates: JSON.parse(candidates) as ScanResult['candidates'] } : {}),
      affected: { datasets, models: this.models().filter((m) => m.affectedBy.includes(key)).map((m) => m.name) },
    };
  }

  /** Each model's latest record, with the confirmed incidents in the datasets it was trained on. */
  models(): ModelRow[] {
    const rows = this.db.prepare('SELECT entry, name, trained_on FROM models WHERE entry IN (SELECT MAX(entry) FROM models GROUP BY name) ORDER BY name').all() as Array<{ entry: number; name: string; trained_on: string }>;
    const byDataset = this.db.prepare("SELECT DISTINCT a.key FROM affected a JOIN incidents i ON i.key = a.key WHERE i.state = 'confirmed' AND a.dataset = ?").pluck();
    return rows.map((r) => {
      const trainedOn = JSON.parse(r.trained_on) as string[];
      return { entry: r.entry, name: r.name, trainedOn, affectedBy: [...new Set(trainedOn.flatMap((d) => byDataset.all(d) as string[]))].sort() };
    });
  }

  /**
   * Attaches a scan's JSON report, as written, to the scan recorded with its
   * SHA-256: its incidents gain their evidence and the scan its chart.
   */
  attachReport(text: string, path: string): { entry: number; incidents: number } {
    const sha = sha256Hex(text);
    const entry = this.db.prepare('SELECT entry FROM scans WHERE report_sha256 = ? ORDER BY entry DESC').pluck().get(sha) as number | undefined;
    if (entry === undefined) throw new AntidoteError('USAGE', `no scan in the ledger recorded this report (SHA-256 ${sha}); scan with --record --json to record one`, { file: path });
    let report: ScanResult;
    try {
      report = JSON.parse(text) as ScanResult;
    } catch (e) {
      throw new AntidoteError('INPUT_FORMAT', `the report is not JSON: ${(e as Error).message}`, { file: path });
    }
    const confirmed = report.candidates.filter((c) => c.confirmed);
    const top = [...report.candidates].sort((a, b) => b.documentFrequency - a.documentFrequency).slice(0, CHART_CANDIDATES);
    const chart = [...new Map([...top, ...confirmed].map((c) => [c.gram, c])).values()];
    const put = this.db.prepare('INSERT OR REPLACE INTO evidence (key, json) VALUES (?, ?)');
    this.db.transaction(() => {
      this.db.prepare('UPDATE scans SET report_path = ?, candidates = ? WHERE entry = ?').run(path, JSON.stringify(chart), entry);
      for (const i of report.incidents) {
        const evidence: IncidentEvidence = { title: i.title, confidence: i.confidence, triggerParts: i.triggerParts, evidence: i.evidence, stats: i.stats };
        put.run(incidentKey({ entry, id: i.id }), JSON.stringify(evidence));
      }
    })();
    return { entry, incidents: report.incidents.length };
  }

  close(): void {
    this.db.close();
  }
}
