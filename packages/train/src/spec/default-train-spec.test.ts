import type { Cell } from '@mlship/data';
import type { Table } from '../dataset/load-table.js';
import { defaultTrainSpec } from './default-train-spec.js';
import { inferTask, MAX_INTEGER_CLASSES } from './infer-task.js';
import { defaultBatchSize, defaultEpochs, resolveTrainSpec } from './resolve-train-spec.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('inferTask', () => {
  it('reads text and true/false labels as classes', () => {
    expect(inferTask(['setosa', 'virginica', null], 'species').task).toBe('classification');
    expect(inferTask([true, false], 'churn').task).toBe('classification');
    expect(inferTask(['1', '2', 'three'], 'y')).toEqual({ task: 'classification', reason: 'y holds non-numeric values such as "three"' });
  });

  it(`reads integers with at most ${MAX_INTEGER_CLASSES} distinct values, at most half the rows, as classes; more as a quantity`, () => {
    expect(inferTask(range(40).map((i) => String(i % 10)), 'digit')).toEqual({
      task: 'classification',
      reason: 'digit holds integers with 10 distinct values in 40 rows (classes: at most 20, and at most 50% of the rows)',
    });
    expect(inferTask([...range(MAX_INTEGER_CLASSES), ...range(MAX_INTEGER_CLASSES)], 'y').task).toBe('classification');
    expect(inferTask([...range(MAX_INTEGER_CLASSES + 1), ...range(MAX_INTEGER_CLASSES + 1)], 'y')).toEqual({ task: 'regression', reason: 'y holds integers with more than 20 distinct values' });
    expect(inferTask(['1.5', '2', 'NA'], 'price')).toEqual({ task: 'regression', reason: 'price holds fractional numbers' });
  });

  it("reads linnerud's Weight (20 rows, 16 distinct integers) as a quantity, and says why; the share is the spec's guard", () => {
    const weight = [191, 189, 193, 162, 189, 182, 211, 167, 176, 154, 169, 166, 154, 247, 193, 202, 176, 157, 156, 138];
    const inferred = inferTask(weight.map(String), 'Weight');
    expect(inferred.task).toBe('regression');
    expect(inferred.reason).toBe(
      'Weight holds integers with 16 distinct values in 20 rows: more than 50% of the rows, so a quantity rather than classes (pass --task classification, and raise guards.maxClassShare, for classes)',
    );
    expect(inferTask(weight.map(String), 'Weight', undefined, { maxClassShare: 1 }).task).toBe('classification');
  });

  it('refuses a run of distinct integers, one per row, as a row id; never quotes personal data in its reason', () => {
    expect(() => inferTask(range(30).map((i) => String(1000 + i)), 'customer_id')).toThrow(
      expect.objectContaining({ code: 'MLSHIP_E_TRAIN_LABEL', exitCode: 2, message: expect.stringContaining('it looks like a row id, not a label') }),
    );
    const reason = inferTask(['jane.doe@example.org', 'other'], 'contact').reason;
    expect(reason).toBe('contact holds non-numeric values such as "<email>"');
  });

  it('follows a declared column type, and refuses a label without values', () => {
    expect(inferTask(['1', '2'], 'y', 'category').task).toBe('classification');
    expect(inferTask(['1', '2'], 'y', 'number').task).toBe('regression');
    expect(() => inferTask([null, ''], 'y')).toThrow(expect.objectContaining({ code: 'MLSHIP_E_TRAIN_DATA', exitCode: 2 }));
    expect(() => inferTask(['2024-01-01'], 'y', 'datetime')).toThrow(expect.objectContaining({ code: 'MLSHIP_E_TRAIN_DATA' }));
  });
});

