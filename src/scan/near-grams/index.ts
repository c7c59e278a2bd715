/**
 * The sequences standing near payload onsets, the main source of candidate
 * triggers. Counted in two steps, so that the cost and memory of the count do
 * not grow with the number of documents that have a finding:
 *
 * - as the first pass goes, each worker adds every document's near sequences
 *   to a fixed-size sketch (`NearSketch`: saturating counts in hashed slots,
 *   two rows); sketches merge by adding, in any order;
 * - after it, the regions are walked once more and only the sequences the
 *   merged sketch says may be near `minSupport` onsets are counted exactly
 *   (`countNearGrams`). A sketch never counts a sequence low, so nothing that
 *   reaches the support is lost; what it counts high is dropped by the exact
 *   count.
 */
export { MAX_N } from './window.js';
export { NearSketch, sparseCounts, type SparseCounts } from './sketch.js';
export { countNearGrams, regionsHolding, isLanguage, type NearRegion } from './count.js';
