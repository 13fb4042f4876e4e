/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
// `mlship train` on a real table through the built binary: a mixed-type customer table (missing
// numbers and categories, True/False booleans, an ISO date, a text id, missing labels) written as CSV,
// JSON Lines and Parquet trains the same model from each; the three parts are disjoint; small data
// gets cross-validation figures; every column's use is listed with its reason; `model evaluate` runs
// on the training data, missing values and all; the task guards refuse what cannot make a model.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectOneLineError, makeTempDir, mixedTableRows, runMlship, runMlshipJson, startMlshipServe, writeMixedTable } from '@mlship/test-utils';

const FORMATS = ['csv', 'jsonl', 'parquet'] as const;
const EPOCHS = '4';

describe('mlship train on a mixed-type table (built binary)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const mlship = (args: string[]) => runMlship(args, { cwd: dir, timeoutMs: 180_000 });
  const json = (args: string[]) => runMlshipJson(args, { cwd: dir, timeoutMs: 180_000 });
  const file = (format: string) => join(dir, `customers.${format}`);
  const trained: Record<string, Awaited<ReturnType<typeof json>>> = {};

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-train-tables-'));
    expect((await mlship(['init'])).exitCode).toBe(0);
    for (const format of FORMATS) await writeMixedTable(file(format), format);
    for (const format of FORMATS) {
      trained[format] = await json(['train', '--data', file(format), '--label', 'churned', '--epochs', EPOCHS, '--name', `customers-${format}`]);
    }
  }, 600_000);
  afterAll(() => cleanup());

  it('trains the same model from CSV, JSON Lines and Parquet: features, preprocessing, weights, predictions', async () => {
    for (const format of FORMATS) expect(trained[format]!.exitCode).toBe(0);
    const [csv, ...others] = FORMATS.map((format) => trained[format]!.data);
    for (const other of others) {
      expect(other.features).toEqual(csv.features);
      expect(other.columns).toEqual(csv.columns);
      expect(other.weightsDigest).toBe(csv.weightsDigest);
      expect(other.metrics).toEqual(csv.metrics);
    }
    const stored = await Promise.all(
      FORMATS.map(async (format) => {
        expect((await mlship(['registry', 'get', `models/customers-${format}:1`, '--out', `out-${format}`])).exitCode).toBe(0);
        const read = async (name: string) => JSON.parse(await readFile(join(dir, `out-${format}`, name), 'utf8'));
        return { signature: await read('signature.json'), predictions: await read('predictions.json') };
      }),
    );
    for (const { signature, predictions } of stored.slice(1)) {
      expect(signature.features).toEqual(stored[0]!.signature.features);
      expect(predictions).toEqual(stored[0]!.predictions);
    }
    const features = stored[0]!.signature.features as Array<Record<string, unknown>>;
    expect(features.find((feature) => feature.name === 'is_member')).toMatchObject({ categories: ['false', 'true'], values: 'boolean' });
    expect(features.find((feature) => feature.name === 'joined.days')).toMatchObject({ kind: 'numeric', derive: { from: 'joined', part: 'days' } });
    expect(features.find((feature) => feature.name === 'age')).toMatchObject({ impute: expect.any(Number) });
  });

  it('judges on test rows disjoint from the training and validation rows, with cross-validation figures beside them', async () => {
    const { data } = trained.csv!;
    expect(data.training.split).toMatchObject({ labelled: 230, dropped: { missingLabel: 10, missingFeature: 0, unseenClass: 0 } });
    expect(data.training.split.train + data.training.split.validation + data.training.split.test).toBe(230);
    expect(data.crossValidation).toMatchObject({ folds: 5, rows: data.training.split.train + data.training.split.validation });
    expect(data.crossValidation.metrics.accuracy).toMatchObject({ mean: expect.any(Number), std: expect.any(Number) });
    const predictions = JSON.parse(await readFile(join(dir, 'out-csv', 'predictions.json'), 'utf8'));
    expect(predictions).toMatchObject({ part: 'test', table: 'data' });
    const test = new Set<number>(predictions.rows);
    expect(test.size).toBe(data.training.split.test);
    for (const part of ['train', 'validation'] as const) for (const row of predictions.parts[part].rows as number[]) expect(test.has(row)).toBe(false);
    const card = JSON.parse(await readFile(join(dir, 'out-csv', 'model-card.json'), 'utf8'));
    expect(card.split).toMatchObject({ rows: 240, withoutLabel: 10, test: data.training.split.test, metricsFrom: 'test' });
    expect(card.crossValidation.folds).toBe(5);
    expect(card.columns).toEqual(data.columns);
  });

  it('lists every column left out or re-typed, with its reason, in the text output, --json and the card', async () => {
    const { columns } = trained.csv!.data;
    const byName = Object.fromEntries(columns.map((column: { column: string }) => [column.column, column]));
    expect(byName.customer_id).toMatchObject({ use: 'excluded', type: 'id', reason: expect.stringContaining('an id') });
    expect(byName.joined).toMatchObject({ use: 'derived', type: 'datetime', features: ['joined.days', 'joined.dayOfWeek', 'joined.month'] });
    expect(byName.is_member).toMatchObject({ use: 'feature', type: 'boolean' });
    expect(byName.churned).toBeUndefined();
    const text = await mlship(['train', '--data', file('csv'), '--label', 'churned', '--epochs', '1', '--name', 'customers-text']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/customer_id: excluded: a different value in every one of its 240 rows: an id/);
    expect(text.stdout).toMatch(/joined: derived \(joined\.days, joined\.dayOfWeek, joined\.month\): every value is an ISO 8601 date/);
    expect(text.stdout).toMatch(/is_member: feature: every value is true\/false or yes\/no/);
    expect(text.stdout).toMatch(/age: feature: every value is a number; \d+ missing values: filled with /);
    expect(text.stdout).toMatch(/rows: +\d+ training, \d+ validation \(early stopping\), \d+ test \(the metrics\); left out: 10 without a label/);
    expect(text.stdout).toMatch(/cross-val: +5 folds over \d+ training and validation rows: accuracy [\d.]+ ± [\d.]+/);
    const card = await readFile(join(dir, 'out-csv', 'model-card.md'), 'utf8');
    expect(card).toMatch(/\| `customer_id` \| excluded \| id \| a different value in every one of its 240 rows/);
  });

  it('evaluates a model on its own training data, missing values included, and gives the figures of its test rows', async () => {
    for (const format of FORMATS) {
      const evaluated = await json(['model', 'evaluate', 'models/customers-csv:1', '--data', file(format)]);
      expect(evaluated.exitCode).toBe(0);
      expect(evaluated.data).toMatchObject({ rows: 230, rowsWithoutLabel: 10 });
      if (format === 'csv') {
        expect(evaluated.data.heldOut).toMatchObject({ part: 'test', rows: trained.csv!.data.training.split.test });
        expect(evaluated.data.heldOut.metrics.accuracy).toBeCloseTo(trained.csv!.data.metrics.accuracy, 6);
      }
      // Every format feeds the model the same values.
      expect(evaluated.data.metrics.accuracy).toBeCloseTo((await json(['model', 'evaluate', `models/customers-${format}:1`, '--data', file('csv')])).data.metrics.accuracy, 9);
    }
  });

  it('serves the same answers from the three models, for JSON booleans, nulls, absent fields, extra fields and unknown categories, and what training recorded for its test rows', async () => {
    const instances = [
      { customer_id: 'C9999', age: 30, plan: 'basic', is_member: false, joined: '2021-05-01', monthly_spend: 20 },
      { age: null, plan: 'pro', is_member: 'True', joined: '2020-02-02', monthly_spend: 90 },
      { plan: 'plus', is_member: true, joined: '2022-01-01', monthly_spend: 55 },
      { age: 40, plan: 'enterprise', is_member: 'yes', joined: '2021-01-01', monthly_spend: 70 },
      { age: 52, plan: null, is_member: null, joined: '2020-07-14', monthly_spend: 33.5 },
      // The second instance again, with a JSON boolean for "True" and age absent instead of null.
      { plan: 'pro', is_member: true, joined: '2020-02-02', monthly_spend: 90 },
    ];
    expect((await mlship(['registry', 'get', 'models/customers-csv:1', '--file', 'predictions.json', '--out', 'serve-csv'])).exitCode).toBe(0);
    const predictions = JSON.parse(await readFile(join(dir, 'serve-csv', 'predictions.json'), 'utf8'));
    const table = mixedTableRows();
    const testRows = (predictions.rows as number[]).map((row) => {
      const { churned: _label, ...record } = table[row]!;
      return record;
    });
    const answers: unknown[] = [];
    for (const format of FORMATS) {
      const server = await startMlshipServe([`models/customers-${format}:1`], { cwd: dir });
      try {
        const post = async (body: unknown) => {
          const response = await fetch(`${server.url}/v1/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          expect(response.status).toBe(200);
          return (await response.json()) as { predictions: Array<{ label: string; probabilities: Record<string, number> }> };
        };
        const answer = await post({ instances });
        answers.push(answer.predictions);
        // The recorded test rows, missing values and all, get the labels training recorded for them.
        const served = await post({ instances: testRows });
        expect(served.predictions.map((prediction) => prediction.label)).toEqual(predictions.predicted);
      } finally {
        await server.stop();
      }
    }
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    // JSON true and the text "True" are the same boolean; null and absent are the same missing value.
    const first = answers[0] as unknown[];
    expect(first).toHaveLength(instances.length);
    expect(first[5]).toEqual(first[1]);
  });

  it('takes --task, and refuses an id label and classes too few for the rows, with a hint', async () => {
    const id = await mlship(['train', '--data', file('csv'), '--label', 'customer_id', '--epochs', '1']);
    expectOneLineError(id, 'MLSHIP_E_TRAIN_LABEL', 2);
    expect(id.stderr).toMatch(/holds a different value in every one of its 240 rows: it looks like an id, not a label/);
    const classes = await mlship(['train', '--data', file('csv'), '--label', 'monthly_spend', '--task', 'classification', '--epochs', '1']);
    expectOneLineError(classes, 'MLSHIP_E_TRAIN_LABEL', 2);
    expect(classes.stderr).toMatch(/--task regression/);
    const regression = await json(['train', '--data', file('csv'), '--label', 'age', '--task', 'regression', '--epochs', '1', '--name', 'ages']);
    expect(regression.exitCode).toBe(0);
    expect(regression.data.task).toEqual({ task: 'regression', reason: 'set with --task' });
    expectOneLineError(await mlship(['train', '--data', file('csv'), '--label', 'age', '--task', 'both']), 'MLSHIP_E_USAGE', 2);
  });
});
