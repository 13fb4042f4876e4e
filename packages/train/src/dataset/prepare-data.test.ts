import type { Cell } from '@mlship/data';
import { encodeFeatures } from '@mlship/onnx';
import { resolveTrainSpec } from '../spec/resolve-train-spec.js';
import type { TrainSpec, TrainTask } from '../spec/train-spec.js';
import { classWeightsFor } from './class-weights.js';
import type { Table } from './load-table.js';
import { prepareData } from './prepare-data.js';

const table = (columns: string[], rows: Cell[][]): Table => ({ columns, rows, lines: rows.map((_, i) => i + 2) });
const spec = (task: TrainTask, rows: number, extra: TrainSpec = {}) => resolveTrainSpec({ label: 'y', ...extra }, { task, rows });

describe('prepareData', () => {
  // x rises with the row; the colour "green" appears only in the last rows.
  const rows = Array.from({ length: 40 }, (_, i): Cell[] => [String(i), i >= 36 ? 'green' : i % 2 ? 'red' : 'blue', i % 2 ? 'a' : 'b']);
  const data = table(['x', 'colour', 'y'], rows);

  it('fits the preprocessing on the training rows only', () => {
    const prepared = prepareData({ table: data, spec: spec('classification', 40, { validation: { test: 0 } }) });
    const trainX = prepared.train.rows.map((row) => row);
    const mean = trainX.reduce((sum, x) => sum + x, 0) / trainX.length;
    const std = Math.sqrt(trainX.reduce((sum, x) => sum + (x - mean) ** 2, 0) / trainX.length);
    const [x, colour] = prepared.preprocessing.features!;
    expect(x).toMatchObject({ name: 'x', kind: 'numeric' });
    expect(x?.kind === 'numeric' && x.mean).toBeCloseTo(mean, 12);
    expect(x?.kind === 'numeric' && x.std).toBeCloseTo(std, 12);
    expect(mean).not.toBeCloseTo(19.5, 3);
    const seen = [...new Set(prepared.train.rows.map((row) => rows[row]![1] as string))].sort();
    const counts = seen.map((name) => prepared.train.rows.filter((row) => rows[row]![1] === name).length);
    const mostFrequent = seen[counts.indexOf(Math.max(...counts))];
    // No missing colour in training: a missing one is read as the most frequent (no "(missing)" category nothing trained).
    expect(colour).toEqual({ name: 'colour', kind: 'category', categories: seen, encoding: 'onehot', impute: mostFrequent, unknown: 'unknown' });
    expect(prepared.classes).toEqual(['a', 'b']);
    expect(prepared.inputShape).toEqual([1 + seen.length]);
  });

  it('encodes through featureRow and encodeFeatures, the ONNX export reference semantics', () => {
    const prepared = prepareData({ table: data, spec: spec('classification', 40) });
    const validation = prepared.validation!;
    expect(validation.count).toBe(8);
    expect(prepared.test!.count).toBe(8);
    expect(prepared.train.count + validation.count + prepared.test!.count).toBe(40);
    const features = prepared.preprocessing.features!;
    expect(validation.x).toEqual(encodeFeatures(features, validation.raw, validation.count));
    validation.rows.forEach((row, i) => {
      expect(validation.raw[i * 2]).toBe(Number(rows[row]![0]));
      const colour = rows[row]![1] as string;
      const categories = features[1]!.kind === 'category' ? features[1]!.categories : [];
      expect(validation.raw[i * 2 + 1]).toBe(categories.indexOf(colour));
      expect(validation.labels[i]).toBe(rows[row]![2] === 'a' ? 0 : 1);
      expect(Array.from(validation.y.subarray(i * 2, i * 2 + 2))).toEqual(rows[row]![2] === 'a' ? [1, 0] : [0, 1]);
    });
  });

  it('leaves out rows without a label, and fills a missing number with the training median (or leaves the row out with impute: none)', () => {
    const holes = table(['x', 'y'], [['1', 'a'], ['NA', 'b'], ['3', null], ['4', 'a'], ['5', 'b'], ['6', 'b'], ['7', 'a']]);
    const noHeldOut = { validation: { split: 0, test: 0 } };
    const prepared = prepareData({ table: holes, spec: spec('classification', 7, { ...noHeldOut, guards: { minClassRows: 0 } }) });
    expect(prepared.train.rows).toEqual([0, 1, 3, 4, 5, 6]);
    expect(prepared.dropped).toEqual({ missingLabel: 1, missingFeature: 0, unseenClass: 0 });
    const [x] = prepared.preprocessing.features!;
    expect(x).toMatchObject({ name: 'x', kind: 'numeric', impute: 5 });
    expect(Number.isNaN(prepared.train.raw[1])).toBe(true);
    expect(prepared.train.x[1]).toBeCloseTo((5 - (x as { mean: number }).mean) / (x as { std: number }).std, 5);
    expect(prepared.warnings).toEqual(['1 rows without a label were left out', 'no validation or test rows: nothing is held out to evaluate on']);

    const strict = prepareData({ table: holes, spec: spec('classification', 7, { ...noHeldOut, guards: { minClassRows: 0 }, preprocessing: { missing: { numeric: 'none' } } }) });
    expect(strict.train.rows).toEqual([0, 3, 4, 5, 6]);
    expect(strict.dropped).toEqual({ missingLabel: 1, missingFeature: 1, unseenClass: 0 });
    expect(strict.preprocessing.features![0]).not.toHaveProperty('impute');
    expect(strict.warnings).toContain('1 rows with a missing or non-numeric value in a numeric feature without a fill were left out');
  });

  it('standardises a regression label with the training statistics', () => {
    const linear = table(['x', 'y'], Array.from({ length: 10 }, (_, i): Cell[] => [String(i), String(100 + 10 * i)]));
    const prepared = prepareData({ table: linear, spec: spec('regression', 10, { validation: { split: 0, test: 0 } }) });
    expect(prepared.labelScaling!.mean).toBeCloseTo(145, 10);
    expect(prepared.labelScaling!.std).toBeCloseTo(Math.sqrt(825), 10);
    expect(prepared.train.labels[9]).toBe(190);
    expect(prepared.train.y[9]).toBeCloseTo(45 / Math.sqrt(825), 6);
  });

  it('reads pixel columns as one image and sorts numeric classes as numbers', () => {
    const pixels = table(['p0', 'p1', 'p2', 'p3', 'y'], Array.from({ length: 12 }, (_, i): Cell[] => ['0', '4', '8', String(i), String(i % 3 === 0 ? 10 : i % 3)]));
    const prepared = prepareData({ table: pixels, spec: spec('classification', 12, { preprocessing: { image: { height: 2, width: 2, channels: 1 } }, validation: { split: 0, test: 0 } }) });
    expect(prepared.classes).toEqual(['1', '2', '10']);
    expect(prepared.inputShape).toEqual([2, 2, 1]);
    expect(prepared.preprocessing.image).toMatchObject({ height: 2, width: 2, channels: 1 });
    expect(prepared.features).toEqual(['p0', 'p1', 'p2', 'p3']);
    const wrong = spec('classification', 12, { preprocessing: { image: { height: 3, width: 3, channels: 1 } } });
    expect(() => prepareData({ table: pixels, spec: wrong })).toThrow(expect.objectContaining({ code: 'MLSHIP_E_TRAIN_DATA', exitCode: 2 }));
  });

  it('refuses missing columns, a single class and text labels for regression', () => {
    expect(() => prepareData({ table: data, spec: spec('classification', 40, { features: ['nope'] }) })).toThrow(
      expect.objectContaining({ code: 'MLSHIP_E_TRAIN_DATA', message: 'feature column "nope" is not in the data' }),
    );
    const one = table(['x', 'y'], [['1', 'a'], ['2', 'a'], ['3', 'a']]);
    expect(() => prepareData({ table: one, spec: spec('classification', 3) })).toThrow(expect.objectContaining({ code: 'MLSHIP_E_TRAIN_DATA' }));
    expect(() => prepareData({ table: one, spec: spec('regression', 3) })).toThrow(
      expect.objectContaining({ code: 'MLSHIP_E_TRAIN_DATA', message: 'data: line 2: label "a" is not a number, but the task is regression' }),
    );
  });
});

describe('classWeightsFor', () => {
  it('balances by the training counts, or takes weights by class name', () => {
    expect(classWeightsFor('balanced', ['a', 'b'], [0, 0, 0, 1])).toEqual({ 0: 4 / 6, 1: 2 });
    expect(classWeightsFor({ b: 3 }, ['a', 'b'], [0, 1])).toEqual({ 0: 1, 1: 3 });
    expect(() => classWeightsFor({ c: 3 }, ['a', 'b'], [0, 1])).toThrow(expect.objectContaining({ code: 'MLSHIP_E_TRAIN_SPEC' }));
  });
});
