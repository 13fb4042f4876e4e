import { splitRows, stratumQuotas, validationSize } from './split-rows.js';

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
