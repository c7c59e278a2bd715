/**
 * `ledger diff A B`: what changed between two dataset versions, by document
 * id, told apart into semantic and cosmetic edits, with moves (same content
 * under another id or source) and totals per source.
 */
import { AntidoteError } from '../errors/index.js';
import type { DatasetRecord, DocumentRecord } from './records.js';
import type { Ledger } from './log.js';

type Change = 'added' | 'removed' | 'semantic' | 'cosmetic' | 'moved';

export interface DiffEntry {
  change: Change;
  id: string;
  /** for moves: the id in the older version, when it changed */
  from?: string;
  source?: string;
}

export interface DatasetDiff {
  a: string;
  b: string;
  counts: Record<Change | 'unchanged', number>;
  bySource: Record<string, Partial<Record<Change, number>>>;
  /** the changes, in B's order then A's, up to `limit` */
  changes: DiffEntry[];
  truncated: boolean;
}

async function datasetRecord(ledger: Ledger, name: string): Promise<DatasetRecord> {
  const all = await ledger.datasets();
  const found = name.includes('@') ? all.find((d) => d.dataset === name) : all.filter((d) => d.dataset.startsWith(`${name}@`)).pop();
  if (!found) throw new AntidoteError('USAGE', `no dataset '${name}' in the ledger; known: ${[...new Set(all.map((d) => d.dataset))].slice(-10).join(', ') || 'none'}`);
  return found;
}

async function documentsOf(ledger: Ledger, d: DatasetRecord): Promise<Map<string, DocumentRecord>> {
  const out = new Map<string, DocumentRecord>();
  for await (const e of ledger.store.entries(d.firstEntry, d.lastEntry + 1)) {
    const doc = JSON.parse(e.record) as DocumentRecord;
    if (doc.kind === 'document' && doc.dataset === d.dataset) out.set(doc.id, doc);
  }
  return out;
}

export async function diffDatasets(ledger: Ledger, nameA: string, nameB: string, limit = 1000): Promise<DatasetDiff> {
  const [a, b] = [await datasetRecord(ledger, nameA), await datasetRecord(ledger, nameB)];
  const [docsA, docsB] = [await documentsOf(ledger, a), await documentsOf(ledger, b)];
  const counts: DatasetDiff['counts'] = { added: 0, removed: 0, semantic: 0, cosmetic: 0, moved: 0, unchanged: 0 };
  const bySource: DatasetDiff['bySource'] = {};
  const changes: DiffEntry[] = [];
  const note = (entry: DiffEntry): void => {
    counts[entry.change]++;
    const source = entry.source ?? '(no source)';
    const row = (bySource[source] ??= {});
    row[entry.change] = (row[entry.change] ?? 0) + 1;
    if (changes.length < limit) changes.push(entry);
  };
  // Content that left A under one id and appears in B under another is a move, not a removal plus an
  // addition. Content, not bytes: a JSONL line holds its id, so the exact bytes change with it.
  const goneByContent = new Map<string, DocumentRecord[]>();
  for (const [id, doc] of docsA) {
    if (docsB.has(id)) continue;
    const list = goneByContent.get(doc.normalized.sha256) ?? [];
    list.push(doc);
    goneByContent.set(doc.normalized.sha256, list);
  }
  for (const [id, doc] of docsB) {
    const old = docsA.get(id);
    if (!old) {
      const moved = goneByContent.get(doc.normalized.sha256)?.shift();
      if (moved) note({ change: 'moved', id, from: moved.id, source: doc.source });
      else note({ change: 'added', id, source: doc.source });
    } else if (old.sha256 === doc.sha256) {
      if (old.source !== doc.source) note({ change: 'moved', id, source: doc.source });
      else counts.unchanged++;
    } else {
      note({ change: old.normalized.sha256 === doc.normalized.sha256 ? 'cosmetic' : 'semantic', id, source: doc.source });
    }
  }
  for (const list of goneByContent.values()) for (const doc of list) note({ change: 'removed', id: doc.id, source: doc.source });
  return { a: a.dataset, b: b.dataset, counts, bySource, changes, truncated: changes.length < counts.added + counts.removed + counts.semantic + counts.cosmetic + counts.moved };
}
