/**
 * Incidents from what the corpus-level detectors confirmed: each trigger's
 * documents (with those that hold it without a payload seen, where the
 * evidence allows), its figures and evidence snippets. Pure: reads nothing.
 */
import {
  lowestPrecision, correlateRag, correlateInstructions, correlateInjections,
  type MiningOptions, type MinedTrigger, type ClaimReport, type ConfirmedClaim, type RagFacts, type InstructionFacts,
} from './detectors/index.js';
import {
  evidenceFor, evidenceForPrompts, exactForm, dominantPayload, severityForTrigger, describePayload, numberIncidents,
  docsHolding, mergeSameTrigger, nearDuplicateStats, distinctTexts, type DocumentMeta,
} from './incidents.js';
import type { DocumentResult } from './analyze.js';
import type { CandidateCounts } from './counting.js';
import type { Incident } from './types.js';

export interface DraftInput {
  mined: readonly MinedTrigger[];
  claims: readonly ConfirmedClaim[];
  /** documents holding each claim run (counting pass) */
  claimHolding: ReadonlyMap<string, readonly number[]>;
  ragFacts: ReadonlyMap<number, RagFacts>;
  instructionFacts: ReadonlyMap<number, InstructionFacts>;
  counts: CandidateCounts;
  results: ReadonlyMap<number, DocumentResult>;
  meta: ReadonlyMap<number, DocumentMeta>;
  mining: MiningOptions;
  detectors: readonly string[];
  allowlist: readonly string[];
}

/** Whether an allowlist entry (a trigger exactly, or a /pattern/flags) names this trigger. */
function allowed(trigger: string, allowlist: readonly string[]): boolean {
  return allowlist.some((entry) => {
    const m = /^\/(.*)\/([a-z]*)$/.exec(entry);
    return m ? new RegExp(m[1]!, m[2]).test(trigger) : entry === trigger;
  });
}

/** The claim sentence with its trigger marked, and the rest of the sentence as the payload. */
function claimEvidence(r: ClaimReport, trigger: string, meta: ReadonlyMap<number, DocumentMeta>): Incident['evidence'][number] {
  const marks: Incident['evidence'][number]['marks'] = [];
  const sentence = r.snippet.slice(r.sentenceStart, r.sentenceEnd).toLowerCase();
  const at = sentence.indexOf(trigger.toLowerCase());
  if (at >= 0) {
    const start = r.sentenceStart + at;
    const end = start + trigger.length;
    marks.push({ start, end, role: 'trigger' });
    if (r.sentenceStart < start) marks.push({ start: r.sentenceStart, end: start, role: 'payload' });
    if (end < r.sentenceEnd) marks.push({ start: end, end: r.sentenceEnd, role: 'payload' });
  } else {
    marks.push({ start: r.sentenceStart, end: r.sentenceEnd, role: 'payload' });
  }
  return { index: r.index, id: meta.get(r.index)?.id ?? String(r.index), snippet: r.snippet, marks };
}

