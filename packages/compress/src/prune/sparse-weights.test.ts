/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
// The sparse-weight encoding on exported tfjs models whose weights were made 80% zero: exact, smaller, folded by ORT.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModel, encodeModel, exportLayersModel, runOnnxModel, type OnnxModel } from '@mlship/onnx';
import type { LayersModel } from '@tensorflow/tfjs';
import { makeTempDir } from '@mlship/test-utils';
import { floatValues } from '../graph-edit.js';
import { checkWithOnnx, loadTf, randomFloats, writeModelFile } from '../../test/helpers.js';
import { decodeSparseEntries, encodeSparseWeights, sparseEntries } from './sparse-weights.js';

const tf = await loadTf();
const { dir } = await makeTempDir('mlship-compress-sparse-');
let seed = 1;
const init = () => ({ kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }), biasInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: seed++ }) });

function mlp(): LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 128, activation: 'relu', inputShape: [64], ...init() }),
      tf.layers.dense({ units: 64, activation: 'relu', ...init() }),
      tf.layers.dense({ units: 10, activation: 'softmax', ...init() }),
    ],
  });
}

function cnn(): LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [8, 8, 1], ...init() }),
      tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', ...init() }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 32, activation: 'relu', ...init() }),
      tf.layers.dense({ units: 10, activation: 'softmax', ...init() }),
    ],
  });
}

/** Zeros the smallest `sparsity` share of every float32 initializer with at least 64 elements. */
function zeroSmallest(model: OnnxModel, sparsity: number): OnnxModel {
  for (const tensor of model.graph.initializers) {
    const values = floatValues(tensor);
    if (!values || values.length < 64) continue;
    const order = [...values.keys()].sort((a, b) => Math.abs(values[a]!) - Math.abs(values[b]!));
    for (const index of order.slice(0, Math.round(sparsity * values.length))) values[index] = 0;
  }
  return model;
}

describe('sparseEntries', () => {
  it('bridges gaps over 255 with filler zeros and round-trips', () => {
    const dense = new Float32Array(1000);
    dense[0] = 1.5;
    dense[255] = -2;
    dense[900] = 3;
    dense[999] = 4;
    const { values, gaps } = sparseEntries(dense);
    expect([...gaps]).toEqual([0, 255, 255, 255, 135, 99]);
    expect([...values]).toEqual([1.5, -2, 0, 0, 3, 4]);
    expect(decodeSparseEntries(values, gaps, 1000)).toEqual(dense);
  });

  it('keeps one entry for an all-zero weight', () => {
    const { values, gaps } = sparseEntries(new Float32Array(300));
    expect([...values, ...gaps]).toEqual([0, 0]);
    expect(decodeSparseEntries(values, gaps, 300)).toEqual(new Float32Array(300));
  });
});

describe.each([
  { name: 'MLP 64→128→64→10', build: mlp, rowDims: [64], weights: 3 },
  { name: 'CNN 8x8x1 → Conv 8 → Conv 16 → Dense 32 → Dense 10', build: cnn, rowDims: [8, 8, 1], weights: 3 },
])('$name at 80% sparsity', ({ build, rowDims, weights }) => {
  const tfModel = build();
  const dense = zeroSmallest(decodeModel(exportLayersModel({ model: tfModel }).bytes), 0.8);
  const denseBytes = encodeModel(dense);
  const { model: sparse, weights: encoded } = encodeSparseWeights(dense);
  const sparseBytes = encodeModel(sparse);
  const rows = 9;
  const input = randomFloats(rows * rowDims.reduce((a, b) => a * b, 1), seed++, 0, 1);
  const run = async (bytes: Uint8Array) => (await runOnnxModel({ bytes, feeds: { input: { data: input, dims: [rows, ...rowDims] } } })).output!.data;

  it('gives exactly the dense model\'s outputs, with the same inputs and outputs', async () => {
    expect(sparse.graph.inputs).toEqual(dense.graph.inputs);
    expect(sparse.graph.outputs).toEqual(dense.graph.outputs);
    expect(await run(sparseBytes)).toEqual(await run(denseBytes));
  });

  it('encodes the large weights under the contract\'s names and leaves small ones dense', () => {
    expect(encoded).toHaveLength(weights);
    const names = new Set(sparse.graph.initializers.map((tensor) => tensor.name));
    for (const weight of encoded) {
      const size = weight.dims.reduce((a, b) => a * b, 1);
      expect(weight.nonzero).toBe(size - Math.round(0.8 * size));
      expect(weight.bytesAfter * 3).toBeLessThan(weight.bytesBefore);
      for (const suffix of ['__sparse_values', '__sparse_gaps', '__sparse_dims']) expect(names.has(`${weight.name}${suffix}`)).toBe(true);
      expect(names.has(weight.name)).toBe(false);
    }
    const byName = new Map(sparse.graph.initializers.map((tensor) => [tensor.name, tensor]));
    const first = encoded[0]!;
    expect(byName.get(`${first.name}__sparse_gaps`)?.dataType).toBe('uint8');
    expect([...(byName.get(`${first.name}__sparse_dims`)!.data as BigInt64Array)]).toEqual(first.dims.map(BigInt));
    expect(sparse.graph.initializers.filter((tensor) => tensor.name.endsWith('/bias')).map((tensor) => tensor.name)).toEqual(
      dense.graph.initializers.filter((tensor) => tensor.name.endsWith('/bias')).map((tensor) => tensor.name),
    );
  });

  it('makes the file at least 3× smaller', () => {
    expect(denseBytes.length / sparseBytes.length).toBeGreaterThanOrEqual(3);
  });

  it('is constant-folded by ONNX Runtime: the optimised graph has the dense model\'s operators', async () => {
    const ort = await import('onnxruntime-node');
    const ops = async (bytes: Uint8Array, name: string) => {
      const path = join(dir, `${name}.optimized.onnx`);
      const session = await ort.InferenceSession.create(bytes, { optimizedModelFilePath: path, logSeverityLevel: 3 });
      await session.release();
      return decodeModel(readFileSync(path)).graph.nodes.map((node) => node.opType);
    };
    const sparseOps = await ops(sparseBytes, `sparse-${tfModel.name}`);
    expect(sparseOps).not.toContain('ScatterElements');
    expect(sparseOps).toEqual(await ops(denseBytes, `dense-${tfModel.name}`));
  });

  it('passes onnx.checker.check_model(full_check=True)', async () => {
    const path = writeModelFile(dir, `sparse-${tfModel.name}`, sparseBytes);
    expect(await checkWithOnnx([path])).toEqual({ [path]: 'ok' });
  });

  it('leaves weights below minSparsity or minElements dense', () => {
    expect(encodeSparseWeights(dense, { minSparsity: 0.9 }).weights).toEqual([]);
    expect(encodeSparseWeights(dense, { minElements: 1e6 }).weights).toEqual([]);
    expect(encodeSparseWeights(decodeModel(exportLayersModel({ model: tfModel }).bytes)).weights).toEqual([]);
  });
});
