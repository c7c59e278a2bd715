export {
  claimSentences, claimReports, ClaimKeyCounts, recurringSentences, packClaimKeys, forEachPackedDocument, packClaimReports, unpackClaimReports,
  type ClaimSentence, type ClaimReport, type PackedClaimReports, type RecurringSentence,
} from './sentences.js';
export { proposeClaims, phrasingSupport, confirmClaims, type ClaimCandidate, type ClaimCounts, type ConfirmedClaim } from './correlate.js';
export { withinClaimBudget, MAX_CLAIM_DOCUMENTS } from './budget.js';
