/**
 * Metrics per value of a sensitive column (`--group-by COL`) and, for each metric, the largest gap
 * between groups: the first thing to look at for a model that serves some groups worse than others.
 */
import { checkClasses, checkClassIndices, checkLength, checkNotEmpty } from './check-input.js';
import { evaluateClassification } from './classification-metrics.js';
import { invalidEvaluationInput } from './evaluate-errors.js';
import type { EvaluationInput, Task } from './evaluation-types.js';
import { distinctSorted } from './label-order.js';
import { mostProbableClasses, toProbabilityMatrix } from './probability-matrix.js';
import { evaluateRegression } from './regression-metrics.js';

/** The group of rows whose sensitive value is missing (null, undefined, "" or NaN). */
export const MISSING_GROUP = '(missing)';

export interface GroupMetricsOptions {
  /** The sensitive column's name, for the report. */
  column: string;
  /** The column's value in each evaluated row. Values are compared as text. */
  values: ArrayLike<unknown>;
  /** Groups with fewer rows are reported but left out of the gaps. Default 1. */
  minSupport?: number;
  /** More distinct values than this is refused: the column is an identifier, not a group. Default 100. */
  maxGroups?: number;
}

export const DEFAULT_MAX_GROUPS = 100;

export interface GroupResult {
  /** The group's value as text, or MISSING_GROUP. */
  value: string;
  support: number;
  /** Every metric of `GroupMetrics.metrics`; null where undefined for this group. */
  metrics: Record<string, number | null>;
  /** False when support < minSupport. */
  inGaps: boolean;
}

export interface GroupGap {
  /** Highest − lowest value among the groups in the gaps; null with fewer than two such groups. */
  gap: number | null;
  highest: { group: string; value: number } | null;
  lowest: { group: string; value: number } | null;
}

export interface GroupMetrics {
  column: string;
  task: Task;
  minSupport: number;
  /** The metrics compared, in report order. */
  metrics: string[];
  /** Sorted by value (numerically when every value is a number), MISSING_GROUP last. */
  groups: GroupResult[];
  gaps: Record<string, GroupGap>;
}

/**
 * Classification: accuracy, macro precision/recall/F1, with probabilities log loss, and for binary
 * tasks ROC AUC (with probabilities) and positive_rate, the share of rows predicted `classes[1]`
 * (its gap is the demographic-parity difference). Regression: MAE, RMSE, R², max error.
 */
export function groupMetricNames(input: EvaluationInput): string[] {
  if (input.task === 'regression') return ['mae', 'rmse', 'r2', 'max_error'];
  const binary = input.classes.length === 2;
  const probabilities = input.probabilities !== undefined;
  return [
    'accuracy',
    'precision_macro',
    'recall_macro',
    'f1_macro',
    ...(binary ? ['positive_rate'] : []),
    ...(binary && probabilities ? ['roc_auc'] : []),
    ...(probabilities ? ['log_loss'] : []),
  ];
}

function isMissing(value: unknown): boolean {
  return value === null || value === undefined || value === '' || (typeof value === 'number' && Number.isNaN(value));
}

