// Real tables: a mixed-type customer table (missing numbers and categories, True/False booleans, an
// ISO date, a text id, missing labels) as CSV, JSON Lines and Parquet readers give it: one encoding
// whatever the format, every column's use listed with its reason, missing values filled from the
// training part, and the same model trained from each.
import { featureRow, type FeatureSpec } from '@mlship/onnx';
import { mixedTable } from '../test/mixed-table.js';
import { prepareData } from './dataset/prepare-data.js';
import { rowRecord, fieldPositions } from './dataset/encode-rows.js';
import { resolveTrainSpec } from './spec/resolve-train-spec.js';
import type { TrainSpec } from './spec/train-spec.js';
import { trainModel } from './train-model.js';
import { weightsDigest } from './weights-digest.js';

const FORMATS = ['csv', 'jsonl', 'parquet'] as const;
const spec = (extra: TrainSpec = {}) => resolveTrainSpec({ label: 'churned', ...extra }, { task: 'classification', rows: 120 });
const bytes = (values: Float32Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('hex');

describe('a mixed-type table', () => {
  const prepared = FORMATS.map((format) => prepareData({ table: mixedTable(format), spec: spec() }));

  it('gives the same preprocessing, parts and raw inputs from CSV, JSON Lines and Parquet', () => {
    const [csv, ...others] = prepared;
    for (const other of others) {
      expect(other.preprocessing).toEqual(csv!.preprocessing);
      expect(other.columns).toEqual(csv!.columns);
      expect(other.classes).toEqual(csv!.classes);
      for (const part of ['train', 'validation', 'test'] as const) {
        expect(other[part]!.rows).toEqual(csv![part]!.rows);
        expect(bytes(other[part]!.raw)).toBe(bytes(csv![part]!.raw));
        expect(bytes(other[part]!.x)).toBe(bytes(csv![part]!.x));
      }
    }
  });

  it('reads booleans as false/true, derives the date, leaves the id out, and fills missing values from the training part', () => {
    const { preprocessing, columns, dropped, warnings } = prepared[0]!;
    const features = preprocessing.features!;
    expect(features.map((feature) => feature.name)).toEqual(['age', 'plan', 'is_member', 'joined.days', 'joined.dayOfWeek', 'joined.month', 'monthly_spend']);
    const byName = (name: string) => features.find((feature) => feature.name === name)!;
    expect(byName('is_member')).toMatchObject({ kind: 'category', categories: ['false', 'true'], values: 'boolean', unknown: 'unknown' });
    expect(byName('is_member')).toHaveProperty('impute');
    // The training part has missing plans: "(missing)" is a category of its own.
    expect(byName('plan')).toMatchObject({ kind: 'category', categories: ['basic', 'plus', 'pro', '(missing)'], impute: '(missing)' });
    expect(byName('age')).toMatchObject({ kind: 'numeric', impute: expect.any(Number) });
    expect(byName('joined.month')).toMatchObject({ kind: 'numeric', derive: { from: 'joined', part: 'month' } });
    expect(columns.map(({ column, use, type }) => [column, use, type])).toEqual([
      ['customer_id', 'excluded', 'id'],
      ['age', 'feature', 'numeric'],
      ['plan', 'feature', 'category'],
      ['is_member', 'feature', 'boolean'],
      ['joined', 'derived', 'datetime'],
      ['monthly_spend', 'feature', 'numeric'],
    ]);
    expect(columns[0]!.reason).toMatch(/a different value in every one of its 120 rows: an id/);
    expect(columns[1]!.reason).toMatch(/12 missing values: filled with /);
    expect(columns[4]).toMatchObject({ features: ['joined.days', 'joined.dayOfWeek', 'joined.month'] });
    // Rows without a label are left out and counted; no row is dropped for a missing feature.
    expect(dropped).toEqual({ missingLabel: 5, missingFeature: 0, unseenClass: 0 });
    expect(warnings).toContain('5 rows without a label were left out');
    // The median of age is the training part's.
    const train = prepared[0]!.train.rows;
    const ages = train.map((row) => Number(mixedTable('csv').rows[row]![1])).filter((age) => !Number.isNaN(age) && age > 0);
    const sorted = [...ages].sort((a, b) => a - b);
    const median = sorted.length % 2 ? sorted[sorted.length >> 1]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
    expect((byName('age') as { impute: number }).impute).toBe(median);
  });

  it('serves a row the same way it trained on it: featureRow of the record gives the training raw inputs', () => {
    const { preprocessing, test } = prepared[2]!;
    const table = mixedTable('parquet');
    const columns = preprocessing.features as FeatureSpec[];
    const positions = fieldPositions(table, columns);
    test!.rows.forEach((row, r) => {
      const raw = featureRow(columns, rowRecord(table, row, columns, positions));
      expect(bytes(Float32Array.from(raw))).toBe(bytes(test!.raw.subarray(r * columns.length, (r + 1) * columns.length)));
    });
  });

  it('reads the data schema: 1/0 as a boolean, numbers as categories, unique columns as ids', () => {
    const table = mixedTable('csv');
    const ones = { ...table, rows: table.rows.map((cells) => cells.map((cell, j) => (j === 3 && cell !== null ? (cell === 'True' ? '1' : '0') : cell))) };
    const schema = { is_member: { type: 'boolean' as const }, monthly_spend: { type: 'category' as const }, age: { type: 'number' as const, unique: true } };
    const fromSchema = prepareData({ table: ones, spec: spec(), schema });
    const uses = Object.fromEntries(fromSchema.columns.map((column) => [column.column, [column.use, column.type]]));
    expect(uses).toMatchObject({ is_member: ['feature', 'boolean'], monthly_spend: ['feature', 'category'], age: ['excluded', 'id'] });
    const member = fromSchema.preprocessing.features!.find((feature) => feature.name === 'is_member');
    expect(member).toMatchObject({ categories: ['false', 'true'], values: 'boolean' });
    // Without the schema, 1/0 are numbers.
    expect(prepareData({ table: ones, spec: spec() }).columns.find((column) => column.column === 'is_member')).toMatchObject({ use: 'feature', type: 'numeric' });
  });

  it('takes the spec per column: impute none leaves rows out, a missing indicator, datetime parts, unknown: error', () => {
    const chosen = prepareData({
      table: mixedTable('jsonl'),
      spec: spec({
        preprocessing: {
          unknown: 'error',
          columns: { age: { type: 'numeric', impute: 'mean', indicator: true }, plan: { type: 'category', impute: 'mostFrequent' }, joined: { type: 'datetime', parts: ['year', 'month'] } },
        },
      }),
    });
    const byName = Object.fromEntries(chosen.preprocessing.features!.map((feature) => [feature.name, feature]));
    expect(byName.age).toMatchObject({ missingIndicator: true, impute: expect.any(Number) });
    expect(byName.plan).toMatchObject({ categories: ['basic', 'plus', 'pro'], impute: expect.stringMatching(/^(basic|plus|pro)$/), unknown: 'error' });
    expect(Object.keys(byName)).toEqual(expect.arrayContaining(['joined.year', 'joined.month']));
    expect(Object.keys(byName)).not.toContain('joined.days');
    // The indicator is a column of its own after age's.
    expect(chosen.inputShape[0]).toBe(2 + 4 - 1 + 2 + 2 + 1);

    const strict = prepareData({ table: mixedTable('csv'), spec: spec({ preprocessing: { missing: { numeric: 'none' } } }) });
    expect(strict.dropped.missingFeature).toBeGreaterThan(0);
    expect(strict.preprocessing.features!.find((feature) => feature.name === 'age')).not.toHaveProperty('impute');
  });

  it('reads a boolean label as the classes false, true from every format, and records its type', () => {
    for (const format of FORMATS) {
      const booleans = prepareData({ table: mixedTable(format), spec: resolveTrainSpec({ label: 'is_member' }, { task: 'classification', rows: 120 }) });
      expect(booleans.classes).toEqual(['false', 'true']);
      expect(booleans.labelType).toBe('boolean');
      // yes/no is a boolean too, as a feature.
      expect(booleans.columns.find((column) => column.column === 'churned')).toMatchObject({ use: 'feature', type: 'boolean' });
    }
    const numbers = prepareData({ table: mixedTable('jsonl'), spec: resolveTrainSpec({ label: 'plan', features: ['age'] }, { task: 'classification', rows: 120 }) });
    expect(numbers.labelType).toBe('string');
  });

  it('trains the same model from every format', async () => {
    const digests: string[] = [];
    for (const format of FORMATS) {
      const result = await trainModel({ data: mixedTable(format), label: 'churned', epochs: 3, spec: { model: { mlp: [8] } } });
      digests.push(await weightsDigest(result.model));
      expect(result.classes).toEqual(['no', 'yes']);
      expect(result.labelType).toBe('string');
      result.model.dispose();
    }
    expect(new Set(digests).size).toBe(1);
  });
});
