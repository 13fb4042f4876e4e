/**
 * Population stability index as Evidently computes it: Σ (r_i − c_i) · ln(r_i / c_i) over the
 * shares of reference and current in each bin or category, empty bins given a small share first.
 */
import { pairwiseSum } from './pairwise-sum.js';

/** PSI of aligned counts (same bins or categories on both sides). Both totals must be positive. */
export function populationStabilityIndex(referenceCounts: readonly number[], currentCounts: readonly number[]): number {
  if (referenceCounts.length !== currentCounts.length) {
    throw new RangeError(`counts differ in length: ${referenceCounts.length} and ${currentCounts.length}`);
  }
  const reference = fillEmptyShares(toShares(referenceCounts));
  const current = fillEmptyShares(toShares(currentCounts));
  return pairwiseSum(reference.map((r, i) => (r - current[i]!) * Math.log(r / current[i]!)));
}

function toShares(counts: readonly number[]): number[] {
  const total = pairwiseSum(counts);
  if (!(total > 0)) throw new RangeError('PSI needs counts with a positive total');
  return counts.map((count) => count / total);
}

/**
 * Evidently's get_binned_data(feel_zeroes=True): zero shares become 0.0001, or the smallest
 * non-zero share / 10⁶ when that is itself at most 0.0001, so the logarithm stays finite.
 */
export function fillEmptyShares(shares: readonly number[]): number[] {
  const smallest = shares.reduce((least, share) => (share !== 0 && share < least ? share : least), Infinity);
  const filler = smallest <= 0.0001 ? smallest / 10 ** 6 : 0.0001;
  return shares.map((share) => (share === 0 ? filler : share));
}
