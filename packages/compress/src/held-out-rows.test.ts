/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
// Compression judges a model on the rows it held out: the test rows of a model stored now (never its
// training or validation rows, nor for calibration), and the validation rows of a version stored
// before the test part existed, whose predictions.json names no part.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractArtifact, initRegistry, putArtifact, resolveRef } from '@mlship/registry';
import { trainAndStore } from '@mlship/train';
import { compressModel } from './compress-model.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const iris = join(root, 'examples', 'iris', 'iris.csv');

describe('the rows compress judges on', () => {
  let dir: string;
  let registry: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mlship-compress-held-out-'));
    ({ registry } = await initRegistry({ dir }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('are the test rows of a model stored now; calibration takes its training rows only', async () => {
    const trained = await trainAndStore({ registry, data: iris, label: 'species', epochs: 5, name: 'iris' });
    const out = join(dir, 'now');
    await extractArtifact({ registry, ref: trained.ref, outDir: out, files: ['predictions.json'] });
    const predictions = JSON.parse(await readFile(join(out, 'predictions.json'), 'utf8'));
    const compressed = await compressModel({ registry, ref: trained.ref, method: 'int8-static', maxAccuracyDrop: 1, latencyCalls: 1 });
    expect(compressed.report.evaluation).toMatchObject({ rows: predictions.rows.length, description: expect.stringContaining('test split of training') });
    expect(compressed.report.evaluation.rows).toBe(30);
    const calibration = JSON.stringify(compressed.report);
    expect(calibration).toMatch(/sampled \(seed \d+\) from the training rows of the source model/);
    // The compressed version keeps the part, so compressing it again judges the same rows.
    await extractArtifact({ registry, ref: compressed.ref, outDir: join(dir, 'child'), files: ['predictions.json'] });
    expect(JSON.parse(await readFile(join(dir, 'child', 'predictions.json'), 'utf8'))).toMatchObject({ part: 'test', table: 'data', rows: predictions.rows });
  });

  it('are the validation rows of a version stored before the test part existed, for int8 and for pruning', async () => {
    // Such a version: a two-way split (validation 20%, its held-out rows), predictions.json without a part.
    const trained = await trainAndStore({ registry, data: iris, label: 'species', epochs: 3, name: 'two-way', spec: undefined, seed: 42 });
    const out = join(dir, 'old');
    await extractArtifact({ registry, ref: trained.ref, outDir: out });
    const spec = JSON.parse(await readFile(join(out, 'train-spec.json'), 'utf8'));
    const legacySpec = { ...spec, validation: { split: 0.2, stratify: true, seed: 42 } };
    delete legacySpec.crossValidation;
    delete legacySpec.guards;
    const { splitRows } = await import('@mlship/train');
    const classes = Int32Array.from({ length: 150 }, (_, i) => Math.floor(i / 50));
    const rows = splitRows(150, { fraction: 0.2, seed: 42, classes }).validation;
    const predictions = JSON.parse(await readFile(join(out, 'predictions.json'), 'utf8'));
    const legacyPredictions = { rows, actual: rows.map(() => 'setosa'), predicted: rows.map(() => 'setosa') };
    const stored = await resolveRef(registry, trained.ref);
    await putArtifact({
      registry,
      kind: 'models',
      name: 'legacy',
      files: [
        ...['model.onnx', 'signature.json', 'tfjs/model.json', 'tfjs/weights.bin'].map((name) => ({ name, path: join(out, name) })),
        { name: 'predictions.json', data: JSON.stringify(legacyPredictions) },
        { name: 'train-spec.json', data: JSON.stringify(legacySpec) },
      ],
      params: { spec: legacySpec },
      extra: stored.metadata.extra ?? {},
    });
    expect(predictions.part).toBe('test');
    const int8 = await compressModel({ registry, ref: 'models/legacy:1', method: 'int8', maxAccuracyDrop: 1, latencyCalls: 1 });
    expect(int8.report.evaluation).toMatchObject({ rows: 30, description: expect.stringContaining('validation split of training') });
    const pruned = await compressModel({ registry, ref: 'models/legacy:1', method: 'prune', maxAccuracyDrop: 1, latencyCalls: 1, settings: { epochs: 1 } });
    expect(pruned.report.evaluation.rows).toBe(30);
  });
});
