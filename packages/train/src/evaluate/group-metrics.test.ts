import { evaluateGroups, MISSING_GROUP } from './group-metrics.js';

describe('evaluateGroups', () => {
  test('metrics per group with support, and the largest gap with its ends', () => {
    const report = evaluateGroups(
      { task: 'classification', classes: ['no', 'yes'], actual: [0, 1, 0, 1, 0, 1], predicted: [0, 1, 0, 0, 1, 1] },
      { column: 'sex', values: ['f', 'f', 'f', 'm', 'm', 'm'] },
    );
    expect(report.column).toBe('sex');
    expect(report.metrics).toEqual(['accuracy', 'precision_macro', 'recall_macro', 'f1_macro', 'positive_rate']);
    expect(report.groups.map((g) => [g.value, g.support, g.metrics.accuracy, g.metrics.positive_rate])).toEqual([
      ['f', 3, 1, 1 / 3],
      ['m', 3, 1 / 3, 2 / 3],
    ]);
    expect(report.gaps.accuracy).toEqual({ gap: 1 - 1 / 3, highest: { group: 'f', value: 1 }, lowest: { group: 'm', value: 1 / 3 } });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  test('numeric group values sort numerically; missing values form the last group', () => {
    const report = evaluateGroups({ task: 'regression', actual: [1, 2, 3, 4, 5, 6], predicted: [1, 2, 3, 4, 5, 7] }, { column: 'age', values: [10, 9, null, 10, 9, NaN] });
    expect(report.groups.map((g) => g.value)).toEqual(['9', '10', MISSING_GROUP]);
    expect(report.metrics).toEqual(['mae', 'rmse', 'r2', 'max_error']);
    expect(report.groups[2]!.metrics.max_error).toBe(1);
  });

  test('a metric undefined in a group is null there and left out of its gap', () => {
    const report = evaluateGroups(
      { task: 'classification', classes: ['n', 'y'], actual: [0, 1, 1, 1], probabilities: [0.2, 0.8, 0.6, 0.7] },
      { column: 'g', values: ['a', 'a', 'b', 'b'] },
    );
    expect(report.groups[1]!.metrics.roc_auc).toBeNull();
    expect(report.gaps.roc_auc).toEqual({ gap: null, highest: { group: 'a', value: 1 }, lowest: { group: 'a', value: 1 } });
    expect(report.gaps.log_loss!.gap).not.toBeNull();
  });

  test('groups under minSupport are listed but left out of the gaps', () => {
    const report = evaluateGroups({ task: 'regression', actual: [1, 2, 3, 4, 5], predicted: [1, 2, 3, 4, 9] }, { column: 'g', values: ['a', 'a', 'b', 'b', 'c'], minSupport: 2 });
    expect(report.groups.map((g) => g.inGaps)).toEqual([true, true, false]);
    expect(report.gaps.max_error!.gap).toBe(0);
  });

  test('bad input is a coded error', () => {
    const input = { task: 'regression' as const, actual: [1, 2], predicted: [1, 2] };
    expect(() => evaluateGroups(input, { column: 'g', values: ['a'] })).toThrow(expect.objectContaining({ code: 'MLSHIP_E_EVAL_INPUT', message: expect.stringMatching(/group column g has 1 rows/) }));
    expect(() => evaluateGroups(input, { column: 'id', values: ['a', 'b'], maxGroups: 1 })).toThrow(
      expect.objectContaining({ code: 'MLSHIP_E_EVAL_INPUT', message: expect.stringMatching(/column id has 2 distinct values, more than the 1 groups allowed/) }),
    );
    expect(() => evaluateGroups(input, { column: 'g', values: ['a', 'b'], minSupport: 0 })).toThrow(expect.objectContaining({ code: 'MLSHIP_E_EVAL_INPUT' }));
    expect(() => evaluateGroups({ task: 'classification', classes: ['a', 'b'], actual: [0, 3], predicted: [0, 1] }, { column: 'g', values: ['a', 'b'] })).toThrow(
      expect.objectContaining({ code: 'MLSHIP_E_EVAL_INPUT', message: expect.stringMatching(/actual .*row 1: 3/) }),
    );
  });
});
