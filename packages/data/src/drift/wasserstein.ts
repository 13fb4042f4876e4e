/**
 * First Wasserstein (earth mover's) distance between two one-dimensional distributions,
 * scipy.stats.wasserstein_distance, and Evidently's normed version of it.
 */
import { pairwiseSum } from './pairwise-sum.js';
import { isWeightedSample, toStepDistribution, type NumericSample, type StepDistribution } from './numeric-sample.js';

/** W1 = ∫ |F_u(x) − F_v(x)| dx, exact for the step CDFs of the two samples. */
export function wassersteinDistance(u: NumericSample, v: NumericSample): number {
  const a = toStepDistribution(u);
  const b = toStepDistribution(v);
  if (a.total === 0 || b.total === 0) throw new RangeError('the Wasserstein distance needs two non-empty samples');
  return wassersteinOfSteps(a, b);
}

export function wassersteinOfSteps(a: StepDistribution, b: StepDistribution): number {
  const terms: number[] = [];
  let i = 0;
  let j = 0;
  let previous = Math.min(a.values[0]!, b.values[0]!);
  let difference = 0;
  while (i < a.values.length || j < b.values.length) {
    const x = Math.min(a.values[i] ?? Infinity, b.values[j] ?? Infinity);
    terms.push(Math.abs(difference) * (x - previous));
    while (i < a.values.length && a.values[i] === x) i++;
    while (j < b.values.length && b.values[j] === x) j++;
    difference = (i === 0 ? 0 : a.cumulative[i - 1]!) / a.total - (j === 0 ? 0 : b.cumulative[j - 1]!) / b.total;
    previous = x;
  }
  return pairwiseSum(terms);
}

/**
 * Population standard deviation (numpy's np.std, ddof 0). For raw values the sums run in numpy's
 * order; weighted samples use Σw(x − mean)² / Σw.
 */
export function populationStdDev(sample: NumericSample): number {
  if (!isWeightedSample(sample) || sample.weights === undefined) {
    const values = isWeightedSample(sample) ? sample.values : sample;
    if (values.length === 0) return Number.NaN;
    const mean = pairwiseSum(values) / values.length;
    return Math.sqrt(pairwiseSum(values.map((x) => (x - mean) ** 2)) / values.length);
  }
  const distribution = toStepDistribution(sample);
  const weights = distribution.cumulative.map((c, i) => c - (i === 0 ? 0 : distribution.cumulative[i - 1]!));
  const mean = pairwiseSum(distribution.values.map((x, i) => x * weights[i]!)) / distribution.total;
  return Math.sqrt(pairwiseSum(distribution.values.map((x, i) => weights[i]! * (x - mean) ** 2)) / distribution.total);
}

/** Evidently's floor on the reference standard deviation: a constant reference divides by 0.001. */
export const WASSERSTEIN_MIN_NORM = 0.001;

/** Evidently's wasserstein drift score: W1(reference, current) / max(std(reference), 0.001). */
export function normedWassersteinDistance(reference: NumericSample, current: NumericSample): number {
  return wassersteinDistance(reference, current) / Math.max(populationStdDev(reference), WASSERSTEIN_MIN_NORM);
}
