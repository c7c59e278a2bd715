export {
  claimSentences, claimReports, ClaimKeyCounts, recurringKeys, packClaimKeys, forEachPackedDocument,
  type ClaimSentence, type ClaimReport,
} from './sentences.js';
export { proposeClaims, confirmClaims, type ClaimCandidate, type ClaimCounts, type ConfirmedClaim } from './correlate.js';
