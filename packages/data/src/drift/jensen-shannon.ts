/**
 * Jensen–Shannon distance, scipy.spatial.distance.jensenshannon: √(JS divergence), natural
 * logarithm unless a base is given. Evidently's drift test calls it with the default base, so
 * its score lies in [0, √ln 2 ≈ 0.833]; drift when it reaches 0.1.
 */
import { pairwiseSum } from './pairwise-sum.js';

/**
 * Both inputs are normalised to sum to 1 (counts are fine), m = (p + q)/2 and
 * JS = √((Σ p log(p/m) + Σ q log(q/m)) / 2), with 0·log 0 = 0. Evaluated in scipy's order.
 */
export function jensenShannonDistance(p: readonly number[], q: readonly number[], base?: number): number {
  if (p.length !== q.length) throw new RangeError(`distributions differ in length: ${p.length} and ${q.length}`);
  const pTotal = pairwiseSum(p);
  const qTotal = pairwiseSum(q);
  const pn = p.map((x) => x / pTotal);
  const qn = q.map((x) => x / qTotal);
  const m = pn.map((x, i) => (x + qn[i]!) / 2.0);
  let divergence = pairwiseSum(pn.map((x, i) => relativeEntropy(x, m[i]!))) + pairwiseSum(qn.map((x, i) => relativeEntropy(x, m[i]!)));
  if (base !== undefined) divergence /= Math.log(base);
  return Math.sqrt(divergence / 2.0);
}

/** scipy.special.rel_entr: x log(x/y), 0 at x = 0, ∞ where y = 0 < x. */
function relativeEntropy(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}
