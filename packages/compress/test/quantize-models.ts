/** Small seeded models and run helpers for the quantization tests (not part of the package's API). */
import type { OnnxModel } from '@mlship/onnx';
import { attr, encodeModel, exportLayersModel, GraphBuilder, IR_VERSION, runOnnxModel } from '@mlship/onnx';
import { loadTf, randomFloats } from './helpers.js';

type Tf = Awaited<ReturnType<typeof loadTf>>;

export interface TestModel {
  model: OnnxModel;
  input: string;
  /** Dims of one row. */
  rowDims: number[];
}

function init(tf: Tf, seed: number): { kernelInitializer: ReturnType<Tf['initializers']['glorotUniform']>; biasInitializer: ReturnType<Tf['initializers']['randomUniform']> } {
  return {
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    biasInitializer: tf.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed: seed + 100 }),
  };
}

/** Dense 12 → 32 (relu) → 16 (relu) → 5 (softmax): MatMul + Add per layer. */
export async function seededMlp(): Promise<TestModel> {
  const tf = await loadTf();
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [12], units: 32, activation: 'relu', ...init(tf, 1) }),
      tf.layers.dense({ units: 16, activation: 'relu', ...init(tf, 2) }),
      tf.layers.dense({ units: 5, activation: 'softmax', ...init(tf, 3) }),
    ],
  });
  const { model: onnx } = exportLayersModel({ model });
  model.dispose();
  return { model: onnx, input: onnx.graph.inputs[0]!.name, rowDims: [12] };
}

/** Conv 3×3 ×8 (relu) → max pool → conv 3×3 ×8 (relu) → flatten → dense 4 (softmax), on 8×8×2 images. */
export async function seededCnn(): Promise<TestModel> {
  const tf = await loadTf();
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 2], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', ...init(tf, 4) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'valid', activation: 'relu', ...init(tf, 5) }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 4, activation: 'softmax', ...init(tf, 6) }),
    ],
  });
  const { model: onnx } = exportLayersModel({ model });
  model.dispose();
  return { model: onnx, input: onnx.graph.inputs[0]!.name, rowDims: [8, 8, 2] };
}

/** x [N, 6] → Gemm(transB, alpha 0.5, beta 2, C) → Relu → Gemm(no C) → y [N, 3]. */
export function gemmModel(): TestModel {
  const builder = new GraphBuilder('gemm');
  const x = builder.addInput('x', 'float32', ['N', 6]);
  const w1 = builder.constantFloat('w1', [10, 6], randomFloats(60, 11));
  const c1 = builder.constantFloat('c1', [10], randomFloats(10, 12, -0.3, 0.3));
  const h = builder.addNode('Gemm', [x, w1, c1], 'gemm1', { transB: attr.int(1), alpha: attr.float(0.5), beta: attr.float(2) });
  const r = builder.addNode('Relu', [h], 'relu');
  const w2 = builder.constantFloat('w2', [10, 3], randomFloats(30, 13));
  const y = builder.addNode('Gemm', [r, w2], 'y');
  builder.addOutput(y, 'float32', ['N', 3]);
  const model: OnnxModel = { irVersion: IR_VERSION, opsetImports: [{ domain: '', version: 13 }], producerName: 'test', producerVersion: '0', graph: builder.toGraph() };
  return { model, input: 'x', rowDims: [6] };
}

export function rowsFor(test: TestModel, count: number, seed: number): Float32Array {
  return randomFloats(count * test.rowDims.reduce((a, b) => a * b, 1), seed, -1, 1);
}

/** The model's first output on `count` rows, in ONNX Runtime (1 thread). */
export async function runRows(model: OnnxModel, test: TestModel, data: Float32Array, count: number): Promise<Float32Array> {
  const outputs = await runOnnxModel({ bytes: encodeModel(model), feeds: { [test.input]: { data, dims: [count, ...test.rowDims] } }, threads: 1 });
  return outputs[model.graph.outputs[0]!.name]!.data;
}

/** The share of rows whose argmax over `classes` columns agrees. */
export function argmaxAgreement(a: Float32Array, b: Float32Array, classes: number): number {
  const rows = a.length / classes;
  let same = 0;
  for (let row = 0; row < rows; row++) {
    const best = (values: Float32Array): number => {
      let index = 0;
      for (let k = 1; k < classes; k++) if (values[row * classes + k]! > values[row * classes + index]!) index = k;
      return index;
    };
    if (best(a) === best(b)) same++;
  }
  return same / rows;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  a.forEach((value, index) => (max = Math.max(max, Math.abs(value - b[index]!))));
  return max;
}
