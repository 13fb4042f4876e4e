// Honest evaluation and the task guards: three disjoint parts, early stopping on the validation part
// only (never the test part), and labels that cannot make a useful model refused with a reason.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cell } from '@mlship/data';
import type { Tensor } from '@tensorflow/tfjs';
import type { Table } from './dataset/load-table.js';
import { loadTable } from './dataset/load-table.js';
import { crossValidate, crossValidationDue } from './cross-validate.js';
import { loadTfjs } from './tfjs.js';
import { trainModel } from './train-model.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const iris = join(root, 'examples', 'iris', 'iris.csv');
const tf = await loadTfjs();
const table = (columns: string[], rows: Cell[][]): Table => ({ columns, rows, lines: rows.map((_, i) => i + 2) });

describe('the three parts', () => {
  it('are disjoint, and early stopping chose the weights on the validation rows, never the test rows', async () => {
    const result = await trainModel({
      data: iris,
      label: 'species',
      spec: { model: { mlp: [8] }, optimizer: { name: 'adam', learningRate: 0.05 }, epochs: 40, batchSize: 16, earlyStopping: { patience: 3 } },
    });
    const { train, validation, test } = result.parts;
    const sets = [train.rows, validation!.rows, test!.rows].map((rows) => new Set(rows));
    expect(sets.map((set) => set.size)).toEqual([90, 30, 30]);
    expect(new Set([...sets[0]!, ...sets[1]!, ...sets[2]!]).size).toBe(150);
    expect([validation!.source, test!.source]).toEqual(['data', 'data']);
    expect(result.heldOut).toMatchObject({ part: 'test', source: 'data', rows: test!.rows });

    // The restored weights are the best epoch's on the validation rows: their loss there is the history's best val_loss.
    const loss = async (rows: number[]) => {
      const data = await loadTable(iris);
      const x = tf.tensor2d(
        rows.flatMap((row) => result.rawColumns.map((column) => Number(data.rows[row]![data.columns.indexOf(column.name)]))),
        [rows.length, 4],
      );
      const features = result.preprocessing.features!;
      const standardised = tf.tidy(() => x.sub(features.map((f) => (f.kind === 'numeric' ? f.mean : 0))).div(features.map((f) => (f.kind === 'numeric' ? f.std : 1))));
      const y = tf.oneHot(rows.map((row) => result.classes!.indexOf(String(data.rows[row]![4]))), 3);
      const value = tf.tidy(() => tf.metrics.categoricalCrossentropy(y, result.model.predict(standardised) as Tensor).mean().dataSync()[0]!);
      tf.dispose([x, standardised, y]);
      return value;
    };
    const best = Math.min(...result.history.map((record) => record.val_loss!));
    expect(result.stopped.restoredBest).toBe(true);
    const onValidation = await loss(validation!.rows);
    expect(onValidation).toBeCloseTo(best, 3);
    expect(Math.abs((await loss(test!.rows)) - best)).toBeGreaterThan(1e-3);
    result.model.dispose();
  });

  it('takes validation and test tables, and cross-validates the training and validation rows only', async () => {
    const data = await loadTable(iris);
    const half = (keep: (i: number) => boolean): Table => ({ columns: data.columns, rows: data.rows.filter((_, i) => keep(i)), lines: data.lines.filter((_, i) => keep(i)) });
    const result = await trainModel({ data: half((i) => i % 5 !== 0), validationData: half((i) => i % 5 === 0), label: 'species', epochs: 2, spec: { validation: { test: 0.25 } } });
    expect(result.split).toMatchObject({ train: 90, validation: 30, test: 30 });
    expect(result.parts.validation!.source).toBe('validation-data');
    expect(result.heldOut!.part).toBe('test');
    expect(crossValidationDue(result.spec, 120)).toBe(true);
    expect(crossValidationDue({ crossValidation: { folds: 5, rowsBelow: 500 } }, 500)).toBe(false);
    expect(crossValidationDue({ crossValidation: null }, 10)).toBe(false);
    const cv = await crossValidate({ tf, spec: { ...result.spec, crossValidation: { folds: 3, rowsBelow: null } }, table: result.tables.data, rows: result.parts.train.rows, validationTable: result.tables.validation! });
    expect(cv).toMatchObject({ folds: 3, rows: 90, metrics: { accuracy: { mean: expect.any(Number), std: expect.any(Number) }, f1_macro: {}, log_loss: {} } });
    expect(cv.metrics.accuracy!.folds).toHaveLength(3);
    result.model.dispose();
  });

  it('warns that metrics without a test part come from the validation rows', async () => {
    const result = await trainModel({ data: iris, label: 'species', epochs: 1, spec: { validation: { test: 0 } } });
    expect(result.heldOut).toMatchObject({ part: 'validation', count: 30 });
    expect(result.warnings).toContain('no test rows: the metrics come from the validation rows early stopping chose the model on, so they are optimistic');
    result.model.dispose();
  });
});

