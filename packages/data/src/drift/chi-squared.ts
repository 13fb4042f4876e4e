/**
 * Pearson's chi-squared goodness-of-fit test (scipy.stats.chisquare) and Evidently's drift test
 * built on it: current counts against the counts the reference proportions predict.
 */
import { pairwiseSum } from './pairwise-sum.js';
import { chiSquaredSf } from './special-functions.js';

export interface ChiSquareResult {
  /** Σ (observed − expected)² / expected; Infinity when a category is expected 0 times but seen. */
  statistic: number;
  pValue: number;
  /** Degrees of freedom: categories − 1. */
  df: number;
}

/**
 * scipy.stats.chisquare(observed, expected): p = P(χ²_{k−1} > statistic). The two totals must
 * agree to a relative 1.5e-8, as scipy checks. One category (df 0) gives p = 1 where scipy gives
 * NaN: a single category cannot change its share.
 */
export function chiSquareGoodnessOfFit(observed: readonly number[], expected: readonly number[]): ChiSquareResult {
  if (observed.length !== expected.length) {
    throw new RangeError(`observed and expected counts differ in length: ${observed.length} and ${expected.length}`);
  }
  const observedTotal = pairwiseSum(observed);
  const expectedTotal = pairwiseSum(expected);
  if (Math.abs(observedTotal - expectedTotal) / Math.min(observedTotal, expectedTotal) > Math.sqrt(Number.EPSILON)) {
    throw new RangeError(`observed and expected counts must have the same total, got ${observedTotal} and ${expectedTotal}`);
  }
  const terms = observed.map((o, i) => {
    const e = expected[i]!;
    return (o - e) ** 2 / e;
  });
  const statistic = pairwiseSum(terms);
  const df = observed.length - 1;
  return { statistic, pValue: df > 0 ? chiSquaredSf(statistic, df) : 1, df };
}

/**
 * Evidently's chi-squared drift test over aligned category counts: expected_i = reference_i ·
 * (current total / reference total); a category absent from the reference but present in the
 * current data makes the statistic infinite and p = 0. Drift when p < threshold.
 */
export function chiSquareDriftTest(referenceCounts: readonly number[], currentCounts: readonly number[]): ChiSquareResult {
  const scale = pairwiseSum(currentCounts) / pairwiseSum(referenceCounts);
  return chiSquareGoodnessOfFit(
    currentCounts,
    referenceCounts.map((count) => count * scale),
  );
}
