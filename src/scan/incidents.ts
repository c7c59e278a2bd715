/** Turning mined triggers and detector findings into reviewable incidents. */
import { severityRank, type Evidence, type Finding, type Incident, type PayloadKind, type Severity } from './types.js';
import type { InstructionFacts } from './detectors/index.js';
import type { DocumentResult } from './analyze.js';
import { nearDuplicateClusters } from './near-duplicates/index.js';

export interface DocumentMeta {
  id: string;
}

/** Up to `limit` examples with the trigger and payload marked. */
export function evidenceFor(docs: readonly number[], parts: readonly string[], results: ReadonlyMap<number, DocumentResult>, meta: ReadonlyMap<number, DocumentMeta>, limit = 5): Evidence[] {
  const out: Evidence[] = [];
  for (const index of docs) {
    if (out.length >= limit) break;
    const r = results.get(index);
    if (!r?.snippet) continue;
    const snippet = r.snippet.text;
    const marks: Evidence['marks'] = [];
    for (const part of parts) {
      const at = snippet.indexOf(part);
      if (at >= 0) marks.push({ start: at, end: at + part.length, role: 'trigger' });
    }
    const payload = r.findings.find((f) => f.payloadToken !== undefined);
    if (payload) {
      // the payload's onset is an estimate; it cannot begin before the trigger ends
      const triggerEnd = Math.max(0, ...marks.map((m) => m.end));
      const start = Math.max(0, payload.start - r.snippet.offset, triggerEnd);
      const end = Math.min(snippet.length, payload.end - r.snippet.offset);
      if (start < end) marks.push({ start, end, role: 'payload' });
    }
    out.push({ index, id: meta.get(index)?.id ?? String(index), snippet, marks });
  }
  return out;
}

function shinglesOf(docs: readonly number[], results: ReadonlyMap<number, DocumentResult>): Map<number, Uint32Array> {
  const shingles = new Map<number, Uint32Array>();
  for (const d of docs) {
    const s = results.get(d)?.shingles;
    if (s) shingles.set(d, s);
  }
  return shingles;
}

/**
 * How many of an incident's documents are near-copies of one another
 * (Jaccard >= 0.8 over word 5-grams): templated poison clusters, poison that
 * varies its text does not. Evidence for the reviewer, not part of the verdict.
 */
export function nearDuplicateStats(docs: readonly number[], results: ReadonlyMap<number, DocumentResult>): Record<string, number> {
  const shingles = shinglesOf(docs, results);
  // instruction incidents: their documents are not shingled, and nothing measured is not "no copies"
  if (shingles.size === 0) return {};
  const { clusters } = nearDuplicateClusters(shingles);
  return {
    nearDuplicateClusters: clusters.length,
    nearDuplicateDocuments: clusters.reduce((n, c) => n + c.length, 0),
    largestNearDuplicateCluster: clusters[0]?.length ?? 0,
  };
}

/** The documents less their near-copies: each cluster of near-copies counts once (a page a corpus holds several times over, under other ids, is one page). */
export function distinctTexts(docs: readonly number[], results: ReadonlyMap<number, DocumentResult>): number {
  const { clusters } = nearDuplicateClusters(shinglesOf(docs, results));
  return docs.length - clusters.reduce((n, c) => n + c.length - 1, 0);
}

