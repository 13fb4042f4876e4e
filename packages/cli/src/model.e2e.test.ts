/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
// `mlship model import | evaluate | export` through the built binary: a model trained by `mlship
// train`, the same model.onnx imported, one written by Python's onnx.helper, and a garbage file;
// metrics checked against ONNX Runtime run here, exports byte-compared with the stored files.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { runOnnxModel } from '@mlship/onnx';
import { expectOneLineError, makeTempDir, REPO_ROOT, runMlship, runMlshipJson } from '@mlship/test-utils';

const iris = join(REPO_ROOT, 'examples', 'iris', 'iris.csv');

/** softmax(x · W + b) with a symbolic batch dimension `batch`, written by Python's onnx.helper. */
const PYTHON_MODEL = `
import onnx, sys
from onnx import helper, TensorProto
w = helper.make_tensor('W', TensorProto.FLOAT, [2, 3], [1.0, -1.0, 0.0, 0.0, 1.0, -1.0])
b = helper.make_tensor('B', TensorProto.FLOAT, [3], [0.1, 0.0, -0.1])
nodes = [helper.make_node('MatMul', ['x', 'W'], ['xw']), helper.make_node('Add', ['xw', 'B'], ['logits']),
         helper.make_node('Softmax', ['logits'], ['probs'], axis=-1)]
graph = helper.make_graph(nodes, 'tiny', [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['batch', 2])],
    [helper.make_tensor_value_info('probs', TensorProto.FLOAT, ['batch', 3])], [w, b])
model = helper.make_model(graph, producer_name='python-test', producer_version='1.0', opset_imports=[helper.make_opsetid('', 13)])
model.ir_version = 8
onnx.checker.check_model(model, full_check=True)
onnx.save(model, sys.argv[1])
`;
const W = [
  [1, -1, 0],
  [0, 1, -1],
];
const B = [0.1, 0, -0.1];

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const argmax = (values: ArrayLike<number>) => Array.from(values).reduce((best, value, i, all) => (value > all[best]! ? i : best), 0);

