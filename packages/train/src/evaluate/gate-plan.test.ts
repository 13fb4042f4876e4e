import { isMlshipError } from '@mlship/core';
import { parseMetricNames, planGates } from './gate-plan.js';

function errorOf(run: () => unknown): { code: string; message: string; hint: string | undefined; exitCode: number } {
  try {
    run();
  } catch (error) {
    if (isMlshipError(error)) return error;
    throw error;
  }
  throw new Error('expected a coded error');
}

describe('planGates', () => {
  test('parses the documented forms into a plan', () => {
    const plan = planGates(['accuracy>=0.95', ' f1_macro > 0.9 ', 'rmse<=0.3', 'per_class.setosa.recall>=0.9', 'group_gap.accuracy<0.05', 'r2 >= -0.5', 'log_loss<=1e-1']);
    expect(plan.gates.map((g) => [g.metric, g.operator, g.threshold])).toEqual([
      ['accuracy', '>=', 0.95],
      ['f1_macro', '>', 0.9],
      ['rmse', '<=', 0.3],
      ['per_class.setosa.recall', '>=', 0.9],
      ['group_gap.accuracy', '<', 0.05],
      ['r2', '>=', -0.5],
      ['log_loss', '<=', 0.1],
    ]);
    expect(plan.gates[1]).toEqual({ source: ' f1_macro > 0.9 ', expression: 'f1_macro > 0.9', metric: 'f1_macro', ref: { kind: 'scalar', name: 'f1_macro' }, operator: '>', threshold: 0.9 });
    expect(plan.gates[3]!.ref).toEqual({ kind: 'per_class', className: 'setosa', score: 'recall' });
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  test('class names: unquoted up to the last dot, or quoted as JSON', () => {
    const plan = planGates(['per_class.Iris-setosa.f1>=0.9', 'per_class.v1.2.precision>0.5', 'per_class."a b<c".recall>=0.5', 'per_class."9".f1>=0.1']);
    expect(plan.gates.map((g) => g.ref)).toEqual([
      { kind: 'per_class', className: 'Iris-setosa', score: 'f1' },
      { kind: 'per_class', className: 'v1.2', score: 'precision' },
      { kind: 'per_class', className: 'a b<c', score: 'recall' },
      { kind: 'per_class', className: '9', score: 'f1' },
    ]);
    expect(plan.gates[1]!.metric).toBe('per_class."v1.2".precision');
    expect(plan.gates[2]!.expression).toBe('per_class."a b<c".recall >= 0.5');
  });

  test('metric names are case-insensitive; class names are not', () => {
    expect(planGates(['Accuracy>=0.5', 'PER_CLASS.Setosa.Recall>=0.5']).gates.map((g) => g.metric)).toEqual(['accuracy', 'per_class.Setosa.recall']);
  });

  test.each([
    ['accuracy', /no comparison/],
    ['', /empty/],
    ['accuracy=0.9', /unknown operator/],
    ['accuracy==0.9', /unknown operator/],
    ['accuracy=>0.9', /unknown operator/],
    ['accuracy>>0.9', /unknown operator/],
    ['accuracy!=0.9', /unknown operator/],
    ['accuracy>=', /"" is not a number/],
    ['accuracy>=high', /"high" is not a number/],
    ['accuracy>=0.9x', /not a number/],
    ['>=0.9', /names no metric/],
    ['acc uracy>=0.9', /not a metric name/],
    ['per_class.setosa>=0.9', /per_class.<class>/],
    ['per_class..recall>=0.9', /class name is empty/],
    ['per_class."setosa.recall>=0.9', /not closed/],
    ['per_class."setosa"recall>=0.9', /expected .precision/],
    ['accuracy>=95', /outside the range of accuracy, \[0, 1\]; write a fraction, e.g. accuracy>=0.95/],
    ['rmse<=-1', /outside the range/],
  ])('%p is a syntax error', (expression, message) => {
    const error = errorOf(() => planGates([expression]));
    expect(error.code).toBe('MLSHIP_E_GATE_SYNTAX');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(/METRIC OP NUMBER/);
  });

  test('unknown metrics: the known names in the hint, and the nearest one', () => {
    const error = errorOf(() => planGates(['f1macro>=0.9']));
    expect(error.code).toBe('MLSHIP_E_GATE_UNKNOWN_METRIC');
    expect(error.message).toMatch(/no metric "f1macro"/);
    expect(error.hint).toMatch(/^did you mean f1_macro\? known metrics: accuracy, precision_macro, .*rmse.*per_class\.<class>\.precision\|recall\|f1/);
    expect(errorOf(() => planGates(['per_class.setosa.recal>=0.9'])).hint).toMatch(/did you mean per_class.setosa.recall\?/);
    expect(errorOf(() => planGates(['group_gap.acuracy<=0.1'])).hint).toMatch(/did you mean group_gap.accuracy\?/);
    expect(errorOf(() => planGates(['banana>=1'])).hint).not.toMatch(/did you mean/);
  });

  test('all bad expressions are listed at once; syntax errors first', () => {
    const error = errorOf(() => planGates(['accuracy>=0.9', 'nope>=1', 'accuracy=1', 'rmse<>1']));
    expect(error.code).toBe('MLSHIP_E_GATE_SYNTAX');
    expect(error.message).toMatch(/^2 invalid gates: "accuracy=1".*; "rmse<>1"/);
  });

  test('with a task and classes, metrics of the other task and unknown classes are refused', () => {
    const context = { task: 'classification' as const, classes: ['setosa', 'versicolor'] };
    expect(planGates(['accuracy>=0.9', 'per_class.setosa.recall>=0.5'], context).gates).toHaveLength(2);
    const task = errorOf(() => planGates(['rmse<=0.3'], context));
    expect(task.code).toBe('MLSHIP_E_GATE_UNKNOWN_METRIC');
    expect(task.message).toMatch(/rmse is a regression metric, but the model is a classification model/);
    expect(task.hint).not.toMatch(/rmse/);
    const unknownClass = errorOf(() => planGates(['per_class.setos.recall>=0.5'], context));
    expect(unknownClass.message).toMatch(/no class "setos" \(classes: setosa, versicolor\)/);
    expect(unknownClass.hint).toMatch(/did you mean per_class.setosa.recall\?.*per_class.setosa.precision\|recall\|f1/);
    expect(errorOf(() => planGates(['group_gap.rmse<=1'], context)).code).toBe('MLSHIP_E_GATE_UNKNOWN_METRIC');
  });
});

describe('parseMetricNames', () => {
  test('parses bare names', () => {
    expect(parseMetricNames(['accuracy', 'per_class.a.f1'])).toEqual([
      { kind: 'scalar', name: 'accuracy' },
      { kind: 'per_class', className: 'a', score: 'f1' },
    ]);
    expect(errorOf(() => parseMetricNames(['acuracy'])).code).toBe('MLSHIP_E_GATE_UNKNOWN_METRIC');
  });
});