describe('the task and its guards', () => {
  // linnerud's Weight: 20 rows, 16 distinct integers.
  const weight = [191, 189, 193, 162, 189, 182, 211, 167, 176, 154, 169, 166, 154, 247, 193, 202, 176, 157, 156, 138];
  const linnerud = table(['Chins', 'Situps', 'Weight'], weight.map((w, i): Cell[] => [String(5 + (i % 12)), String(100 + i * 7), String(w)]));

  it('trains a 20-row numeric label as a regression, and says why', async () => {
    const result = await trainModel({ data: linnerud, label: 'Weight', epochs: 2 });
    expect(result.task.task).toBe('regression');
    expect(result.task.reason).toMatch(/16 distinct values in 20 rows: more than 50% of the rows, so a quantity/);
    expect(result.classes).toBeNull();
    result.model.dispose();
  });

  it('refuses it as classes with --task classification (too many for the rows), with a hint', async () => {
    await expect(trainModel({ data: linnerud, label: 'Weight', task: 'classification', epochs: 1 })).rejects.toMatchObject({
      code: 'MLSHIP_E_TRAIN_LABEL',
      exitCode: 2,
      message: expect.stringContaining('has 16 classes in 20 labelled rows'),
      hint: expect.stringContaining('--task regression'),
    });
  });

  it('follows --task over the spec and the inference', async () => {
    const rows = Array.from({ length: 60 }, (_, i): Cell[] => [String(i % 7), String(i % 3)]);
    const data = table(['x', 'y'], rows);
    const inferred = await trainModel({ data, label: 'y', epochs: 1 });
    expect(inferred.task.task).toBe('classification');
    inferred.model.dispose();
    const forced = await trainModel({ data, label: 'y', task: 'regression', epochs: 1, spec: { task: 'classification' } });
    expect(forced.task).toEqual({ task: 'regression', reason: 'set with --task' });
    expect(forced.spec.task).toBe('regression');
    forced.model.dispose();
  });

  it('says an id label is an id, not that early stopping has no rows', async () => {
    const rows = Array.from({ length: 40 }, (_, i): Cell[] => [String(i % 5), `C${1000 + i}`]);
    await expect(trainModel({ data: table(['x', 'customer_id'], rows), label: 'customer_id', epochs: 1 })).rejects.toMatchObject({
      code: 'MLSHIP_E_TRAIN_LABEL',
      message: 'label customer_id holds a different value in every one of its 40 rows: it looks like an id, not a label (each class would have one row)',
    });
  });

  it('refuses classes under the minimum count, unless the spec lowers it', async () => {
    const rows = Array.from({ length: 41 }, (_, i): Cell[] => [String(i), i === 40 ? 'rare' : i % 2 ? 'a' : 'b']);
    const data = table(['x', 'y'], rows);
    await expect(trainModel({ data, label: 'y', epochs: 1 })).rejects.toMatchObject({
      code: 'MLSHIP_E_TRAIN_LABEL',
      message: expect.stringContaining('1 of 3 classes have fewer than 3 labelled rows ("rare" 1)'),
      hint: expect.stringContaining('guards.minClassRows'),
    });
    const allowed = await trainModel({ data, label: 'y', epochs: 1, spec: { guards: { minClassRows: 1 } } });
    expect(allowed.classes).toEqual(['a', 'b', 'rare']);
    allowed.model.dispose();
  });
});
