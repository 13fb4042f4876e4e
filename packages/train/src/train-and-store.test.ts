/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
// trainAndStore as a library: a regression with per-group metrics and a gate, stored in a temp
// registry; the stored tfjs model loads back with the weights that were trained.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractArtifact, initRegistry, resolveRef } from '@mlship/registry';
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
    expect(stages).toEqual(['data', 'train', 'evaluate', 'export', 'store']);
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

  it('refuses a bad alias before training, and gate metrics of the other task', async () => {
    await expect(trainAndStore({ registry, data: iris, label: 'species', promote: '1bad' })).rejects.toMatchObject({ code: 'MLSHIP_E_REF_INVALID' });
    await expect(trainAndStore({ registry, data: iris, label: 'species', gates: ['rmse<=0.1'], epochs: 1 })).rejects.toMatchObject({ code: 'MLSHIP_E_GATE_UNKNOWN_METRIC' });
  });
});
