export {
  claimSentences, claimReports, ClaimKeyCounts, recurringSentences, packClaimKeys, forEachPackedDocument,
  type ClaimSentence, type ClaimReport, type RecurringSentence,
} from './sentences.js';
export { proposeClaims, confirmClaims, type ClaimCandidate, type ClaimCounts, type ConfirmedClaim } from './correlate.js';
