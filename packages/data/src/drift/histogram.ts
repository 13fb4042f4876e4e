/**
 * Binning of numeric samples for the Jensen–Shannon and PSI scores, as Evidently's
 * get_binned_data does it: a reference with more than 20 distinct values is cut into Sturges bins
 * over both samples (np.histogram_bin_edges(reference + current, bins='sturges')); otherwise each
 * distinct value is its own category.
 */
import { alignCategoryCounts } from './category-counts.js';
import { distinctValueCounts, toStepDistribution, type NumericSample, type StepDistribution } from './numeric-sample.js';

/** Above this many distinct reference values Evidently bins a numeric column. */
export const DIVERGENCE_BINNING_MIN_DISTINCT = 20;

export interface SturgesOptions {
  /**
   * The values are integers of an integer column (pandas int64): numpy then widens bins to at
   * least 1. Default false, as for float columns and for columns that had missing values.
   */
  integerValued?: boolean;
}

/**
 * np.histogram_bin_edges(values, bins='sturges') from the values' range and count:
 * ⌈range / (range / (log2 n + 1))⌉ equal bins over [min, max] (one bin over [min − ½, max + ½]
 * when all values are equal), edges i·step + min with the last edge exactly max, as np.linspace.
 */
export function sturgesBinEdges(min: number, max: number, count: number, options: SturgesOptions = {}): number[] {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  let width = (max - min) / (Math.log2(count) + 1.0);
  if (options.integerValued === true && width > 0 && width < 1) width = 1;
  const bins = width > 0 ? Math.ceil((last - first) / width) : 1;
  const step = (last - first) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => i * step + first);
  edges[bins] = last;
  return edges;
}

/**
 * np.histogram counts of a sample over ascending edges: bins are [e_i, e_i+1) except the last,
 * which includes its upper edge; values outside the edges are not counted.
 */
export function histogramCounts(sample: NumericSample | StepDistribution, edges: readonly number[]): number[] {
  const distribution = toStepDistribution(sample);
  const counts = new Array<number>(Math.max(edges.length - 1, 0)).fill(0);
  const last = edges.length - 1;
  let bin = 0;
  let previous = 0;
  distribution.values.forEach((value, i) => {
    const weight = distribution.cumulative[i]! - previous;
    previous = distribution.cumulative[i]!;
    if (last < 1 || value < edges[0]! || value > edges[last]!) return;
    while (bin < last - 1 && value >= edges[bin + 1]!) bin++;
    counts[bin] = counts[bin]! + weight;
  });
  return counts;
}

export type DivergenceBins =
  | { kind: 'histogram'; edges: number[]; reference: number[]; current: number[] }
  | { kind: 'values'; keys: number[]; reference: number[]; current: number[] };

/** Aligned reference and current counts for JS and PSI over a numeric column (see the top). */
export function divergenceBins(reference: NumericSample | StepDistribution, current: NumericSample | StepDistribution, options: SturgesOptions = {}): DivergenceBins {
  const a = toStepDistribution(reference);
  const b = toStepDistribution(current);
  if (a.values.length > DIVERGENCE_BINNING_MIN_DISTINCT) {
    const min = b.values.length > 0 ? Math.min(a.values[0]!, b.values[0]!) : a.values[0]!;
    const max = b.values.length > 0 ? Math.max(a.values[a.values.length - 1]!, b.values[b.values.length - 1]!) : a.values[a.values.length - 1]!;
    const edges = sturgesBinEdges(min, max, a.total + b.total, options);
    return { kind: 'histogram', edges, reference: histogramCounts(a, edges), current: histogramCounts(b, edges) };
  }
  const aligned = alignCategoryCounts(distinctValueCounts(a), distinctValueCounts(b));
  return { kind: 'values', keys: aligned.keys as number[], reference: aligned.reference, current: aligned.current };
}
