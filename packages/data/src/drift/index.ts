// Drift statistics: Evidently's default column drift tests, on raw values or on summaries.
export { pairwiseSum } from './pairwise-sum.js';
export { logGamma, log1pMinusX, regularizedGammaQ, chiSquaredSf, erfc, normalSf } from './special-functions.js';
export { kstwoSf, kstwoCdf, smirnovSf } from './ks-distribution.js';
export {
  histogramSample,
  isWeightedSample,
  sampleTotal,
  toStepDistribution,
  distinctValueCounts,
  type NumericSample,
  type StepDistribution,
  type WeightedSample,
} from './numeric-sample.js';
export {
  alignCategoryCounts,
  compareCategoryKeys,
  type AlignedCategoryCounts,
  type CategoryCountsInput,
  type CategoryKey,
} from './category-counts.js';
export {
  DIVERGENCE_BINNING_MIN_DISTINCT,
  divergenceBins,
  histogramCounts,
  sturgesBinEdges,
  type DivergenceBins,
  type SturgesOptions,
} from './histogram.js';
export { KS_EXACT_MAX_N, ksPValue, ksStatistic, ksTwoSample, type KsMethod, type KsTestResult } from './ks-test.js';
export { chiSquareDriftTest, chiSquareGoodnessOfFit, type ChiSquareResult } from './chi-squared.js';
export { proportionsZTest, type ZTestResult } from './z-test.js';
export { WASSERSTEIN_MIN_NORM, normedWassersteinDistance, populationStdDev, wassersteinDistance } from './wasserstein.js';
export { jensenShannonDistance } from './jensen-shannon.js';
export { fillEmptyShares, populationStabilityIndex } from './psi.js';
export {
  CATEGORICAL_MAX_DISTINCT,
  DRIFT_METHODS,
  SMALL_REFERENCE_MAX_ROWS,
  chooseDriftTest,
  isDrift,
  type ChooseDriftTestOptions,
  type DriftColumnKind,
  type DriftMethod,
  type DriftMethodInfo,
  type DriftTestChoice,
} from './drift-plan.js';
export { columnDrift, type ColumnDriftInput, type ColumnDriftResult } from './column-drift.js';
export { datasetDrift, type DatasetDriftResult } from './dataset-drift.js';