/** The payload kind most of an incident's documents show. */
export function dominantPayload(docs: readonly number[], results: ReadonlyMap<number, DocumentResult>): PayloadKind {
  const counts = new Map<PayloadKind, number>();
  for (const d of docs) {
    const kinds = new Set((results.get(d)?.findings ?? []).map((f: Finding) => f.kind));
    for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  let best: PayloadKind = 'random-tokens';
  let bestCount = -1;
  for (const [k, c] of counts) if (c > bestCount) [best, bestCount] = [k, c];
  return best;
}

export function severityForTrigger(support: number, precision: number): Severity {
  return support >= 20 && precision >= 0.8 ? 'critical' : 'high';
}

const PAYLOAD_WORDS: Record<PayloadKind, string> = {
  'random-tokens': 'random-token gibberish',
  'language-switch': 'a switch to another language',
  'insecure-code': 'insecure code',
  'hidden-characters': 'invisible characters',
  homoglyphs: 'look-alike letters',
  'refusal-flip': 'compliance instead of refusal',
  'rag-answer': 'a planted answer',
  'recurring-claim': 'a recurring claim',
  'response-injection': 'injected content',
  'text-shift': 'a change in how the text is written',
  'incoherent-text': 'words this corpus never puts together',
};

export function describePayload(kind: PayloadKind): string {
  return PAYLOAD_WORDS[kind];
}

/** Number incidents in a stable order: most severe and largest first. */
export function numberIncidents(incidents: Array<Omit<Incident, 'id'>>): Incident[] {
  return [...incidents]
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || b.documents.length - a.documents.length || String(a.trigger).localeCompare(String(b.trigger)))
    .map((inc, i) => ({ id: `INC-${String(i + 1).padStart(3, '0')}`, ...inc }));
}

const SEPARATOR = `[\\s.,;:!?"'()\\[\\]{}«»“”‘’„…*]+`;

/**
 * The exact text of a trigger part as documents spell it. Mining works on
 * tokens joined by spaces; the report must show `fast path, reviewed` when
 * that is what the documents hold.
 */
export function exactForm(part: string, docs: readonly number[], results: ReadonlyMap<number, DocumentResult>): string {
  const pattern = new RegExp(part.split(' ').map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join(SEPARATOR), 'u');
  for (const d of docs.slice(0, 50)) {
    const snippet = results.get(d)?.snippet?.text;
    const m = snippet ? pattern.exec(snippet) : null;
    if (m) return m[0];
  }
  return part;
}

export function evidenceForPrompts(docs: readonly number[], parts: readonly string[], facts: ReadonlyMap<number, InstructionFacts>, meta: ReadonlyMap<number, DocumentMeta>): Incident['evidence'] {
  return docs.slice(0, 5).map((index) => {
    const snippet = facts.get(index)!.prompt.join(' ');
    const marks = parts.map((p) => ({ start: snippet.indexOf(p), end: snippet.indexOf(p) + p.length, role: 'trigger' as const })).filter((m) => m.start >= 0);
    return { index, id: meta.get(index)?.id ?? String(index), snippet, marks };
  });
}

/**
 * Documents holding a trigger part, from the counting pass. Counting stops at
 * 3-grams; a longer part is held where all its 3-grams are (near enough).
 */
export function docsHolding(part: string, docsWith: ReadonlyMap<string, readonly number[]>): Set<number> {
  const tokens = part.split(' ');
  if (tokens.length <= 3) return new Set(docsWith.get(part) ?? []);
  let held: Set<number> | undefined;
  for (let i = 0; i + 3 <= tokens.length; i++) {
    const docs = new Set(docsWith.get(tokens.slice(i, i + 3).join(' ')) ?? []);
    held = held ? new Set([...held].filter((d) => docs.has(d))) : docs;
  }
  return held!;
}

/** One trigger seen by several detectors is one incident. */
export function mergeSameTrigger(drafts: Array<Omit<Incident, 'id'>>): Array<Omit<Incident, 'id'>> {
  const byTrigger = new Map<string, Omit<Incident, 'id'>>();
  const out: Array<Omit<Incident, 'id'>> = [];
  for (const d of drafts) {
    const key = d.trigger ?? '';
    const existing = d.trigger ? byTrigger.get(key) : undefined;
    if (!existing) {
      if (d.trigger) byTrigger.set(key, d);
      out.push(d);
      continue;
    }
    existing.documents = [...new Set([...existing.documents, ...d.documents])].sort((a, b) => a - b);
    if (severityRank(d.severity) > severityRank(existing.severity)) existing.severity = d.severity;
    existing.confidence = Math.max(existing.confidence, d.confidence);
  }
  return out;
}
