/**
 * Permutation feature importance: how much the primary metric drops when one feature's values are
 * shuffled across rows, breaking its link to the label while keeping its distribution. Model-
 * agnostic: it only calls `predict`.
 */
import { checkFinite, checkLength, checkNotEmpty } from './check-input.js';
import { sumOf } from './compensated-sum.js';
import { invalidEvaluationInput } from './evaluate-errors.js';
import type { Task } from './evaluation-types.js';
import { evaluateRegression } from './regression-metrics.js';
import { createRandom, randomPermutation } from './seeded-random.js';

export type FeatureRow = Record<string, unknown>;

export interface PermutationImportanceOptions<R extends FeatureRow = FeatureRow> {
  task: Task;
  /** The evaluation rows, as `predict` takes them. They are copied, never modified. */
  rows: readonly R[];
  /** The columns to permute, one at a time. */
  features: readonly string[];
  /** One prediction per row: a class index (classification) or a value (regression). */
  predict: (rows: readonly R[]) => Promise<ArrayLike<number>>;
  /** The true class indices (classification) or values (regression). */
  actual: ArrayLike<number>;
  /** Shuffles are drawn from (seed, feature, repeat): a feature's numbers do not depend on the others. */
  seed: number | string;
  /** Shuffles per feature. Default 5. */
  repeats?: number;
  /** Called after each prediction, including the unshuffled one. */
  onProgress?: (done: number, total: number) => void;
}

export interface FeatureImportance {
  feature: string;
  /** Mean drop of the metric (baseline − shuffled score); near 0 or below for a useless feature. */
  mean: number;
  /** Population standard deviation of the drops. */
  std: number;
  /** The drop of each repeat, in repeat order. */
  drops: number[];
}

export interface PermutationImportance {
  /** accuracy for classification, r2 for regression. */
  metric: 'accuracy' | 'r2';
  /** The metric on unshuffled rows. */
  baseline: number;
  repeats: number;
  seed: number | string;
  /** Sorted by mean drop, largest first; equal means keep the order of `features`. */
  features: FeatureImportance[];
}

export const DEFAULT_IMPORTANCE_REPEATS = 5;

/**
 * Runs `predict` 1 + features × repeats times, one at a time. Throws MLSHIP_E_EVAL_INPUT for bad
 * options, a feature that the rows lack, predictions of the wrong length, or a constant regression
 * target (R² undefined).
 */
export async function permutationImportance<R extends FeatureRow>(options: PermutationImportanceOptions<R>): Promise<PermutationImportance> {
  const { task, rows, features, actual, seed } = options;
  const repeats = options.repeats ?? DEFAULT_IMPORTANCE_REPEATS;
  checkOptions(options, repeats);
  const metric = task === 'classification' ? 'accuracy' : 'r2';
  const total = 1 + features.length * repeats;
  let done = 0;
  const scoreOf = async (input: readonly R[]): Promise<number> => {
    const predictions = await options.predict(input);
    checkLength('predictions', predictions.length, rows.length, 'rows');
    checkFinite('predictions', predictions);
    options.onProgress?.(++done, total);
    return score(task, actual, predictions);
  };

  const baseline = await scoreOf(rows);
  const working = rows.map((row) => ({ ...row }));
  const results: FeatureImportance[] = [];
  for (const feature of features) {
    const original = rows.map((row) => row[feature]);
    const drops: number[] = [];
    for (let repeat = 0; repeat < repeats; repeat++) {
      const order = randomPermutation(rows.length, createRandom(`${String(seed)}\u0000${feature}\u0000${repeat}`));
      working.forEach((row, i) => ((row as FeatureRow)[feature] = original[order[i]!]));
      drops.push(baseline - (await scoreOf(working)));
    }
    working.forEach((row, i) => ((row as FeatureRow)[feature] = original[i]));
    const mean = sumOf(repeats, (i) => drops[i]!) / repeats;
    const std = Math.sqrt(sumOf(repeats, (i) => (drops[i]! - mean) ** 2) / repeats);
    results.push({ feature, mean, std, drops });
  }
  results.sort((a, b) => b.mean - a.mean);
  return { metric, baseline, repeats, seed, features: results };
}

function score(task: Task, actual: ArrayLike<number>, predictions: ArrayLike<number>): number {
  if (task === 'classification') {
    let correct = 0;
    for (let i = 0; i < actual.length; i++) if (predictions[i] === actual[i]) correct++;
    return correct / actual.length;
  }
  // Constant targets were refused up front, so R² is defined.
  return evaluateRegression({ actual, predicted: predictions }).r2!;
}

function checkOptions<R extends FeatureRow>(options: PermutationImportanceOptions<R>, repeats: number): void {
  const { rows, features, actual, task } = options;
  checkNotEmpty('rows', rows.length);
  checkLength('actual', actual.length, rows.length, 'rows');
  checkFinite('actual', actual);
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw invalidEvaluationInput(`repeats must be a positive integer, got ${String(repeats)}`, 'pass repeats ≥ 1 (5 is usual)');
  }
  if (typeof options.seed !== 'string' && !Number.isFinite(options.seed)) {
    throw invalidEvaluationInput(`seed must be a finite number or a string, got ${String(options.seed)}`, 'pass a fixed seed so the result can be repeated');
  }
  if (features.length === 0) throw invalidEvaluationInput('no features to permute', 'name the feature columns');
  const duplicate = features.find((feature, i) => features.indexOf(feature) !== i);
  if (duplicate !== undefined) throw invalidEvaluationInput(`feature ${JSON.stringify(duplicate)} is named twice`, 'name each feature once');
  const missing = features.filter((feature) => !Object.hasOwn(rows[0]!, feature));
  if (missing.length > 0) {
    throw invalidEvaluationInput(`the rows have no column ${missing.map((f) => JSON.stringify(f)).join(', ')}`, `permute columns the rows hold: ${Object.keys(rows[0]!).join(', ')}`, {
      missing,
    });
  }
  if (task === 'regression') {
    let constant = true;
    for (let i = 1; i < actual.length && constant; i++) constant = actual[i] === actual[0];
    if (constant) {
      throw invalidEvaluationInput('the true values are constant, so R² (the importance metric for regression) is undefined', 'evaluate importance on rows whose target varies');
    }
  }
}