/** Evaluates each group of rows sharing a value of `options.values`; throws MLSHIP_E_EVAL_INPUT for bad input. */
export function evaluateGroups(input: EvaluationInput, options: GroupMetricsOptions): GroupMetrics {
  const n = input.actual.length;
  checkNotEmpty('actual', n);
  checkLength(`group column ${options.column}`, options.values.length, n);
  const minSupport = options.minSupport ?? 1;
  if (!Number.isInteger(minSupport) || minSupport < 1) {
    throw invalidEvaluationInput(`minSupport must be a positive integer, got ${String(minSupport)}`, 'pass a minimum group size of 1 or more');
  }

  const keys = Array.from(options.values, (value) => (isMissing(value) ? MISSING_GROUP : String(value)));
  const present = Array.from(options.values).filter((value) => !isMissing(value));
  const order = distinctSorted(present);
  if (keys.includes(MISSING_GROUP)) order.push(MISSING_GROUP);
  const maxGroups = options.maxGroups ?? DEFAULT_MAX_GROUPS;
  if (order.length > maxGroups) {
    throw invalidEvaluationInput(
      `column ${options.column} has ${order.length} distinct values, more than the ${maxGroups} groups allowed`,
      'group by a categorical column (bucket numeric ones first), or raise maxGroups',
      { groups: order.length, maxGroups },
    );
  }
  const rowsOf = new Map<string, number[]>(order.map((key) => [key, []]));
  keys.forEach((key, row) => rowsOf.get(key)!.push(row));

  const names = groupMetricNames(input);
  const evaluateRows = rowEvaluator(input);
  const groups: GroupResult[] = order.map((value) => {
    const rows = rowsOf.get(value)!;
    return { value, support: rows.length, metrics: evaluateRows(rows, names), inGaps: rows.length >= minSupport };
  });
  const gaps = Object.fromEntries(names.map((name) => [name, gapOf(groups, name)]));
  return { column: options.column, task: input.task, minSupport, metrics: names, groups, gaps };
}

type RowEvaluator = (rows: readonly number[], names: readonly string[]) => Record<string, number | null>;

/** Checks the whole input once, then evaluates subsets of rows. */
function rowEvaluator(input: EvaluationInput): RowEvaluator {
  if (input.task === 'regression') {
    evaluateRegression(input);
    return (rows, names) => {
      const metrics = evaluateRegression({ actual: rows.map((i) => input.actual[i]!), predicted: rows.map((i) => input.predicted[i]!) });
      return pick(metrics as unknown as Record<string, unknown>, names);
    };
  }
  const { classes, actual } = input;
  const n = actual.length;
  checkClasses(classes);
  const k = classes.length;
  checkClassIndices('actual', actual, k);
  const matrix = input.probabilities === undefined ? undefined : toProbabilityMatrix(input.probabilities, n, k);
  if (input.predicted === undefined && matrix === undefined) {
    throw invalidEvaluationInput('classification needs predicted classes or probabilities, got neither', 'pass `predicted` or `probabilities`');
  }
  const predicted = input.predicted ?? mostProbableClasses(matrix!, n, k);
  checkLength('predicted', predicted.length, n);
  checkClassIndices('predicted', predicted, k);
  return (rows, names) => {
    const subset = new Float64Array(matrix === undefined ? 0 : rows.length * k);
    if (matrix !== undefined) rows.forEach((row, i) => subset.set(matrix.subarray(row * k, row * k + k), i * k));
    const rowPredicted = rows.map((i) => predicted[i]!);
    const metrics = evaluateClassification({
      classes,
      actual: rows.map((i) => actual[i]!),
      predicted: rowPredicted,
      ...(matrix === undefined ? {} : { probabilities: subset }),
    });
    const positiveRate = rowPredicted.filter((c) => c === 1).length / rows.length;
    return pick({ ...metrics, positive_rate: positiveRate } as unknown as Record<string, unknown>, names);
  };
}

function pick(metrics: Record<string, unknown>, names: readonly string[]): Record<string, number | null> {
  return Object.fromEntries(names.map((name) => [name, typeof metrics[name] === 'number' ? (metrics[name] as number) : null]));
}

function gapOf(groups: readonly GroupResult[], name: string): GroupGap {
  let highest: { group: string; value: number } | null = null;
  let lowest: { group: string; value: number } | null = null;
  let counted = 0;
  for (const group of groups) {
    const value = group.metrics[name];
    if (!group.inGaps || value === null || value === undefined) continue;
    counted++;
    if (highest === null || value > highest.value) highest = { group: group.value, value };
    if (lowest === null || value < lowest.value) lowest = { group: group.value, value };
  }
  if (counted < 2 || highest === null || lowest === null) return { gap: null, highest, lowest };
  return { gap: highest.value - lowest.value, highest, lowest };
}
