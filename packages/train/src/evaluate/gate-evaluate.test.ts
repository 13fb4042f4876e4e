import { evaluateClassification } from './classification-metrics.js';
import { evaluateGates } from './gate-evaluate.js';
import { planGates } from './gate-plan.js';
import { evaluateGroups } from './group-metrics.js';
import { evaluateRegression } from './regression-metrics.js';

// accuracy 0.75; per_class: a recall 1, b recall 0.5
const classification = evaluateClassification({ classes: ['a', 'b'], actual: [0, 0, 1, 1], probabilities: [0.1, 0.2, 0.9, 0.4] });
const regression = evaluateRegression({ actual: [1, 2, 3, 4], predicted: [1.5, 2, 3, 4] });

describe('evaluateGates', () => {
  test('threshold gates: actual, threshold and verdict per gate', () => {
    const report = evaluateGates(planGates(['accuracy>=0.75', 'accuracy>0.75', 'per_class.b.recall>=0.9', 'log_loss<1']), classification);
    expect(report.results.map((r) => [r.expression, r.actual, r.threshold, r.passed])).toEqual([
      ['accuracy >= 0.75', 0.75, 0.75, true],
      ['accuracy > 0.75', 0.75, 0.75, false],
      ['per_class.b.recall >= 0.9', 0.5, 0.9, false],
      ['log_loss < 1', classification.log_loss, 1, true],
    ]);
    expect(report).toMatchObject({ passed: false, failed: 2 });
    expect(report.results[0]).toEqual({ kind: 'threshold', expression: 'accuracy >= 0.75', metric: 'accuracy', operator: '>=', actual: 0.75, threshold: 0.75, passed: true });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  test('no gates pass trivially', () => {
    expect(evaluateGates({ gates: [] }, regression)).toEqual({ passed: true, failed: 0, baseline: null, results: [] });
  });

  test('values equal to the threshold up to rounding meet it', () => {
    const metrics = { ...classification, f1_macro: 0.95 - 2 ** -53 };
    expect(metrics.f1_macro).toBeLessThan(0.95);
    expect(evaluateGates(planGates(['f1_macro>=0.95']), metrics).passed).toBe(true);
    expect(evaluateGates(planGates(['f1_macro<0.95']), metrics).passed).toBe(false);
    expect(evaluateGates(planGates(['f1_macro>=0.9500001']), metrics).passed).toBe(false);
  });

  test('a metric that is undefined for the model fails the gate with a reason', () => {
    const single = evaluateClassification({ classes: ['n', 'y'], actual: [1, 1], probabilities: [0.4, 0.6] });
    const [result] = evaluateGates(planGates(['roc_auc>=0.8']), single).results;
    expect(result).toMatchObject({ actual: null, passed: false, reason: expect.stringMatching(/only one class/) });
    const constant = evaluateRegression({ actual: [2, 2], predicted: [1, 3] });
    expect(evaluateGates(planGates(['r2>=0']), constant).results[0]).toMatchObject({ passed: false, reason: expect.stringMatching(/constant/) });
  });

  test('gates that do not fit the model are coded errors', () => {
    expect(() => evaluateGates(planGates(['rmse<=1']), classification)).toThrow(expect.objectContaining({ code: 'MLSHIP_E_GATE_UNKNOWN_METRIC', message: expect.stringMatching(/regression metric/) }));
    expect(() => evaluateGates(planGates(['per_class.c.f1>=0.1']), classification)).toThrow(expect.objectContaining({ code: 'MLSHIP_E_GATE_UNKNOWN_METRIC', message: expect.stringMatching(/no class "c"/) }));
    expect(() => evaluateGates(planGates(['group_gap.accuracy<=0.1']), classification)).toThrow(
      expect.objectContaining({ code: 'MLSHIP_E_GATE_UNKNOWN_METRIC', hint: expect.stringMatching(/--group-by/) }),
    );
  });

  test('group gap gates read the group report', () => {
    const input = { task: 'regression' as const, actual: [1, 2, 3, 4], predicted: [1.5, 2, 3, 4] };
    const groups = evaluateGroups(input, { column: 'g', values: ['x', 'x', 'y', 'y'] });
    const report = evaluateGates(planGates(['group_gap.mae<=0.2', 'group_gap.max_error<=0.6']), regression, { groups });
    expect(report.results.map((r) => [r.actual, r.passed])).toEqual([
      [0.25, false],
      [0.5, true],
    ]);
  });
});

describe('evaluateGates with a baseline', () => {
  const baseline = { ...classification, accuracy: 0.8, per_class: { ...classification.per_class, b: { ...classification.per_class.b!, recall: 0.55 } } };

  test('compares the primary metric and the gated ones, direction-aware', () => {
    const report = evaluateGates(planGates(['per_class.b.recall>=0.4', 'log_loss<=2']), classification, { baseline: { metrics: { ...baseline, log_loss: 0.1 }, maxRegression: 0.05 } });
    const baselineResults = report.results.filter((r) => r.kind === 'baseline');
    expect(baselineResults.map((r) => [r.expression, r.baseline, r.threshold, r.passed])).toEqual([
      ['accuracy >= baseline - 0.05', 0.8, 0.8 - 0.05, true],
      ['per_class.b.recall >= baseline - 0.05', 0.55, 0.55 - 0.05, true],
      ['log_loss <= baseline + 0.05', 0.1, 0.1 + 0.05, false],
    ]);
    expect(baselineResults[0]).toEqual({
      kind: 'baseline',
      expression: 'accuracy >= baseline - 0.05',
      metric: 'accuracy',
      operator: '>=',
      actual: 0.75,
      threshold: 0.8 - 0.05,
      baseline: 0.8,
      maxRegression: 0.05,
      passed: true,
    });
    expect(report.passed).toBe(false);
    expect(report.baseline).toEqual({ ref: null, maxRegression: 0.05 });
  });

  test('for error metrics higher is worse', () => {
    const before = { ...regression, rmse: 0.2, r2: 0.99 };
    const report = evaluateGates({ gates: [] }, regression, { baseline: { metrics: before, maxRegression: 0.1, compare: ['rmse', 'r2'] } });
    // rmse 0.25 ≤ 0.2 + 0.1: passes; r2 0.98 ≥ 0.99 − 0.1: passes.
    expect(report.results.map((r) => [r.metric, r.operator, r.passed])).toEqual([
      ['rmse', '<=', true],
      ['r2', '>=', true],
    ]);
    const worse = evaluateGates({ gates: [] }, regression, { baseline: { metrics: { ...before, rmse: 0.1 }, maxRegression: 0.1, compare: ['rmse'] } });
    expect(worse.results[0]).toMatchObject({ actual: 0.25, threshold: 0.2, passed: false });
  });

  test('a drop of exactly maxRegression passes despite float rounding', () => {
    const metrics = { ...classification, accuracy: 0.94 };
    const report = evaluateGates({ gates: [] }, metrics, { baseline: { metrics: { ...classification, accuracy: 0.95 }, maxRegression: 0.01 } });
    expect(report.passed).toBe(true);
  });

  test('a baseline without the metric fails that comparison with a reason', () => {
    const report = evaluateGates(planGates(['per_class.b.f1>=0']), classification, {
      baseline: { metrics: { task: 'classification', accuracy: 0.5, per_class: {} }, maxRegression: 0 },
    });
    expect(report.results.find((r) => r.kind === 'baseline' && r.metric === 'per_class.b.f1')).toMatchObject({ kind: 'baseline', baseline: null, threshold: null, passed: false, reason: expect.stringMatching(/the baseline: the metrics hold no per_class.b.f1/) });
  });

  test('bad baselines and max regressions are coded errors', () => {
    const run = (metrics: unknown, maxRegression = 0.01, compare?: string[]) => () =>
      evaluateGates({ gates: [] }, classification, { baseline: { ref: 'models/x@production', metrics, maxRegression, ...(compare ? { compare } : {}) } });
    expect(run(regression)).toThrow(expect.objectContaining({ code: 'MLSHIP_E_GATE_BASELINE', message: expect.stringMatching(/models\/x@production is a regression model/) }));
    expect(run({})).toThrow(expect.objectContaining({ code: 'MLSHIP_E_GATE_BASELINE' }));
    expect(run(classification, -1)).toThrow(expect.objectContaining({ code: 'MLSHIP_E_GATE_SYNTAX' }));
    expect(run(classification, NaN)).toThrow(expect.objectContaining({ code: 'MLSHIP_E_GATE_SYNTAX' }));
    expect(run(classification, 0.01, ['rmse'])).toThrow(expect.objectContaining({ code: 'MLSHIP_E_GATE_UNKNOWN_METRIC' }));
    expect(run(classification, 0.01, ['group_gap.accuracy'])).toThrow(expect.objectContaining({ code: 'MLSHIP_E_GATE_UNKNOWN_METRIC', message: expect.stringMatching(/cannot be compared/) }));
  });
});
