/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
// Whole models as `mlship train` will make them: an MLP and a small CNN, exported, checked and compared with tfjs.
import type { LayersModel } from '@tensorflow/tfjs';
import { makeTempDir } from '@mlship/test-utils';
import { exportLayersModel } from './export-model.js';
import { DEFAULT_OPSET, IR_VERSION, MAX_OPSET } from './model.js';
import { decodeModel } from './read-model.js';
import { encodeModel } from './write-model.js';
import { checkWithOnnx, loadTf, randomFloats, writeModelFile } from '../test/helpers.js';
import { verifyExport } from './verify-export.js';

const tf = await loadTf();
const { dir } = await makeTempDir('mlship-onnx-models-');
let seed = 100;
const weights = () => ({
  kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }),
  biasInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: seed++ }),
});

function mlp(): LayersModel {
  return tf.sequential({
    name: 'mlp',
    layers: [tf.layers.dense({ units: 16, activation: 'relu', inputShape: [4], ...weights() }), tf.layers.dense({ units: 3, activation: 'softmax', ...weights() })],
  });
}

function cnn(): LayersModel {
  return tf.sequential({
    name: 'cnn',
    layers: [
      tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1], ...weights() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax', ...weights() }),
    ],
  });
}

const models = [
  { name: 'MLP 4→16→3 softmax', build: mlp, features: 4, labels: ['setosa', 'versicolor', 'virginica'] },
  { name: 'CNN 8x8x1 → Conv2D → MaxPool → Flatten → Dense 10 softmax', build: cnn, features: 64, labels: [...'0123456789'] },
];

describe.each(models)('$name', ({ build, features, labels }) => {
  const model = build();
  const paths: string[] = [];

  it.each([DEFAULT_OPSET, MAX_OPSET])('matches tfjs within 1e-5 at batch sizes 1 and 7 (opset %i)', async (opset) => {
    const exported = exportLayersModel({ model, classes: labels, opset });
    paths.push(writeModelFile(dir, `${model.name}-${opset}`, exported.bytes));
    for (const rows of [1, 7]) {
      const input = randomFloats(rows * features, rows + opset, 0, 1);
      const result = await verifyExport({ model, exported, input, rows });
      expect(result.dims).toEqual([rows, labels.length]);
      expect(result.maxAbsError).toBeLessThan(1e-5);
    }
  });

  it('writes IR 8, the opset, a symbolic batch dimension and the signature', () => {
    const { bytes, signature } = exportLayersModel({ model, classes: labels });
    const read = decodeModel(bytes);
    expect(read.irVersion).toBe(IR_VERSION);
    expect(read.opsetImports).toEqual([{ domain: '', version: DEFAULT_OPSET }]);
    expect(read.producerName).toBe('mlship');
    expect(read.graph.inputs).toEqual(signature.inputs);
    expect(read.graph.outputs).toEqual([{ name: 'output', dataType: 'float32', shape: ['N', labels.length] }]);
    expect(signature).toMatchObject({ format: 'mlship.signature.v1', model: { file: 'model.onnx', irVersion: 8, opset: DEFAULT_OPSET }, labels });
    expect(signature.inputs[0]).toEqual({ name: 'input', dataType: 'float32', shape: ['N', ...(model.inputs[0]?.shape.slice(1) ?? [])] });
    expect(encodeModel(read)).toEqual(bytes);
  });

  it('passes onnx.checker.check_model(full_check=True)', async () => {
    const results = await checkWithOnnx(paths);
    expect(Object.values(results)).toEqual(paths.map(() => 'ok'));
  });

  it('refuses labels that do not fit the output, and opsets outside 13–17', () => {
    expect(() => exportLayersModel({ model, classes: ['a'] })).toThrow(expect.objectContaining({ code: 'MLSHIP_E_CONFIG' }));
    expect(() => exportLayersModel({ model, opset: 12 })).toThrow(expect.objectContaining({ code: 'MLSHIP_E_CONFIG' }));
    expect(() => exportLayersModel({ model, opset: 18 })).toThrow(expect.objectContaining({ code: 'MLSHIP_E_CONFIG' }));
  });
});

describe('the CNN graph', () => {
  it('transposes to channels first once, and back once before Flatten', () => {
    const { model } = exportLayersModel({ model: cnn() });
    expect(model.graph.nodes.map((node) => node.opType)).toEqual(['Transpose', 'Conv', 'Relu', 'MaxPool', 'Transpose', 'Flatten', 'MatMul', 'Add', 'Softmax']);
  });
});
