/**
 * Two-proportion z-test, Evidently's z_stat_test for binary columns: the share of rows that are
 * not the first category (in sorted order) compared between reference and current, with the
 * pooled standard error.
 */
import { normalSf } from './special-functions.js';

export interface ZTestResult {
  statistic: number;
  /** Two-sided. */
  pValue: number;
}

/**
 * z = (p1 − p2) / √(P(1 − P)(1/n1 + 1/n2)), P the pooled proportion; p = 2·P(Z > |z|).
 * Evidently computes 2·(1 − Φ(|z|)), which rounds to 0 below about 1e-16; the survival function
 * keeps tiny p-values. When both samples hold the same single value (P is 0 or 1) z is 0 and
 * p = 1, as in Evidently.
 */
export function proportionsZTest(
  reference: { successes: number; total: number },
  current: { successes: number; total: number },
): ZTestResult {
  const n1 = reference.total;
  const n2 = current.total;
  if (!(n1 > 0 && n2 > 0)) throw new RangeError('the z-test needs two non-empty samples');
  const p1 = reference.successes / n1;
  const p2 = current.successes / n2;
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  const variance = pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2);
  if (variance === 0) return { statistic: 0, pValue: 1 };
  const statistic = (p1 - p2) / Math.sqrt(variance);
  return { statistic, pValue: Math.min(1, 2 * normalSf(Math.abs(statistic))) };
}
