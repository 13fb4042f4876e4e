/**
 * Which drift test a column gets: Evidently's default rules (its stattests registry,
 * _get_default_stattest), each overridable per column.
 *
 * With n = distinct values over reference and current together:
 * - reference of at most 1,000 rows: numeric with n > 5 → ks; otherwise (numeric with n ≤ 5, or
 *   categorical) chisquare when n > 2, else z (binary, or a single value);
 * - larger references: numeric with n > 5 → wasserstein; otherwise jensenshannon.
 */
import { invalidDriftOption } from './drift-errors.js';

export type DriftMethod = 'ks' | 'chisquare' | 'z' | 'wasserstein' | 'jensenshannon' | 'psi';
export type DriftColumnKind = 'numeric' | 'categorical';

export interface DriftMethodInfo {
  /** What the score is: a p-value (drift when small) or a distance (drift when large). */
  score: 'p-value' | 'distance';
  defaultThreshold: number;
  /** Column kinds the method applies to; numeric values also count as categories. */
  kinds: readonly DriftColumnKind[];
  /** What Evidently calls the score. */
  title: string;
}

export const DRIFT_METHODS: Readonly<Record<DriftMethod, DriftMethodInfo>> = {
  ks: { score: 'p-value', defaultThreshold: 0.05, kinds: ['numeric'], title: 'K-S p_value' },
  chisquare: { score: 'p-value', defaultThreshold: 0.05, kinds: ['numeric', 'categorical'], title: 'chi-square p_value' },
  z: { score: 'p-value', defaultThreshold: 0.05, kinds: ['numeric', 'categorical'], title: 'Z-test p_value' },
  wasserstein: { score: 'distance', defaultThreshold: 0.1, kinds: ['numeric'], title: 'Wasserstein distance (normed)' },
  jensenshannon: { score: 'distance', defaultThreshold: 0.1, kinds: ['numeric', 'categorical'], title: 'Jensen-Shannon distance' },
  psi: { score: 'distance', defaultThreshold: 0.1, kinds: ['numeric', 'categorical'], title: 'PSI' },
};

/** Evidently's cut between small references (statistical tests) and large ones (distances). */
export const SMALL_REFERENCE_MAX_ROWS = 1000;
/** Numeric columns with at most this many distinct values are tested as categories. */
export const CATEGORICAL_MAX_DISTINCT = 5;

/**
 * Drift verdict of a score, with Evidently's comparisons: ks p ≤ threshold; chisquare and z
 * p < threshold; distances ≥ threshold.
 */
export function isDrift(method: DriftMethod, score: number, threshold: number): boolean {
  if (method === 'ks') return score <= threshold;
  return DRIFT_METHODS[method].score === 'p-value' ? score < threshold : score >= threshold;
}

export interface DriftTestChoice {
  method: DriftMethod;
  threshold: number;
}

export interface ChooseDriftTestOptions {
  kind: DriftColumnKind;
  /** Rows (total weight) of the reference. */
  referenceRows: number;
  /** Distinct non-missing values over reference and current together. */
  distinctValues: number;
  /** Overrides the chosen method. */
  method?: DriftMethod;
  /** Overrides the method's default threshold. */
  threshold?: number;
}

/** Method and threshold for a column; coded usage error for a method the kind cannot take. */
export function chooseDriftTest(options: ChooseDriftTestOptions): DriftTestChoice {
  const method = options.method ?? defaultMethod(options);
  const info = DRIFT_METHODS[method] as DriftMethodInfo | undefined;
  if (info === undefined) throw invalidDriftOption('method', method, `one of ${Object.keys(DRIFT_METHODS).join(', ')}`);
  if (!info.kinds.includes(options.kind)) throw invalidDriftOption('method', method, `a method for ${options.kind} columns`);
  const threshold = options.threshold ?? info.defaultThreshold;
  if (!(Number.isFinite(threshold) && threshold >= 0)) throw invalidDriftOption('threshold', threshold, 'a finite number ≥ 0');
  return { method, threshold };
}

function defaultMethod({ kind, referenceRows, distinctValues }: ChooseDriftTestOptions): DriftMethod {
  const manyValues = kind === 'numeric' && distinctValues > CATEGORICAL_MAX_DISTINCT;
  if (referenceRows <= SMALL_REFERENCE_MAX_ROWS) {
    if (manyValues) return 'ks';
    return distinctValues > 2 ? 'chisquare' : 'z';
  }
  return manyValues ? 'wasserstein' : 'jensenshannon';
}