describe('mlship model (built binary)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let trainedAccuracy: number;
  const mlship = (args: string[]) => runMlship(args, { cwd: dir, timeoutMs: 60_000 });
  const json = (args: string[]) => runMlshipJson(args, { cwd: dir, timeoutMs: 60_000 });
  const file = (...parts: string[]) => readFile(join(dir, ...parts));

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-model-cli-'));
    expect((await mlship(['init'])).exitCode).toBe(0);
    const trained = await json(['train', '--data', iris, '--label', 'species', '--epochs', '20', '--seed', '7']);
    expect(trained.exitCode).toBe(0);
    trainedAccuracy = trained.data.metrics.accuracy;
    expect((await mlship(['registry', 'get', 'models/iris:1', '--out', 'stored'])).exitCode).toBe(0);
  });
  afterAll(() => cleanup());

  it('evaluates a trained model on the full file as ONNX Runtime computes it, and on its held-out rows as train did', async () => {
    const evaluated = await json(['model', 'evaluate', 'models/iris:1', '--data', iris]);
    expect(evaluated.exitCode).toBe(0);
    expect(evaluated.data).toMatchObject({ ref: 'models/iris:1', status: 'ok', task: 'classification', label: 'species', rows: 150, classes: ['setosa', 'versicolor', 'virginica'] });
    expect(evaluated.data.features).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect(evaluated.data.metrics.accuracy).toBeGreaterThanOrEqual(0.8);

    // The same accuracy computed here: raw features in signature order through ONNX Runtime.
    const signature = JSON.parse((await file('stored', 'signature.json')).toString('utf8'));
    const [header, ...lines] = (await readFile(iris, 'utf8')).trim().split(/\r?\n/);
    const columns = header!.split(',');
    const width = signature.features.length;
    const input = new Float32Array(lines.length * width);
    lines.forEach((line, r) => {
      const cells = line.split(',');
      signature.features.forEach((feature: { name: string }, j: number) => (input[r * width + j] = Number(cells[columns.indexOf(feature.name)])));
    });
    const outputs = await runOnnxModel({ bytes: await file('stored', 'model.onnx'), feeds: { [signature.inputs[0].name]: { data: input, dims: [lines.length, width] } } });
    const scores = outputs[signature.outputs[0].name]!.data;
    const correct = lines.filter((line, r) => signature.labels[argmax(scores.subarray(r * 3, r * 3 + 3))] === line.split(',')[columns.indexOf('species')]).length;
    expect(evaluated.data.metrics.accuracy).toBe(correct / lines.length);

    // The held-out rows train recorded, as a file of their own: train's held-out accuracy.
    const predictions = JSON.parse((await file('stored', 'predictions.json')).toString('utf8'));
    await writeFile(join(dir, 'held-out.csv'), `${[header, ...predictions.rows.map((row: number) => lines[row])].join('\n')}\n`);
    const heldOut = await json(['model', 'evaluate', 'models/iris:1', '--data', 'held-out.csv']);
    expect(heldOut.data.rows).toBe(predictions.rows.length);
    expect(heldOut.data.metrics.accuracy).toBeCloseTo(trainedAccuracy, 12);

    // Gates as train judges them: a failed one exits 1.
    const gated = await json(['model', 'evaluate', 'models/iris:1', '--data', iris, '--gate', 'accuracy>=0.999']);
    expect(gated.exitCode).toBe(1);
    expect(gated.data).toMatchObject({ status: 'failed', gates: { passed: false, failed: 1 } });
    expect(gated.stderr).toMatch(/failed 1 gate\(s\): accuracy >= 0\.999/);
  });

  it('exports model.onnx with its signature and the tfjs model, byte for byte as stored', async () => {
    const onnx = await json(['model', 'export', 'models/iris:1', '--out', 'export-dir']);
    expect(onnx.exitCode).toBe(0);
    expect(onnx.data.files.map((f: { name: string }) => f.name)).toEqual(['model.onnx', 'signature.json']);
    expect(await file('export-dir', 'model.onnx')).toEqual(await file('stored', 'model.onnx'));
    expect(await file('export-dir', 'signature.json')).toEqual(await file('stored', 'signature.json'));

    expect((await mlship(['model', 'export', 'models/iris:1', '--out', 'named/iris.onnx'])).exitCode).toBe(0);
    expect(await file('named', 'iris.onnx')).toEqual(await file('stored', 'model.onnx'));
    expect(await file('named', 'iris.signature.json')).toEqual(await file('stored', 'signature.json'));

    const tfjs = await json(['model', 'export', 'models/iris:1', '--format', 'tfjs', '--out', 'web']);
    expect(tfjs.exitCode).toBe(0);
    expect(await file('web', 'model.json')).toEqual(await file('stored', 'tfjs', 'model.json'));
    expect(await file('web', 'weights.bin')).toEqual(await file('stored', 'tfjs', 'weights.bin'));
    expect(JSON.parse((await file('web', 'model.json')).toString('utf8')).weightsManifest[0].paths).toEqual(['weights.bin']);

    expectOneLineError(await mlship(['model', 'export', 'datasets/iris:1', '--out', 'x']), 'MLSHIP_E_MODEL_FORMAT', 2);
    expectOneLineError(await mlship(['model', 'export', 'models/iris:1', '--format', 'pt', '--out', 'x']), 'MLSHIP_E_USAGE', 2);
  });

  it("imports mlship's own model.onnx, with the signature read from the graph or given", async () => {
    const stored = JSON.parse((await file('stored', 'signature.json')).toString('utf8'));
    const plain = await json(['model', 'import', join(dir, 'stored', 'model.onnx'), '--name', 'own']);
    expect(plain.exitCode).toBe(0);
    expect(plain.data).toMatchObject({ ref: 'models/own:1', signatureSource: 'graph', onnx: { irVersion: 8, opset: 13, producer: { name: 'mlship' } } });
    expect(plain.data.signature).toEqual({ format: 'mlship.signature.v1', model: stored.model, inputs: stored.inputs, outputs: stored.outputs });
    const shown = await json(['registry', 'show', 'models/own:1']);
    expect(shown.data.files.map((f: { name: string }) => f.name).sort()).toEqual(['model.onnx', 'signature.json']);
    expect(shown.data.metadata.extra).toMatchObject({
      source: 'imported',
      import: { file: 'model.onnx', digest: sha256(await file('stored', 'model.onnx')) },
      onnx: { irVersion: 8, opset: 13, producer: { name: 'mlship' } },
    });
    // No tfjs files to export for an imported model.
    expectOneLineError(await mlship(['model', 'export', 'models/own:1', '--format', 'tfjs', '--out', 'nope']), 'MLSHIP_E_MODEL_FORMAT', 2);

    // With the stored signature (features and labels): it evaluates as the trained model does.
    const given = await json(['model', 'import', join(dir, 'stored', 'model.onnx'), '--name', 'own', '--signature', join(dir, 'stored', 'signature.json')]);
    expect(given.data).toMatchObject({ ref: 'models/own:2', signatureSource: 'file' });
    const [original, imported] = await Promise.all([
      json(['model', 'evaluate', 'models/iris:1', '--data', iris]),
      json(['model', 'evaluate', 'models/own:2', '--data', iris, '--label', 'species']),
    ]);
    expect(imported.exitCode).toBe(0);
    expect(imported.data.evaluation).toEqual(original.data.evaluation);

    // A signature that does not match the graph.
    await writeFile(join(dir, 'wrong.json'), JSON.stringify({ ...stored, inputs: [{ ...stored.inputs[0], name: 'x' }] }));
    expectOneLineError(await mlship(['model', 'import', join(dir, 'stored', 'model.onnx'), '--name', 'own', '--signature', 'wrong.json']), 'MLSHIP_E_MODEL_SIGNATURE', 2);
  });

  it('imports and evaluates a model written by Python onnx.helper, with a symbolic batch dimension', async () => {
    const path = join(dir, 'tiny.onnx');
    await execa('/usr/bin/python3', ['-c', PYTHON_MODEL, path]);
    const imported = await json(['model', 'import', path, '--name', 'tiny', '--label-names', 'a,b,c']);
    expect(imported.exitCode).toBe(0);
    expect(imported.data.signature).toEqual({
      format: 'mlship.signature.v1',
      model: { file: 'model.onnx', irVersion: 8, opset: 13 },
      inputs: [{ name: 'x', dataType: 'float32', shape: ['batch', 2] }],
      outputs: [{ name: 'probs', dataType: 'float32', shape: ['batch', 3] }],
      labels: ['a', 'b', 'c'],
    });
    expect(imported.data.onnx.producer).toEqual({ name: 'python-test', version: '1.0' });

    // Data whose label agrees with the model on most rows; the expected accuracy computed here.
    const rows = Array.from({ length: 40 }, (_, i) => [((i * 7) % 11) / 5 - 1, ((i * 5) % 13) / 6 - 1]);
    const labels = rows.map((x, i) => {
      const logits = B.map((b, k) => x[0]! * W[0]![k]! + x[1]! * W[1]![k]! + b);
      return i % 5 === 0 ? ['a', 'b', 'c'][(argmax(logits) + 1) % 3]! : ['a', 'b', 'c'][argmax(logits)]!;
    });
    const expected = rows.filter((x, i) => ['a', 'b', 'c'][argmax(B.map((b, k) => x[0]! * W[0]![k]! + x[1]! * W[1]![k]! + b))] === labels[i]).length / rows.length;
    await writeFile(join(dir, 'tiny.csv'), `y,f1,f2\n${rows.map((x, i) => `${labels[i]},${x[0]},${x[1]}`).join('\n')}\n`);
    const evaluated = await json(['model', 'evaluate', 'models/tiny', '--data', 'tiny.csv', '--label', 'y', '--features', 'f1,f2']);
    expect(evaluated.exitCode).toBe(0);
    expect(evaluated.data).toMatchObject({ ref: 'models/tiny:1', task: 'classification', features: ['f1', 'f2'], input: { name: 'x', dims: [-1, 2] } });
    expect(evaluated.data.metrics.accuracy).toBe(expected);
    expect(evaluated.data.metrics.log_loss).toEqual(expect.any(Number));

    // Without --features, every column but the label in file order; a width that does not fit is refused.
    const byDefault = await json(['model', 'evaluate', 'models/tiny', '--data', 'tiny.csv', '--label', 'y']);
    expect(byDefault.data.metrics.accuracy).toBe(expected);
    expectOneLineError(await mlship(['model', 'evaluate', 'models/tiny', '--data', 'tiny.csv', '--label', 'y', '--features', 'f1']), 'MLSHIP_E_MODEL_INPUT', 2);
  });

  it('refuses a file that is not ONNX with one coded line and exit 2', async () => {
    await writeFile(join(dir, 'garbage.onnx'), 'this is not a model\n');
    expectOneLineError(await mlship(['model', 'import', 'garbage.onnx', '--name', 'garbage']), 'MLSHIP_E_ONNX_INVALID', 2);
    expectOneLineError(await mlship(['model', 'import', iris, '--name', 'garbage']), 'MLSHIP_E_ONNX_INVALID', 2);
    expectOneLineError(await mlship(['model', 'import', 'missing.onnx', '--name', 'garbage']), 'MLSHIP_E_FILE_NOT_FOUND', 2);
    expect((await mlship(['registry', 'show', 'models/garbage'])).exitCode).toBe(2);
  });
});
