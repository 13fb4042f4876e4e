/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
// trainAndStore as a library: a regression with per-group metrics and a gate, stored in a temp
// registry; the stored tfjs model loads back with the weights that were trained.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFile } from 'node:fs/promises';
import { extractArtifact, initRegistry, putArtifact, resolveRef } from '@mlship/registry';
import { mixedTable } from '../test/mixed-table.js';
import { evaluateModel } from './model-evaluate.js';
import { loadTfjs } from './tfjs.js';
import { trainAndStore } from './train-and-store.js';
import { weightsDigest } from './weights-digest.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const iris = join(root, 'examples', 'iris', 'iris.csv');

describe('trainAndStore', () => {
  let dir: string;
  let registry: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mlship-train-store-'));
    ({ registry } = await initRegistry({ dir }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('trains a regression with group metrics, records it, and the tfjs files load back with the same weights', async () => {
    const stages: string[] = [];
    const epochs: number[] = [];
    const result = await trainAndStore({
      registry,
      data: iris,
      label: 'petal_width',
      epochs: 10,
      groupBy: 'species',
      gates: ['r2>=0', 'group_gap.mae<=10'],
      onStage: (stage) => stages.push(stage),
      onEpoch: (event) => void epochs.push(event.epoch),
    });
    // 150 rows, under 500: 5-fold cross-validation over the training and validation rows, beside the test figures.
    expect(stages).toEqual(['data', 'train', 'evaluate', 'cross-validate', 'export', 'store']);
    expect(result.crossValidation).toMatchObject({ folds: 5, rows: 120, metrics: { rmse: { mean: expect.any(Number), std: expect.any(Number) }, mae: {}, r2: {} } });
    expect(result.crossValidation!.metrics.rmse!.folds).toHaveLength(5);
    expect(result.training.split).toMatchObject({ train: 90, validation: 30, test: 30, labelled: 150 });
    expect(result.evaluation.count).toBe(30);
    expect(epochs[0]).toBe(1);
    expect(result).toMatchObject({ ref: 'models/iris:1', status: 'ok', task: { task: 'regression' }, label: 'petal_width', classes: null, dataset: { ref: null } });
    expect(Object.keys(result.metrics)).toEqual(expect.arrayContaining(['mae', 'rmse', 'r2']));
    expect(result.groups?.column).toBe('species');
    expect(result.groups?.groups.map((group) => group.value)).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(result.importance.metric).toBe('r2');
    expect(result.importance.features.map((feature) => feature.feature).sort()).toEqual(['petal_length', 'sepal_length', 'sepal_width', 'species']);
    expect(result.onnx.maxAbsError).toBeLessThan(1e-4);

    const stored = await resolveRef(registry, 'models/iris:1');
    expect(stored.metadata.metrics).toEqual(result.metrics);
    expect(stored.metadata.extra).toMatchObject({ weightsDigest: result.weightsDigest, gates: { passed: true } });

    const out = join(dir, 'out');
    await extractArtifact({ registry, ref: 'models/iris:1', outDir: out, files: ['tfjs/model.json', 'tfjs/weights.bin'] });
    const modelJson = JSON.parse(await readFile(join(out, 'tfjs', 'model.json'), 'utf8'));
    const weights = await readFile(join(out, 'tfjs', 'weights.bin'));
    expect(modelJson.weightsManifest[0].paths).toEqual(['weights.bin']);
    const tf = await loadTfjs();
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: modelJson.weightsManifest[0].weights,
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      }),
    );
    expect(await weightsDigest(model)).toBe(result.weightsDigest);
    model.dispose();
  });

  it('judges on test rows early stopping never saw, records the parts, and model evaluate reads the training data with its missing values', async () => {
    const table = mixedTable('csv');
    const file = join(dir, 'customers.csv');
    await writeFile(file, `${table.columns.join(',')}\n${table.rows.map((cells) => cells.map((cell) => cell ?? '').join(',')).join('\n')}\n`);
    const result = await trainAndStore({ registry, data: file, label: 'churned', epochs: 3, spec: undefined, name: 'customers' });
    expect(result.columns.filter((column) => column.use !== 'feature').map((column) => [column.column, column.use, column.type])).toEqual([
      ['customer_id', 'excluded', 'id'],
      ['joined', 'derived', 'datetime'],
    ]);
    expect(result.training.split).toMatchObject({ labelled: 115, dropped: { missingLabel: 5, missingFeature: 0 } });
    expect(result.crossValidation?.folds).toBe(5);

    const out = join(dir, 'customers');
    await extractArtifact({ registry, ref: result.ref, outDir: out });
    const predictions = JSON.parse(await readFile(join(out, 'predictions.json'), 'utf8'));
    expect(predictions).toMatchObject({ part: 'test', table: 'data', parts: { train: { table: 'data' }, validation: { table: 'data' } } });
    const [train, validation, test] = [predictions.parts.train.rows, predictions.parts.validation.rows, predictions.rows] as number[][];
    expect(test).toHaveLength(result.evaluation.count);
    expect(new Set([...train!, ...validation!, ...test!]).size).toBe(train!.length + validation!.length + test!.length);
    const signature = JSON.parse(await readFile(join(out, 'signature.json'), 'utf8'));
    expect(signature).toMatchObject({ labels: ['no', 'yes'], labelType: 'string' });
    const card = await readFile(join(out, 'model-card.md'), 'utf8');
    expect(card).toContain('## Columns');
    expect(card).toMatch(/`customer_id` \| excluded \| id \| a different value in every one of its 120 rows/);
    expect(card).toContain('| Left out: no label | 5 |');
    expect(card).toContain('## Cross-validation');

    // The model fills the missing values itself: evaluating on its own training data works, and the
    // figures on its recorded test rows are train's.
    const evaluated = await evaluateModel({ registry, ref: result.ref, data: file });
    expect(evaluated).toMatchObject({ rows: 115, rowsWithoutLabel: 5, heldOut: { part: 'test', rows: test!.length } });
    expect(evaluated.heldOut!.metrics.accuracy).toBeCloseTo(result.metrics.accuracy!, 6);

    // A version stored before the test part existed: predictions.json without a part, a two-way spec; its held-out rows were its validation rows.
    const spec = JSON.parse(await readFile(join(out, 'train-spec.json'), 'utf8'));
    const legacySpec = { ...spec, validation: { split: 0.2, stratify: true, seed: 42 } };
    delete legacySpec.crossValidation;
    const legacyPredictions = { rows: validation, actual: validation!.map(() => 'no'), predicted: validation!.map(() => 'no') };
    const stored = await resolveRef(registry, result.ref);
    await putArtifact({
      registry,
      kind: 'models',
      name: 'legacy',
      files: [
        { name: 'model.onnx', path: join(out, 'model.onnx') },
        { name: 'signature.json', path: join(out, 'signature.json') },
        { name: 'predictions.json', data: JSON.stringify(legacyPredictions) },
        { name: 'train-spec.json', data: JSON.stringify(legacySpec) },
      ],
      params: { spec: legacySpec },
      extra: stored.metadata.extra ?? {},
    });
    const legacy = await evaluateModel({ registry, ref: 'models/legacy:1', data: file });
    expect(legacy.heldOut).toMatchObject({ part: 'validation', rows: validation!.length });
    expect(legacy.notes.join(' ')).toMatch(/stored before the test part existed/);
  });

  it('refuses a bad alias before training, and gate metrics of the other task', async () => {
    await expect(trainAndStore({ registry, data: iris, label: 'species', promote: '1bad' })).rejects.toMatchObject({ code: 'MLSHIP_E_REF_INVALID' });
    await expect(trainAndStore({ registry, data: iris, label: 'species', gates: ['rmse<=0.1'], epochs: 1 })).rejects.toMatchObject({ code: 'MLSHIP_E_GATE_UNKNOWN_METRIC' });
  });
});