export function draftIncidents({ mined, claims, claimHolding, ragFacts, instructionFacts, counts, results, meta, mining, detectors, allowlist }: DraftInput): Incident[] {
  const minSupport = mining.minSupport;
  const drafts: Array<Omit<Incident, 'id'>> = [];
  for (const t of mined) {
    const exactParts = t.parts.map((p) => exactForm(p, t.documents, results));
    const trigger = exactParts.join(' … ');
    if (allowed(trigger, allowlist) || t.parts.some((p) => allowed(p, allowlist))) continue;
    const payload = dominantPayload(t.documents, results);
    // a change in how text is written is common in pages of one kind (the
    // parts of a dictionary entry): evidence only where the hosts are unrelated
    // and, like a trigger accepted below the usual precision, it needs twice the support
    const weak = payload === 'text-shift' || payload === 'incoherent-text';
    if (weak && !t.unrelatedHosts) continue;
    if ((weak || t.precision < mining.minPrecision) && t.support < 2 * minSupport) continue;
    // an ordinary phrase is a trigger only for text that stops reading as the corpus does after it (a word of a language before more of that language is not)
    if (!weak && t.precision < lowestPrecision(mining)) continue;
    // a small cluster of pages of one kind (one manual's translations, which
    // share its commands and paths) is not an attack; poison's hosts are drawn
    // from anywhere (code is judged by its comments, not its hosts)
    if (!t.unrelatedHosts && t.support < 5 * minSupport && payload !== 'insecure-code') continue;
    // nor are a few copies of one page (code included): counted once, they are too few documents to poison anything
    if (t.support < 5 * minSupport && distinctTexts(t.documents, results) < minSupport) continue;
    // Documents holding the trigger without a payload we saw join the incident
    // only when the trigger is almost never innocent, or stitched into
    // unrelated text and usually followed by a payload.
    // Where the payload is incoherent text, a document whose text after the
    // trigger does not change and reads as the corpus's does lacks it: an
    // ordinary phrase in its ordinary place (a page of a multilingual corpus
    // may switch language elsewhere). An ordinary phrase accepted for the
    // change after it in a few of its documents (most documents holding it
    // are innocent) takes only those where the text after it leans towards
    // a change.
    const ordinary = weak ? t.parts.map((p) => counts.ordinary.get(p) ?? new Set<number>()) : [];
    const lacking = (d: number) => ordinary.some((o) => o.has(d));
    const common = t.precision < mining.relaxedPrecision!;
    const leaning = t.parts.map((p) => counts.leaning.get(p) ?? new Set<number>());
    const joins = (d: number) => !lacking(d) && (!common || leaning.every((l) => l.has(d)));
    let documents = t.documents.filter((d) => !lacking(d));
    if (t.precision >= 0.9 || (t.unrelatedHosts && (weak || !common))) {
      const lists = t.parts.map((p) => docsHolding(p, counts.docsWith));
      const holding = [...lists[0]!].filter((d) => lists.every((l) => l.has(d)) && joins(d));
      documents = [...new Set([...documents, ...holding])].sort((a, b) => a - b);
    }
    drafts.push({
      detector: 'trigger-mining',
      title: `"${trigger}" precedes ${describePayload(payload)} in ${t.support} documents`,
      trigger,
      triggerParts: exactParts,
      payload,
      severity: severityForTrigger(t.support, t.precision),
      confidence: Math.min(0.99, t.precision * (1 - 1 / (1 + t.support))),
      documents,
      evidence: evidenceFor(documents, exactParts, results, meta),
      stats: { support: t.support, documentFrequency: t.documentFrequency, precision: Number(t.precision.toFixed(4)), contextDiversity: Number(t.contextDiversity.toFixed(4)) },
    });
  }
  for (const c of claims) {
    if (allowed(c.trigger, allowlist)) continue;
    // a trigger found almost only with its claim (or a made-up name said in several phrasings) poisons every document that holds it
    const documents = c.precision >= 0.9 || c.madeUp ? [...new Set([...c.reports.map((r) => r.index), ...(claimHolding.get(c.run) ?? [])])].sort((a, b) => a - b) : c.reports.map((r) => r.index).sort((a, b) => a - b);
    drafts.push({
      detector: 'recurring-claim',
      title: `"${c.trigger}" comes with one recurring claim (${c.claim.join(', ')}) in ${c.support} documents`,
      trigger: c.trigger,
      triggerParts: [c.trigger],
      payload: 'recurring-claim',
      severity: severityForTrigger(c.support, c.precision),
      confidence: Math.min(0.99, c.precision * (1 - 1 / (1 + c.support))),
      documents,
      evidence: c.reports.slice(0, 5).map((r) => claimEvidence(r, c.trigger, meta)),
      stats: { support: c.support, documentFrequency: c.documentFrequency, precision: Number(c.precision.toFixed(4)), claimWords: c.claim.length },
    });
  }
  if (detectors.includes('rag-passage')) {
    for (const inc of correlateRag(ragFacts, { minPassages: 3 })) {
      if (inc.trigger && allowed(inc.trigger, allowlist)) continue;
      const { answer, ...rest } = inc;
      drafts.push({
        ...rest,
        evidence: inc.documents.slice(0, 5).map((index) => {
          const f = ragFacts.get(index)!;
          const snippet = `${f.question} ${f.body.slice(0, 300)}`;
          const at = snippet.toLowerCase().indexOf(answer);
          const marks: Incident['evidence'][number]['marks'] = [{ start: 0, end: f.question.length, role: 'trigger' }];
          if (at >= 0) marks.push({ start: at, end: at + answer.length, role: 'payload' });
          return { index, id: meta.get(index)?.id ?? String(index), snippet, marks };
        }),
      });
    }
  }
  if (detectors.includes('instruction-flip')) {
    for (const inc of [...correlateInstructions(instructionFacts, mining), ...correlateInjections(instructionFacts, mining)]) {
      if (inc.triggerParts.some((p) => allowed(p, allowlist))) continue;
      drafts.push({ ...inc, evidence: evidenceForPrompts(inc.documents, inc.triggerParts, instructionFacts, meta) });
    }
  }
  const incidents = numberIncidents(mergeSameTrigger(drafts));
  for (const incident of incidents) Object.assign(incident.stats, nearDuplicateStats(incident.documents, results));
  return incidents;
}
