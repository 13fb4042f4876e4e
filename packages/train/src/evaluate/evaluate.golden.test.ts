/**
 * Pins every metric to scikit-learn's value for the same input, from
 * test/evaluate-golden/evaluate-golden.json (made by make_golden.py there; Python is not needed
 * here). Floats agree to 1e-12 (relative above 1), counts exactly.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateClassification } from './classification-metrics.js';
import { evaluateGroups } from './group-metrics.js';
import { mostProbableClasses, toProbabilityMatrix } from './probability-matrix.js';
import { evaluateRegression } from './regression-metrics.js';

interface ExpectedClassification {
  accuracy: number;
  per_class: Array<{ precision: number; recall: number; f1: number; support: number }>;
  confusion_matrix: number[][];
  precision_macro: number;
  recall_macro: number;
  f1_macro: number;
  precision_weighted: number;
  recall_weighted: number;
  f1_weighted: number;
  log_loss?: number;
  roc_auc?: number;
  support?: number;
  positive_rate?: number;
}
interface ClassificationCase {
  name: string;
  classes: string[];
  actual: number[];
  probabilities?: number[];
  probabilities_shape?: number[];
  predicted?: number[];
  expected_predicted: number[];
  expected: ExpectedClassification;
  groups?: string[];
  expected_groups?: Record<string, ExpectedClassification>;
}
interface ExpectedRegression {
  mae: number;
  mse: number;
  rmse: number;
  r2: number;
  max_error: number;
  support?: number;
}
interface RegressionCase {
  name: string;
  actual: number[];
  predicted: number[];
  expected: ExpectedRegression;
  groups?: string[];
  expected_groups?: Record<string, ExpectedRegression>;
}
interface Golden {
  generator: Record<string, string>;
  classification: ClassificationCase[];
  regression: RegressionCase[];
}

const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'evaluate-golden', 'evaluate-golden.json');
const golden = JSON.parse(readFileSync(file, 'utf8')) as Golden;

/** 1e-12 absolute, or relative for values above 1. */
function expectClose(actual: number | null | undefined, expected: number, what: string): void {
  if (typeof actual !== 'number') throw new Error(`${what}: expected ${expected}, got ${String(actual)}`);
  const error = Math.abs(actual - expected);
  if (error > 1e-12 * Math.max(1, Math.abs(expected))) throw new Error(`${what}: expected ${expected}, got ${actual} (error ${error})`);
}

function inputOf(c: ClassificationCase) {
  const rowsOfProbabilities = c.probabilities_shape !== undefined && c.probabilities_shape.length === 2;
  // Two-dimensional probabilities go in as rows of k, to cover that shape; one-dimensional as given.
  const probabilities =
    c.probabilities === undefined
      ? undefined
      : rowsOfProbabilities
        ? Array.from({ length: c.actual.length }, (_, i) => c.probabilities!.slice(i * c.classes.length, (i + 1) * c.classes.length))
        : c.probabilities;
  return { classes: c.classes, actual: c.actual, ...(c.predicted === undefined ? {} : { predicted: c.predicted }), ...(probabilities === undefined ? {} : { probabilities }) };
}

function checkClassification(metrics: ReturnType<typeof evaluateClassification>, expected: ExpectedClassification, classes: readonly string[], where: string): void {
  expectClose(metrics.accuracy, expected.accuracy, `${where} accuracy`);
  for (const key of ['precision_macro', 'recall_macro', 'f1_macro', 'precision_weighted', 'recall_weighted', 'f1_weighted'] as const) {
    expectClose(metrics[key], expected[key], `${where} ${key}`);
  }
  classes.forEach((name, c) => {
    const got = metrics.per_class[name]!;
    const want = expected.per_class[c]!;
    expectClose(got.precision, want.precision, `${where} ${name} precision`);
    expectClose(got.recall, want.recall, `${where} ${name} recall`);
    expectClose(got.f1, want.f1, `${where} ${name} f1`);
    expect(got.support).toBe(want.support);
  });
  expect(metrics.confusion_matrix.matrix).toEqual(expected.confusion_matrix);
  if (expected.log_loss === undefined) expect(metrics.log_loss).toBeNull();
  else expectClose(metrics.log_loss, expected.log_loss, `${where} log_loss`);
  if (expected.roc_auc === undefined) expect(metrics.roc_auc).toBeNull();
  else expectClose(metrics.roc_auc, expected.roc_auc, `${where} roc_auc`);
}

test('golden values come from scikit-learn', () => {
  expect(golden.generator['scikit-learn']).toMatch(/^\d+\.\d+/);
});

describe('classification against scikit-learn', () => {
  test.each(golden.classification.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const metrics = evaluateClassification(inputOf(c));
    expect(metrics.count).toBe(c.actual.length);
    expect(metrics.confusion_matrix.labels).toEqual(c.classes);
    checkClassification(metrics, c.expected, c.classes, c.name);
  });

  test.each(golden.classification.filter((c) => c.probabilities !== undefined).map((c) => [c.name, c] as const))('%s: most probable class as np.argmax', (_, c) => {
    const matrix = toProbabilityMatrix(c.probabilities!, c.actual.length, c.classes.length);
    expect(mostProbableClasses(matrix, c.actual.length, c.classes.length)).toEqual(c.expected_predicted);
  });

  test.each(golden.classification.filter((c) => c.groups !== undefined).map((c) => [c.name, c] as const))('%s: per group', (_, c) => {
    const report = evaluateGroups({ task: 'classification', ...inputOf(c) }, { column: 'group', values: c.groups! });
    const values = Object.keys(c.expected_groups!).sort();
    expect(report.groups.map((g) => g.value)).toEqual(values);
    for (const group of report.groups) {
      const want = c.expected_groups![group.value]!;
      expect(group.support).toBe(want.support);
      for (const name of report.metrics) {
        const expected = (want as unknown as Record<string, number | undefined>)[name];
        if (expected === undefined) expect(group.metrics[name]).toBeNull();
        else expectClose(group.metrics[name], expected, `${c.name} ${group.value} ${name}`);
      }
    }
    for (const name of report.metrics) {
      const values = Object.values(c.expected_groups!)
        .map((g) => (g as unknown as Record<string, number | undefined>)[name])
        .filter((v): v is number => v !== undefined);
      expectClose(report.gaps[name]!.gap, Math.max(...values) - Math.min(...values), `${c.name} gap ${name}`);
    }
  });
});

describe('regression against scikit-learn', () => {
  test.each(golden.regression.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const metrics = evaluateRegression({ actual: c.actual, predicted: c.predicted });
    for (const key of ['mae', 'mse', 'rmse', 'r2', 'max_error'] as const) expectClose(metrics[key], c.expected[key], `${c.name} ${key}`);
    expect(metrics.count).toBe(c.actual.length);
  });

  test('the golden data include a negative R²', () => {
    expect(golden.regression.some((c) => c.expected.r2 < 0)).toBe(true);
  });

  test.each(golden.regression.filter((c) => c.groups !== undefined).map((c) => [c.name, c] as const))('%s: per group', (_, c) => {
    const report = evaluateGroups({ task: 'regression', actual: c.actual, predicted: c.predicted }, { column: 'group', values: c.groups! });
    for (const group of report.groups) {
      const want = c.expected_groups![group.value]!;
      expect(group.support).toBe(want.support);
      for (const name of report.metrics) expectClose(group.metrics[name], want[name as keyof ExpectedRegression]!, `${c.name} ${group.value} ${name}`);
    }
  });
});
