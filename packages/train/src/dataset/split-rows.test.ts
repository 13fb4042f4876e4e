import { foldRows, splitParts, splitRows, stratumQuotas, validationSize } from './split-rows.js';

describe('splitRows', () => {
  const classes = Int32Array.from({ length: 150 }, (_, i) => Math.floor(i / 50));

  it('keeps each class share in both parts when stratified', () => {
    const { train, validation } = splitRows(150, { fraction: 0.2, seed: 42, classes });
    expect(validation).toHaveLength(30);
    expect(train).toHaveLength(120);
    const perClass = (rows: number[]) => [0, 1, 2].map((c) => rows.filter((row) => classes[row] === c).length);
    expect(perClass(validation)).toEqual([10, 10, 10]);
    expect(perClass(train)).toEqual([40, 40, 40]);
    expect([...train, ...validation].sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, i) => i));
    expect(validation).toEqual([...validation].sort((a, b) => a - b));
  });

  it('gives the same split for the same seed and another for another seed', () => {
    const a = splitRows(150, { fraction: 0.2, seed: 42, classes });
    expect(splitRows(150, { fraction: 0.2, seed: 42, classes })).toEqual(a);
    expect(splitRows(150, { fraction: 0.2, seed: 43, classes }).validation).not.toEqual(a.validation);
    const plain = splitRows(150, { fraction: 0.2, seed: 42 });
    expect(splitRows(150, { fraction: 0.2, seed: 42 })).toEqual(plain);
    expect(plain.validation).toHaveLength(30);
  });

  it('pins the split itself: a change of generator or method shows here', () => {
    expect(splitRows(10, { fraction: 0.3, seed: 1 }).validation).toEqual([2, 5, 6]);
  });

  it('holds out at least one row and keeps at least one of each class in training', () => {
    expect(validationSize(10, 0.01)).toBe(1);
    expect(validationSize(10, 0.99)).toBe(9);
    expect(validationSize(1, 0.5)).toBe(0);
    expect(validationSize(10, 0)).toBe(0);
    expect(stratumQuotas([2, 1, 97], 50)).toEqual([1, 0, 49]);
    expect(stratumQuotas([3, 3, 3], 2)).toEqual([1, 1, 0]);
    const rare = splitRows(5, { fraction: 0.5, seed: 0, classes: Int32Array.from([0, 0, 0, 0, 1]) });
    expect(rare.train).toContain(4);
  });
});

describe('splitParts', () => {
  const classes = Int32Array.from({ length: 150 }, (_, i) => Math.floor(i / 50));
  const perClass = (rows: number[]) => [0, 1, 2].map((c) => rows.filter((row) => classes[row] === c).length);

  it('gives three disjoint parts that cover every row, each class in its share', () => {
    const parts = splitParts(150, { validation: 0.2, test: 0.2, seed: 42, classes });
    expect([parts.train.length, parts.validation.length, parts.test.length]).toEqual([90, 30, 30]);
    expect(perClass(parts.test)).toEqual([10, 10, 10]);
    expect(perClass(parts.validation)).toEqual([10, 10, 10]);
    const all = [...parts.train, ...parts.validation, ...parts.test];
    expect(new Set(all).size).toBe(150);
    expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: 150 }, (_, i) => i));
    expect(splitParts(150, { validation: 0.2, test: 0.2, seed: 42, classes })).toEqual(parts);
    expect(splitParts(150, { validation: 0.2, test: 0.2, seed: 43, classes }).test).not.toEqual(parts.test);
  });

  it('without a test share is the two-way split of specs stored before the test part existed', () => {
    expect(splitParts(150, { validation: 0.2, test: 0, seed: 42, classes })).toEqual({ ...splitRows(150, { fraction: 0.2, seed: 42, classes }), test: [] });
  });

  it('keeps a training row of every class, and tiny data in training', () => {
    const rare = splitParts(6, { validation: 0.4, test: 0.4, seed: 0, classes: Int32Array.from([0, 0, 0, 0, 1, 1]) });
    expect(rare.train.some((row) => row >= 4)).toBe(true);
    expect(splitParts(1, { validation: 0.2, test: 0.2, seed: 0 })).toEqual({ train: [0], validation: [], test: [] });
  });
});

describe('foldRows', () => {
  it('deals every class round the folds', () => {
    const classes = Int32Array.from({ length: 100 }, (_, i) => (i < 70 ? 0 : 1));
    const fold = foldRows(100, { folds: 5, seed: 1, classes });
    for (let f = 0; f < 5; f++) {
      const rows = Array.from(fold.keys()).filter((row) => fold[row] === f);
      expect(rows).toHaveLength(20);
      expect(rows.filter((row) => classes[row] === 1)).toHaveLength(6);
    }
    expect(foldRows(100, { folds: 5, seed: 1, classes })).toEqual(fold);
  });
});
