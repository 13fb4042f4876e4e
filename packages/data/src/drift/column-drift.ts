/**
 * Drift of one column: the planned test (drift-plan.ts) run on raw values or summaries, with the
 * PSI beside it, as Evidently's column drift reports them.
 */
import { alignCategoryCounts, compareCategoryKeys, type CategoryCountsInput } from './category-counts.js';
import { chiSquareDriftTest } from './chi-squared.js';
import { chooseDriftTest, isDrift, type DriftMethod } from './drift-plan.js';
import { divergenceBins, type SturgesOptions } from './histogram.js';
import { jensenShannonDistance } from './jensen-shannon.js';
import { ksPValue, ksStatistic, type KsMethod } from './ks-test.js';
import { distinctValueCounts, toStepDistribution, type NumericSample, type StepDistribution } from './numeric-sample.js';
import { pairwiseSum } from './pairwise-sum.js';
import { populationStabilityIndex } from './psi.js';
import { populationStdDev, wassersteinOfSteps, WASSERSTEIN_MIN_NORM } from './wasserstein.js';
import { proportionsZTest } from './z-test.js';

interface ColumnDriftOverrides {
  /** Test to run instead of the default one. */
  method?: DriftMethod;
  /** Threshold instead of the method's default. */
  threshold?: number;
  /** p-value method of the KS test (default 'auto', as scipy). */
  ksMethod?: KsMethod;
  /**
   * How far the KS statistic may be off because the samples are sketches (the sketches' rank-error
   * bounds added up). The p-value is computed from D minus this, so a sketch never reports a
   * difference it cannot resolve; `statistic` stays the estimated D. Default 0 (exact samples).
   */
  ksStatisticError?: number;
}

export type ColumnDriftInput =
  | ({ kind: 'numeric'; reference: NumericSample; current: NumericSample } & SturgesOptions & ColumnDriftOverrides)
  | ({ kind: 'categorical'; reference: CategoryCountsInput; current: CategoryCountsInput } & ColumnDriftOverrides);

export interface ColumnDriftResult {
  method: DriftMethod;
  /**
   * What Evidently reports as the drift score: the p-value of ks, chisquare and z; the normed
   * Wasserstein distance, the Jensen–Shannon distance or the PSI. null when a side has no rows.
   */
  score: number | null;
  threshold: number;
  drifted: boolean;
  /** PSI over the same bins or categories (Evidently's binning); null when a side has no rows. */
  psi: number | null;
  /** The test statistic behind a p-value: KS D, χ² (Infinity for a category new in current; JSON writes null), or z. */
  statistic?: number;
  referenceRows: number;
  currentRows: number;
  /** Distinct values over both sides, as the planner counted them. */
  distinctValues: number;
}

/**
 * Runs a column's drift test. A side without rows cannot be tested: the result then has score
 * and psi null and is not drifted (Evidently gives NaN and no drift). A constant reference has
 * standard deviation 0, so the Wasserstein distance is divided by 0.001, as in Evidently.
 */
export function columnDrift(input: ColumnDriftInput): ColumnDriftResult {
  return input.kind === 'numeric' ? numericColumnDrift(input) : categoricalColumnDrift(input);
}

type NumericInput = Extract<ColumnDriftInput, { kind: 'numeric' }>;
type CategoricalInput = Extract<ColumnDriftInput, { kind: 'categorical' }>;

function numericColumnDrift(input: NumericInput): ColumnDriftResult {
  const reference = toStepDistribution(input.reference);
  const current = toStepDistribution(input.current);
  const distinctValues = countUnion(reference.values, current.values);
  const plan = chooseDriftTest({ kind: 'numeric', referenceRows: reference.total, distinctValues, method: input.method, threshold: input.threshold });
  const base = { ...plan, referenceRows: reference.total, currentRows: current.total, distinctValues };
  if (reference.total === 0 || current.total === 0) return { ...base, score: null, psi: null, drifted: false };
  const bins = divergenceBins(reference, current, input);
  const psi = populationStabilityIndex(bins.reference, bins.current);
  const outcome = numericScore(plan.method, input, reference, current, bins);
  return { ...base, ...outcome, psi, drifted: isDrift(plan.method, outcome.score, plan.threshold) };
}