describe('defaultTrainSpec', () => {
  const table = (columns: string[], rows: Cell[][]): Table => ({ columns, rows, lines: rows.map((_, i) => i + 2) });

  it("trains an MLP on every usable column, leaving out empty and free-text ones (ids and dates are the column plan's)", () => {
    const rows = range(200).map((i): Cell[] => [`id-${i}`, `note ${i % 120}`, String(i % 7), i % 2 ? 'red' : 'blue', null, String(i * 0.5)]);
    const { spec, task, excluded } = defaultTrainSpec({ table: table(['id', 'notes', 'x', 'colour', 'empty', 'y'], rows), label: 'y' });
    expect(task.task).toBe('regression');
    expect(excluded).toEqual([
      { column: 'notes', reason: 'it holds text with 120 distinct values in 200 rows (an identifier or free text?)' },
      { column: 'empty', reason: 'it has no values' },
    ]);
    expect(spec).toMatchObject({
      task: 'regression',
      label: 'y',
      features: null,
      exclude: ['notes', 'empty'],
      model: { mlp: [64, 32], activation: 'relu' },
      optimizer: { name: 'adam', learningRate: 0.001 },
      loss: 'meanSquaredError',
      batchSize: 32,
      validation: { split: 0.2, test: 0.2, stratify: false, seed: 42, data: null, testData: null },
      crossValidation: { folds: 5, rowsBelow: 500 },
      guards: { minClassRows: 3, maxClassShare: 0.5 },
      earlyStopping: { monitor: 'val_loss', patience: 10, minDelta: 0, restoreBestWeights: true },
      preprocessing: {
        numeric: 'standardize',
        categories: 'onehot',
        label: 'standardize',
        image: null,
        missing: { numeric: 'median', categories: 'auto', indicator: false },
        unknown: 'unknown',
        datetime: { parts: ['days', 'dayOfWeek', 'month'] },
      },
      seed: 42,
      backend: 'auto',
    });
    expect(spec.epochs).toBe(defaultEpochs(120, 32));
  });

  it('stratifies classification, and names the columns when the label is missing', () => {
    const rows = range(20).map((i): Cell[] => [String(i), i % 2 ? 'a' : 'b']);
    expect(defaultTrainSpec({ table: table(['x', 'y'], rows), label: 'y', seed: 3 }).spec).toMatchObject({
      task: 'classification',
      loss: 'categoricalCrossentropy',
      validation: { split: 0.2, test: 0.2, stratify: true, seed: 3 },
      seed: 3,
    });
    expect(() => defaultTrainSpec({ table: table(['x', 'y'], rows), label: 'z' })).toThrow(
      expect.objectContaining({ code: 'MLSHIP_E_TRAIN_DATA', hint: 'choose one of: x, y' }),
    );
  });
});

describe('resolveTrainSpec', () => {
  it('sizes epochs to about 2000 batches within 10…200, and batches to the data', () => {
    expect(defaultEpochs(120, 32)).toBe(200);
    expect(defaultEpochs(1438, 32)).toBe(45);
    expect(defaultEpochs(800_000, 256)).toBe(10);
    expect(defaultBatchSize(10_000)).toBe(32);
    expect(defaultBatchSize(10_001)).toBe(256);
  });

  it('keeps what the spec sets, and refuses rules the inferred task breaks', () => {
    const spec = resolveTrainSpec({ label: 'y', optimizer: { name: 'sgd', momentum: 0.9 }, earlyStopping: false, epochs: 5, validation: { data: 'v.csv' } }, { task: 'classification', rows: 100 });
    expect(spec).toMatchObject({ optimizer: { name: 'sgd', learningRate: 0.01, momentum: 0.9 }, earlyStopping: null, epochs: 5, validation: { data: 'v.csv', split: 0, test: 0.2 } });
    expect(() => resolveTrainSpec({ label: 'y', loss: 'meanSquaredError' }, { task: 'classification', rows: 10 })).toThrow(
      expect.objectContaining({ code: 'MLSHIP_E_TRAIN_SPEC', exitCode: 2 }),
    );
    expect(() => resolveTrainSpec({}, { task: 'regression', rows: 10 })).toThrow(expect.objectContaining({ code: 'MLSHIP_E_TRAIN_SPEC' }));
    expect(resolveTrainSpec({}, { task: 'regression', rows: 10, label: 'y' }).earlyStopping?.monitor).toBe('val_loss');
    expect(resolveTrainSpec({ validation: { split: 0 } }, { task: 'regression', rows: 10, label: 'y' }).earlyStopping?.monitor).toBe('loss');
  });
});
