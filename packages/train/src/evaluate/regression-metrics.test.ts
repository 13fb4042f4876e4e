import { evaluateRegression } from './regression-metrics.js';

describe('evaluateRegression', () => {
  test('a worked example', () => {
    const metrics = evaluateRegression({ actual: [1, 2, 3, 4], predicted: [1, 3, 3, 2] });
    expect(metrics).toEqual({ task: 'regression', count: 4, mae: 0.75, mse: 1.25, rmse: Math.sqrt(1.25), r2: 1 - 5 / 5, max_error: 2, notes: {} });
  });

  test('R² is negative for predictions worse than the mean', () => {
    expect(evaluateRegression({ actual: [1, 2, 3], predicted: [3, 2, 1] }).r2).toBe(-3);
  });

  test('R² is null with a note for a constant target, also for one row', () => {
    for (const actual of [[0.1, 0.1, 0.1], [5]]) {
      const metrics = evaluateRegression({ actual, predicted: actual.map((v) => v + 1) });
      expect(metrics.r2).toBeNull();
      expect(metrics.notes.r2).toMatch(/constant/);
      expect(metrics.mae).toBeCloseTo(1, 15);
    }
  });

  test('bad input is a coded error', () => {
    const error = (pattern: RegExp) => expect.objectContaining({ code: 'MLSHIP_E_EVAL_INPUT', message: expect.stringMatching(pattern) });
    expect(() => evaluateRegression({ actual: [], predicted: [] })).toThrow(error(/empty/));
    expect(() => evaluateRegression({ actual: [1, 2], predicted: [1] })).toThrow(error(/1 rows but actual has 2/));
    expect(() => evaluateRegression({ actual: [1, NaN], predicted: [1, 2] })).toThrow(error(/actual .*row 1: NaN/));
    expect(() => evaluateRegression({ actual: [1, 2], predicted: [1, Infinity] })).toThrow(error(/predicted .*row 1: Infinity/));
  });
});
