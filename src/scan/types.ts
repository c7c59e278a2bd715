import type { TokenSpans, LanguageEvidence, WordPairIndex } from '../text/index.js';
import type { InputSource, ReadOptions, RecordShape } from '../corpus/index.js';
import type { Place } from '../errors/index.js';

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** What a poison does after its trigger, as far as the evidence shows. */
export type PayloadKind =
  | 'random-tokens'
  | 'language-switch'
  | 'insecure-code'
  | 'hidden-characters'
  | 'homoglyphs'
  | 'refusal-flip'
  | 'rag-answer'
  | 'recurring-claim'
  | 'response-injection'
  | 'text-shift'
  | 'incoherent-text';

/** One document as the detectors see it (built once per document). */
export interface DocumentView {
  index: number;
  shape: RecordShape;
  text: string;
  tokens: TokenSpans;
  /** function-word and script evidence of each token, computed once */
  evidence: LanguageEvidence;
  /** number of leading tokens that belong to the prompt (chat/instruction) */
  promptTokens: number;
  prompt?: string;
  response?: string;
  /** which words this corpus puts together, learnt from a sample of it before the first pass */
  pairs?: WordPairIndex;
}

/** Something one detector saw in one document. */
export interface Finding {
  detector: string;
  kind: PayloadKind;
  severity: Severity;
  /** 0..1, how sure the detector is */
  score: number;
  /** UTF-16 range in the document's text */
  start: number;
  end: number;
  message: string;
  /** token index where the payload begins; the trigger is looked for before it */
  payloadToken?: number;
  /** an exact string the detector itself identified as the trigger */
  trigger?: string;
}

/** A detector that judges one document at a time (runs in worker threads). */
export interface DocumentDetector {
  id: string;
  description: string;
  inspect(doc: DocumentView): Finding[];
}

export interface Evidence {
  index: number;
  id: string;
  /** text around the trigger or payload */
  snippet: string;
  /** ranges in the snippet to mark: the trigger, then the payload */
  marks: Array<{ start: number; end: number; role: 'trigger' | 'payload' }>;
}

/** A group of findings a person can review as one case. */
export interface Incident {
  id: string;
  detector: string;
  title: string;
  /** the exact trigger, parts joined by ' … ' when split; null when there is none */
  trigger: string | null;
  triggerParts: string[];
  payload: PayloadKind;
  severity: Severity;
  confidence: number;
  /** indices of the documents in the incident */
  documents: number[];
  evidence: Evidence[];
  /** numbers behind the verdict, for the report */
  stats: Record<string, number>;
}

/** What a check outside the text detectors says about one document. */
export interface CheckFinding {
  detector: string;
  kind: string;
  severity: Severity;
  score: number;
  message: string;
}

export interface CheckedDocument {
  id: string;
  place: Place;
  findings: CheckFinding[];
}

/**
 * A check that judges documents by something other than their text, such as
 * the ledger's provenance policy. It reads the inputs itself and its findings
 * join the detectors' in each document's verdict.
 */
export interface DocumentCheck {
  id: string;
  description: string;
  /** findings by document index (the position across all inputs) */
  run(sources: readonly InputSource[], read: ReadOptions): Promise<Map<number, CheckedDocument>>;
}
