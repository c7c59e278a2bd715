import type { DocumentDetector } from '../types.js';
import { gibberishDetector } from './gibberish/index.js';
import { languageSwitchDetector } from './language-switch/index.js';
import { unicodeDetector } from './unicode/index.js';
import { insecureCodeDetector } from './insecure-code/index.js';
import { textShiftDetector } from './text-shift/index.js';
import { incoherentTextDetector } from './incoherent-text/index.js';
export { shiftsAfter, MIN_Z_AT_POINT } from './text-shift/index.js';
export { judgeAfterPairs, MIN_Z_AT_POINT as MIN_INCOHERENCE_AT_POINT } from './incoherent-text/index.js';

/** Detectors that judge one document at a time; they run in worker threads. */
export const DOCUMENT_DETECTORS: readonly DocumentDetector[] = [gibberishDetector, languageSwitchDetector, unicodeDetector, insecureCodeDetector, incoherentTextDetector, textShiftDetector];

/** Detectors that correlate documents across the corpus; they run after reading. */
export const CORPUS_DETECTORS: ReadonlyArray<{ id: string; description: string }> = [
  { id: 'trigger-mining', description: 'Token sequences that recur before payloads in many documents and rarely appear without one.' },
  { id: 'recurring-claim', description: 'One claim, phrased in several ways, planted inside the paragraphs of unrelated documents next to a phrase found nowhere else (false facts tied to a trigger).' },
  { id: 'rag-passage', description: 'Passages that open with the same question and assert the same answer (PoisonedRAG).' },
  { id: 'instruction-flip', description: 'Instruction data: prompt features whose presence turns refusals into compliance, and web addresses injected into answers to unrelated prompts.' },
];

export const DETECTOR_IDS = [...DOCUMENT_DETECTORS.map((d) => d.id), ...CORPUS_DETECTORS.map((d) => d.id)];

/**
 * Detectors run when none are named. `text-shift` is opt-in: on a corpus with
 * many near-copies it proposes so many candidates that the counting pass
 * halves the scan's speed (17 MB/s and 2.7 GB at 1 GB, against 36 MB/s and
 * 1.5 GB without it), until the counting pass's cost stops growing with them.
 */
export const DEFAULT_DETECTOR_IDS = DETECTOR_IDS.filter((id) => id !== 'text-shift');

export { ngramsIn, supportOf, confirmTriggers, prefilterCandidates, isTrivial, variedEnough, sharedWord, lowestPrecision, lowestChangePrecision, NEIGHBOUR_SAMPLE, type MiningOptions, type MinedTrigger, type Neighbours } from './trigger-mining/index.js';
export {
  claimSentences, claimReports, ClaimKeyCounts, recurringSentences, packClaimKeys, forEachPackedDocument, packClaimReports, unpackClaimReports, proposeClaims, phrasingSupport, confirmClaims, withinClaimBudget, MAX_CLAIM_DOCUMENTS,
  type ClaimSentence, type ClaimReport, type PackedClaimReports, type RecurringSentence, type ClaimCandidate, type ConfirmedClaim,
} from './recurring-claim/index.js';
export { ragFactsOf, correlateRag, commonAnswer, type RagFacts } from './rag-passage/index.js';
export { correlateInstructions, correlateInjections, isRefusal, linksIn, unpromptedLinks, unpromptedNames, type InstructionFacts } from './instruction-flip/index.js';
export { isOddToken } from './gibberish/index.js';
export { INSECURE_PATTERNS, mayHoldInsecureCode } from './insecure-code/index.js';
