/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
// `mlship train` through the built binary: train, evaluate, export and store iris; reproducibility,
// gates and promotion, lineage from a registered dataset, and the stored model.onnx run in ONNX Runtime.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runOnnxModel } from '@mlship/onnx';
import { makeTempDir, REPO_ROOT, runMlship, runMlshipJson } from '@mlship/test-utils';

const iris = join(REPO_ROOT, 'examples', 'iris', 'iris.csv');
const EPOCHS = '20';

interface StoredFile {
  name: string;
  digest: string;
}

describe('mlship train (built binary)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const mlship = (args: string[]) => runMlship(args, { cwd: dir, timeoutMs: 120_000 });
  const json = (args: string[]) => runMlshipJson(args, { cwd: dir, timeoutMs: 120_000 });

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-train-cli-'));
    expect((await mlship(['init'])).exitCode).toBe(0);
  });
  afterAll(() => cleanup());

  it('trains iris, stores it with its files and metrics, and the stored ONNX model predicts what was evaluated', async () => {
    const trained = await json(['train', '--data', iris, '--label', 'species', '--epochs', EPOCHS, '--seed', '7']);
    expect(trained.exitCode).toBe(0);
    expect(trained.data).toMatchObject({ ref: 'models/iris:1', status: 'ok', gates: { passed: true, results: [] }, backend: { name: expect.any(String) } });
    expect(trained.data.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(trained.data.metrics.accuracy).toBeGreaterThanOrEqual(0.8);
    expect(trained.data.onnx.maxAbsError).toBeLessThan(1e-5);
    // Epoch events as JSON lines on stderr.
    const events = trained.stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    expect(events.length).toBeGreaterThan(0);
    expect(events[0]).toMatchObject({ event: 'epoch', epoch: 1, epochs: Number(EPOCHS), loss: expect.any(Number) });

    const shown = await json(['registry', 'show', 'models/iris:1']);
    const names = shown.data.files.map((file: StoredFile) => file.name);
    expect(names).toEqual(expect.arrayContaining(['model.onnx', 'signature.json', 'model-card.md', 'model-card.json', 'metrics.json', 'train-spec.json', 'tfjs/model.json', 'tfjs/weights.bin']));
    const { metadata } = shown.data;
    expect(metadata).toMatchObject({
      status: 'ok',
      metrics: { accuracy: trained.data.metrics.accuracy, f1_macro: expect.any(Number) },
      params: { seed: 7, backend: { name: trained.data.backend.name }, spec: { label: 'species', epochs: Number(EPOCHS) } },
      extra: { weightsDigest: trained.data.weightsDigest, onnx: { opset: 13, irVersion: 8 }, dataset: { digest: expect.stringMatching(/^sha256:/) } },
    });
    expect(metadata.environment.libraries).toMatchObject({ 'tfjs-core': expect.any(String), backend: expect.any(String) });

    // The stored ONNX model on the held-out rows gives the labels the evaluation recorded.
    expect((await mlship(['registry', 'get', 'models/iris:1', '--out', 'out1'])).exitCode).toBe(0);
    const signature = JSON.parse(await readFile(join(dir, 'out1', 'signature.json'), 'utf8'));
    const predictions = JSON.parse(await readFile(join(dir, 'out1', 'predictions.json'), 'utf8'));
    const card = await readFile(join(dir, 'out1', 'model-card.md'), 'utf8');
    expect(card).toContain('accuracy');
    // The card names the version it belongs to (made under the registry lock once the number was taken).
    const cardJson = JSON.parse(await readFile(join(dir, 'out1', 'model-card.json'), 'utf8'));
    expect(cardJson.model).toMatchObject({ name: 'iris', version: 1, ref: 'models/iris:1', created: metadata.created, digest: expect.stringMatching(/^sha256:/) });
    expect(card).toMatch(/models\/iris:1/);
    const [header, ...lines] = (await readFile(iris, 'utf8')).trim().split('\n');
    const columns = header!.split(',');
    const rows: number[] = predictions.rows.slice(0, 8);
    const input = new Float32Array(rows.length * signature.features.length);
    rows.forEach((row, r) => {
      const cells = lines[row]!.split(',');
      signature.features.forEach((feature: { name: string }, j: number) => (input[r * signature.features.length + j] = Number(cells[columns.indexOf(feature.name)])));
    });
    const bytes = await readFile(join(dir, 'out1', 'model.onnx'));
    const outputs = await runOnnxModel({ bytes, feeds: { [signature.inputs[0].name]: { data: input, dims: [rows.length, signature.features.length] } } });
    const output = outputs[signature.outputs[0].name]!;
    expect(output.dims).toEqual([rows.length, 3]);
    const labels = rows.map((_, r) => {
      const scores = Array.from(output.data.slice(r * 3, r * 3 + 3));
      return signature.labels[scores.indexOf(Math.max(...scores))];
    });
    expect(labels).toEqual(predictions.predicted.slice(0, rows.length));

    // The same seed again: the same weights and the same ONNX bytes (stored as a new version only with
    // --new-version: by default the identical latest version is returned); gates that pass move the alias.
    const again = await json(['train', '--data', iris, '--label', 'species', '--epochs', EPOCHS, '--seed', '7', '--gate', 'accuracy>=0.5', '--compare-to', 'models/iris:1', '--promote', 'staging', '--new-version']);
    expect(again.exitCode).toBe(0);
    expect(again.data).toMatchObject({ ref: 'models/iris:2', status: 'ok', promoted: { alias: 'models/iris@staging', ref: 'models/iris:2' } });
    expect(again.data.weightsDigest).toBe(trained.data.weightsDigest);
    expect(again.data.onnx.digest).toBe(trained.data.onnx.digest);
    expect(again.data.gates.results.map((gate: { kind: string; passed: boolean }) => [gate.kind, gate.passed])).toEqual([
      ['threshold', true],
      ['baseline', true],
    ]);
    const shownAgain = await json(['registry', 'show', 'models/iris:2']);
    const onnxDigest = (files: StoredFile[]) => files.find((file) => file.name === 'model.onnx')!.digest;
    expect(onnxDigest(shownAgain.data.files)).toBe(onnxDigest(shown.data.files));
    expect(shownAgain.data.aliases).toContain('staging');
  });

  it('stores a version that fails a gate as failed, exits 1 and does not move the alias', async () => {
    const result = await json(['train', '--data', iris, '--label', 'species', '--epochs', EPOCHS, '--name', 'gated', '--gate', 'accuracy>=0.999', '--promote', 'production']);
    expect(result.exitCode).toBe(1);
    expect(result.data).toMatchObject({ ref: 'models/gated:1', status: 'failed', promoted: null, gates: { passed: false, failed: 1 } });
    expect(result.stderr).toMatch(/failed 1 gate\(s\): accuracy >= 0\.999/);
    const shown = await json(['registry', 'show', 'models/gated:1']);
    expect(shown.data.metadata.status).toBe('failed');
    expect(shown.data.aliases).toEqual([]);
    expect((await mlship(['registry', 'show', 'models/gated@production'])).exitCode).toBe(2);
  });

  it('trains from a registered dataset with a spec and records the dataset as its parent', async () => {
    expect((await mlship(['data', 'register', iris, '--name', 'flowers', '--schema', join(REPO_ROOT, 'examples', 'iris', 'schema.yaml')])).exitCode).toBe(0);
    const trained = await json(['train', join(REPO_ROOT, 'examples', 'iris', 'train.yaml'), '--data', 'datasets/flowers:1', '--epochs', EPOCHS]);
    expect(trained.exitCode).toBe(0);
    expect(trained.data).toMatchObject({ ref: 'models/flowers:1', dataset: { ref: 'datasets/flowers:1', file: 'iris.csv' } });
    const dataset = await json(['registry', 'show', 'datasets/flowers:1']);
    expect(trained.data.dataset.digest).toBe(dataset.data.files.find((file: StoredFile) => file.name === 'iris.csv').digest);
    const lineage = await json(['registry', 'lineage', 'models/flowers:1']);
    expect(lineage.data.parents).toEqual([expect.objectContaining({ ref: 'datasets/flowers:1', digest: dataset.data.digest })]);
  });

  it('refuses bad gates and unknown data before training, with exit 2', async () => {
    const badGate = await mlship(['train', '--data', iris, '--label', 'species', '--gate', 'accuracy>=95']);
    expect(badGate.exitCode).toBe(2);
    expect(badGate.stderr).toMatch(/^error\[MLSHIP_E_GATE_SYNTAX\]/);
    const missing = await mlship(['train', '--data', 'nope.csv', '--label', 'species']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/^error\[MLSHIP_E_FILE_NOT_FOUND\]/);
  });
});
