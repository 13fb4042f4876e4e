import { evaluateClassification } from './classification-metrics.js';
import { encodeLabels } from './class-labels.js';
import { evaluatePredictions } from './evaluate-predictions.js';

const inputError = (pattern: RegExp) => expect.objectContaining({ code: 'MLSHIP_E_EVAL_INPUT', exitCode: 2, message: expect.stringMatching(pattern) });

describe('evaluateClassification', () => {
  test('a small worked example', () => {
    // true:      a a a b b c
    // predicted: a a b b c c
    const metrics = evaluateClassification({ classes: ['a', 'b', 'c'], actual: [0, 0, 0, 1, 1, 2], predicted: [0, 0, 1, 1, 2, 2] });
    expect(metrics.accuracy).toBeCloseTo(4 / 6, 15);
    expect(metrics.per_class.a).toEqual({ precision: 1, recall: 2 / 3, f1: 0.8, support: 3 });
    expect(metrics.per_class.b).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(metrics.per_class.c).toEqual({ precision: 0.5, recall: 1, f1: 2 / 3, support: 1 });
    expect(metrics.confusion_matrix).toEqual({ labels: ['a', 'b', 'c'], matrix: [[2, 1, 0], [0, 1, 1], [0, 0, 1]] });
    expect(metrics.roc_auc).toBeNull();
    expect(metrics.log_loss).toBeNull();
    expect(metrics.notes).toEqual({ roc_auc: 'no probabilities were given', log_loss: 'no probabilities were given' });
  });

  test('a class never predicted has precision 0 (zero_division=0), with a note', () => {
    const metrics = evaluateClassification({ classes: ['a', 'b'], actual: [0, 1, 1], predicted: [0, 0, 0] });
    expect(metrics.per_class.b).toEqual({ precision: 0, recall: 0, f1: 0, support: 2 });
    expect(metrics.notes['per_class.b.precision']).toMatch(/never predicted/);
    expect(metrics.precision_macro).toBeCloseTo((1 / 3 + 0) / 2, 15);
  });

  test('a declared class neither present nor predicted is reported but left out of the macro means', () => {
    const metrics = evaluateClassification({ classes: ['a', 'b', 'unused'], actual: [0, 1], predicted: [0, 1] });
    expect(metrics.per_class.unused).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(metrics.f1_macro).toBe(1);
    expect(metrics.notes['per_class.unused']).toMatch(/left out of the macro means/);
  });

  test('predictions default to the most probable class, the first on ties', () => {
    const metrics = evaluateClassification({ classes: ['a', 'b', 'c'], actual: [0, 1, 2], probabilities: [0.4, 0.4, 0.2, 0.1, 0.8, 0.1, 0.2, 0.3, 0.5] });
    expect(metrics.confusion_matrix.matrix).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(metrics.log_loss).toBeCloseTo(-(Math.log(0.4) + Math.log(0.8) + Math.log(0.5)) / 3, 15);
    expect(metrics.notes.roc_auc).toMatch(/binary tasks only/);
  });

  test('binary probabilities: n values of P(class 1), n×2 flat, or rows, give the same metrics', () => {
    const p = [0.1, 0.7, 0.4, 0.9, 0.5];
    const actual = [0, 1, 0, 1, 1];
    const one = evaluateClassification({ classes: ['n', 'y'], actual, probabilities: p });
    const flat = evaluateClassification({ classes: ['n', 'y'], actual, probabilities: p.flatMap((v) => [1 - v, v]) });
    const rows = evaluateClassification({ classes: ['n', 'y'], actual, probabilities: p.map((v) => new Float32Array([1 - v, v])) });
    expect(one.roc_auc).toBe(1);
    expect(flat).toEqual(one);
    expect(rows.accuracy).toBe(one.accuracy);
    // 0.5 is a tie of [0.5, 0.5]: class 0 wins, so the last row is a miss.
    expect(one.accuracy).toBe(0.8);
  });

  test('explicit predictions win over probabilities for the confusion matrix', () => {
    const metrics = evaluateClassification({ classes: ['n', 'y'], actual: [0, 1], predicted: [1, 0], probabilities: [0.2, 0.9] });
    expect(metrics.accuracy).toBe(0);
    expect(metrics.roc_auc).toBe(1);
  });

  test('ROC AUC is null with a reason when the true labels hold one class', () => {
    const metrics = evaluateClassification({ classes: ['n', 'y'], actual: [1, 1, 1], probabilities: [0.2, 0.6, 0.9] });
    expect(metrics.roc_auc).toBeNull();
    expect(metrics.notes.roc_auc).toMatch(/only one class is present/);
    expect(metrics.log_loss).not.toBeNull();
  });

  test('log loss clips certain misses to a finite value', () => {
    const metrics = evaluateClassification({ classes: ['n', 'y'], actual: [1], probabilities: [0] });
    expect(metrics.log_loss).toBeCloseTo(-Math.log(Number.EPSILON), 12);
  });

  test('unnormalised probability rows are used as given, with a note', () => {
    const metrics = evaluateClassification({ classes: ['a', 'b', 'c'], actual: [0], probabilities: [0.5, 0.1, 0.1] });
    expect(metrics.log_loss).toBeCloseTo(-Math.log(0.5), 15);
    expect(metrics.notes.log_loss).toMatch(/1 of 1 rows do not sum to 1/);
  });

  test('per_class keys follow the class order; a class named __proto__ is an ordinary key', () => {
    const metrics = evaluateClassification({ classes: ['__proto__', 'z'], actual: [0, 1], predicted: [0, 1] });
    expect(Object.keys(metrics.per_class)).toEqual(['__proto__', 'z']);
    expect(JSON.parse(JSON.stringify(metrics)).per_class.__proto__.support).toBe(1);
  });

  test('the result is plain JSON', () => {
    const metrics = evaluateClassification({ classes: ['n', 'y'], actual: new Int32Array([0, 1]), probabilities: new Float32Array([0.25, 0.75]) });
    expect(JSON.parse(JSON.stringify(metrics))).toEqual(metrics);
  });

  test('bad input is a coded error', () => {
    expect(() => evaluateClassification({ classes: ['a'], actual: [0], predicted: [0] })).toThrow(inputError(/at least two classes/));
    expect(() => evaluateClassification({ classes: ['a', 'a'], actual: [0], predicted: [0] })).toThrow(inputError(/declared twice/));
    expect(() => evaluateClassification({ classes: ['a', 'b'], actual: [], predicted: [] })).toThrow(inputError(/empty/));
    expect(() => evaluateClassification({ classes: ['a', 'b'], actual: [0, 2], predicted: [0, 1] })).toThrow(inputError(/row 1: 2/));
    expect(() => evaluateClassification({ classes: ['a', 'b'], actual: [0, 0.5], predicted: [0, 1] })).toThrow(inputError(/not class indices/));
    expect(() => evaluateClassification({ classes: ['a', 'b'], actual: [0, 1], predicted: [0] })).toThrow(inputError(/predicted has 1 rows but actual has 2/));
    expect(() => evaluateClassification({ classes: ['a', 'b'], actual: [0, 1] })).toThrow(inputError(/got neither/));
    expect(() => evaluateClassification({ classes: ['a', 'b'], actual: [0, 1], probabilities: [0.5, 0.5, 0.5] })).toThrow(inputError(/3 values, expected 2×2 or 2 values/));
    expect(() => evaluateClassification({ classes: ['a', 'b'], actual: [0, 1], probabilities: [0.5, 1.5] })).toThrow(inputError(/in \[0, 1\].*row 1/));
    expect(() => evaluateClassification({ classes: ['a', 'b'], actual: [0, 1], probabilities: [NaN, 0.5] })).toThrow(inputError(/NaN in row 0/));
    expect(() => evaluateClassification({ classes: ['a', 'b'], actual: [0, 1], probabilities: [[0.5, 0.5]] })).toThrow(inputError(/1 rows/));
  });
});

describe('encodeLabels', () => {
  test('sorts classes as scikit-learn does when none are given', () => {
    expect(encodeLabels(['b', 'a', 'B', 'b'])).toEqual({ classes: ['B', 'a', 'b'], indices: [2, 1, 0, 2] });
    expect(encodeLabels([10, 2, 1])).toEqual({ classes: ['1', '2', '10'], indices: [2, 1, 0] });
  });

  test('maps onto given classes by text', () => {
    expect(encodeLabels([1, '0', true], ['0', '1', 'true'])).toEqual({ classes: ['0', '1', 'true'], indices: [1, 0, 2] });
  });

  test('refuses missing and unknown labels', () => {
    expect(() => encodeLabels(['a', null, ''])).toThrow(inputError(/rows 1, 2/));
    expect(() => encodeLabels(['a', 'x'], ['a', 'b'])).toThrow(inputError(/"x"/));
  });
});

describe('evaluatePredictions', () => {
  test('dispatches on the task', () => {
    expect(evaluatePredictions({ task: 'regression', actual: [1, 2], predicted: [1, 2] }).task).toBe('regression');
    expect(evaluatePredictions({ task: 'classification', classes: ['a', 'b'], actual: [0], predicted: [0] }).task).toBe('classification');
  });
});