function numericScore(
  method: DriftMethod,
  input: NumericInput,
  reference: StepDistribution,
  current: StepDistribution,
  bins: { reference: number[]; current: number[] },
): { score: number; statistic?: number } {
  switch (method) {
    case 'ks': {
      const statistic = ksStatistic(reference, current);
      const result = ksPValue(Math.max(0, statistic - (input.ksStatisticError ?? 0)), reference.total, current.total, input.ksMethod);
      return { score: result.pValue, statistic };
    }
    case 'wasserstein':
      return { score: wassersteinOfSteps(reference, current) / Math.max(populationStdDev(input.reference), WASSERSTEIN_MIN_NORM) };
    case 'jensenshannon':
      return { score: jensenShannonOfCounts(bins.reference, bins.current) };
    case 'psi':
      return { score: populationStabilityIndex(bins.reference, bins.current) };
    case 'chisquare':
    case 'z': {
      const aligned = alignCategoryCounts(distinctValueCounts(reference), distinctValueCounts(current));
      return categoricalScore(method, aligned);
    }
  }
}

function categoricalColumnDrift(input: CategoricalInput): ColumnDriftResult {
  const aligned = alignCategoryCounts(input.reference, input.current);
  const referenceRows = pairwiseSum(aligned.reference);
  const currentRows = pairwiseSum(aligned.current);
  const distinctValues = aligned.keys.length;
  const plan = chooseDriftTest({ kind: 'categorical', referenceRows, distinctValues, method: input.method, threshold: input.threshold });
  const base = { ...plan, referenceRows, currentRows, distinctValues };
  if (referenceRows === 0 || currentRows === 0) return { ...base, score: null, psi: null, drifted: false };
  const psi = populationStabilityIndex(aligned.reference, aligned.current);
  const outcome = categoricalScore(plan.method, aligned);
  return { ...base, ...outcome, psi, drifted: isDrift(plan.method, outcome.score, plan.threshold) };
}

function categoricalScore(
  method: DriftMethod,
  aligned: { keys: Array<string | number>; reference: number[]; current: number[] },
): { score: number; statistic?: number } {
  switch (method) {
    case 'chisquare': {
      const result = chiSquareDriftTest(aligned.reference, aligned.current);
      return { score: result.pValue, statistic: result.statistic };
    }
    case 'z': {
      // Evidently codes the first category in sorted order as 0 and every other one as 1.
      let first = 0;
      aligned.keys.forEach((key, i) => {
        if (compareCategoryKeys(key, aligned.keys[first]!) < 0) first = i;
      });
      const referenceTotal = pairwiseSum(aligned.reference);
      const currentTotal = pairwiseSum(aligned.current);
      const result = proportionsZTest(
        { successes: referenceTotal - aligned.reference[first]!, total: referenceTotal },
        { successes: currentTotal - aligned.current[first]!, total: currentTotal },
      );
      return { score: result.pValue, statistic: result.statistic };
    }
    case 'jensenshannon':
      return { score: jensenShannonOfCounts(aligned.reference, aligned.current) };
    case 'psi':
      return { score: populationStabilityIndex(aligned.reference, aligned.current) };
    default:
      throw new Error(`${method} does not apply to categories`);
  }
}

/** Evidently passes shares (count / rows), which scipy normalises again; the same order here. */
function jensenShannonOfCounts(reference: readonly number[], current: readonly number[]): number {
  const referenceTotal = pairwiseSum(reference);
  const currentTotal = pairwiseSum(current);
  return jensenShannonDistance(
    reference.map((count) => count / referenceTotal),
    current.map((count) => count / currentTotal),
  );
}

function countUnion(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let count = 0;
  while (i < a.length || j < b.length) {
    const x = Math.min(a[i] ?? Infinity, b[j] ?? Infinity);
    if (a[i] === x) i++;
    if (b[j] === x) j++;
    count++;
  }
  return count;
}
