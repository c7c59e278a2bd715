/**
 * The review database: a SQLite projection of the ledger's incidents,
 * decisions, documents and models, indexed for the queue's filters, plus
 * what the ledger does not hold: the scans' full reports (evidence) and the
 * server's users, tokens and sessions. Everything but the users can be
 * rebuilt from the ledger and the reports.
 */
/** Bumped when a projected table changes; a database of another version is re-projected from the ledger. */
export const PROJECTION_VERSION = '1';

/** The tables rebuilt from the ledger; users, tokens, sessions and attached evidence are kept. */
export const PROJECTED_TABLES = ['incidents', 'incident_datasets', 'incident_documents', 'decisions', 'affected', 'documents', 'datasets', 'models'];

export const REVIEW_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS incidents (
  key TEXT PRIMARY KEY,
  source TEXT NOT NULL,
  entry INTEGER NOT NULL,
  title TEXT NOT NULL,
  detector TEXT NOT NULL,
  severity TEXT NOT NULL,
  severity_rank INTEGER NOT NULL,
  payload TEXT NOT NULL,
  trigger TEXT,
  /** the dataset versions holding its documents when it was recorded, joined for display */
  dataset TEXT,
  documents INTEGER NOT NULL,
  state TEXT NOT NULL,
  created TEXT NOT NULL,
  updated TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_order ON incidents(severity_rank DESC, entry DESC, key);
CREATE INDEX IF NOT EXISTS incidents_state ON incidents(state, severity_rank DESC, entry DESC, key);
CREATE INDEX IF NOT EXISTS incidents_detector ON incidents(detector);
CREATE TABLE IF NOT EXISTS incident_datasets (key TEXT NOT NULL, dataset TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS incident_datasets_dataset ON incident_datasets(dataset);
CREATE TABLE IF NOT EXISTS incident_documents (key TEXT NOT NULL, doc_id TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS incident_documents_key ON incident_documents(key);
CREATE TABLE IF NOT EXISTS decisions (
  entry INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  action TEXT NOT NULL,
  by TEXT NOT NULL,
  reason TEXT,
  created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decisions_key ON decisions(key);
CREATE TABLE IF NOT EXISTS affected (key TEXT NOT NULL, dataset TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS affected_key ON affected(key);
CREATE INDEX IF NOT EXISTS affected_dataset ON affected(dataset);
CREATE TABLE IF NOT EXISTS documents (doc_id TEXT NOT NULL, dataset TEXT NOT NULL, sha256 TEXT, entry INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS documents_id ON documents(doc_id);
CREATE TABLE IF NOT EXISTS datasets (name TEXT PRIMARY KEY, entry INTEGER NOT NULL, documents INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS models (entry INTEGER PRIMARY KEY, name TEXT NOT NULL, manifest TEXT NOT NULL, trained_on TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS scans (entry INTEGER PRIMARY KEY, report_sha256 TEXT NOT NULL, dataset TEXT, created TEXT NOT NULL, report_path TEXT, candidates TEXT);
CREATE TABLE IF NOT EXISTS evidence (key TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, role TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (sha256 TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name), label TEXT, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (sha256 TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name), csrf TEXT NOT NULL, expires INTEGER NOT NULL);
`;
