/**
 * Numeric samples as the drift statistics take them: raw values (each weighs 1) or a weighted
 * summary of them (a profile's quantile-sketch centroids with their counts, or histogram bins), so
 * one function serves both. Values must be finite and weights finite and non-negative: missing
 * and infinite values are removed upstream, and breaking that contract throws a RangeError.
 */

export interface WeightedSample {
  /** Values in any order; equal values add up. */
  values: readonly number[];
  /** How much each value weighs (a count, usually); all 1 when absent. */
  weights?: readonly number[];
}

export type NumericSample = readonly number[] | WeightedSample;

/** A sample as a step CDF: distinct ascending values, running sums of their weights, the total. */
export interface StepDistribution {
  values: Float64Array;
  cumulative: Float64Array;
  /** Equals the last running sum exactly, so the CDF ends at 1. */
  total: number;
}

export function isWeightedSample(sample: NumericSample): sample is WeightedSample {
  return !Array.isArray(sample);
}

/** Sorts and merges a sample into a step CDF (a step CDF passes through). Zero weights are dropped. */
export function toStepDistribution(sample: NumericSample | StepDistribution): StepDistribution {
  if (isStepDistribution(sample)) return sample;
  if (!isWeightedSample(sample) || sample.weights === undefined) {
    const values = isWeightedSample(sample) ? sample.values : sample;
    const sorted = Float64Array.from(values);
    sorted.forEach(checkFinite);
    sorted.sort();
    return collapse(sorted, () => 1);
  }
  const { values, weights } = sample;
  if (weights.length !== values.length) {
    throw new RangeError(`a weighted sample needs one weight per value: ${values.length} values, ${weights.length} weights`);
  }
  const order = Array.from(values.keys()).filter((i) => checkedWeight(weights, i) > 0);
  for (const i of order) checkFinite(values[i]!);
  order.sort((a, b) => values[a]! - values[b]!);
  return collapse(
    order.map((i) => values[i]!),
    (k) => weights[order[k]!]!,
  );
}

function isStepDistribution(sample: NumericSample | StepDistribution): sample is StepDistribution {
  return !Array.isArray(sample) && 'cumulative' in sample && sample.values instanceof Float64Array;
}

/** Merges equal neighbours of ascending values, summing their weights. */
function collapse(sorted: ArrayLike<number>, weightAt: (index: number) => number): StepDistribution {
  const distinct: number[] = [];
  const cumulative: number[] = [];
  let running = 0;
  for (let k = 0; k < sorted.length; k++) {
    const value = sorted[k]!;
    running += weightAt(k);
    if (distinct.length > 0 && distinct[distinct.length - 1] === value) cumulative[cumulative.length - 1] = running;
    else {
      distinct.push(value);
      cumulative.push(running);
    }
  }
  return { values: Float64Array.from(distinct), cumulative: Float64Array.from(cumulative), total: running };
}

/** Total weight of a sample: its row count for raw values. */
export function sampleTotal(sample: NumericSample): number {
  if (!isWeightedSample(sample)) return sample.length;
  if (sample.weights === undefined) return sample.values.length;
  let total = 0;
  for (let i = 0; i < sample.weights.length; i++) total += checkedWeight(sample.weights, i);
  return total;
}

/** Weight of each distinct value, ascending by value: a numeric column's category counts. */
export function distinctValueCounts(distribution: StepDistribution): Array<[number, number]> {
  const counts: Array<[number, number]> = [];
  let previous = 0;
  distribution.values.forEach((value, i) => {
    const cumulative = distribution.cumulative[i]!;
    counts.push([value, cumulative - previous]);
    previous = cumulative;
  });
  return counts;
}

/**
 * A histogram as a weighted sample: each bin's count placed at its upper edge or its midpoint.
 * With the same edges on both sides and every value inside them, upper edges give the largest
 * difference of the raw CDFs just below the edges (bins are [e_i, e_i+1)): a lower bound of the
 * raw KS statistic. Midpoints suit the Wasserstein distance (error ≤ half a bin width).
 */
export function histogramSample(edges: readonly number[], counts: readonly number[], placement: 'upper' | 'midpoint' = 'midpoint'): WeightedSample {
  if (edges.length !== counts.length + 1) {
    throw new RangeError(`a histogram needs one more edge than counts: ${edges.length} edges, ${counts.length} counts`);
  }
  const values = counts.map((_, i) => (placement === 'upper' ? edges[i + 1]! : (edges[i]! + edges[i + 1]!) / 2));
  return { values, weights: counts };
}

function checkedWeight(weights: readonly number[] | undefined, i: number): number {
  if (weights === undefined) return 1;
  const weight = weights[i]!;
  if (!(Number.isFinite(weight) && weight >= 0)) throw new RangeError(`weights must be finite and non-negative, got ${weight}`);
  return weight;
}

function checkFinite(value: number): void {
  if (!Number.isFinite(value)) throw new RangeError(`sample values must be finite (drop missing values first), got ${value}`);
}
