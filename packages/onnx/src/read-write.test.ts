/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { makeTempDir } from '@mlship/test-utils';
import { decodeModel } from './read-model.js';
import { encodeModel } from './write-model.js';
import { GraphBuilder } from './graph-builder.js';
import { attr, IR_VERSION, PRODUCER_NAME } from './model.js';
import type { OnnxModel } from './model.js';
import { OnnxErrorCode } from './errors.js';
import { runOnnxModel } from './run-onnx.js';
import { checkWithOnnx, writeModelFile } from '../test/helpers.js';

/** y = relu(x · W + b) with a softmax, using every attribute and tensor kind the writer knows. */
function sampleModel(): OnnxModel {
  const builder = new GraphBuilder('sample');
  const x = builder.addInput('x', 'float32', ['N', 3]);
  const w = builder.constantFloat('w', [3, 2], [1, -1, 0.5, 2, -0.25, 0]);
  const b = builder.constantFloat('b', [2], [0.1, -0.2]);
  const mm = builder.addNode('MatMul', [x, w], 'mm');
  const sum = builder.addNode('Add', [mm, b], 'sum');
  const relu = builder.addNode('LeakyRelu', [sum], 'relu', { alpha: attr.float(0.125) });
  const shape = builder.constantInt64('shape', [2], [0, -1]);
  const reshaped = builder.addNode('Reshape', [relu, shape], 'reshaped');
  const softmax = builder.addNode('Softmax', [reshaped], 'softmax', { axis: attr.int(-1) });
  const output = builder.rename(softmax, 'y');
  builder.addOutput(output, 'float32', ['N', 2]);
  const graph = builder.toGraph();
  graph.nodes.push({
    opType: 'Constant',
    inputs: [],
    outputs: ['unused'],
    attributes: {
      value: { type: 'tensor', value: { name: '', dataType: 'string', dims: [2], data: ['a', 'é'] } },
      // not valid on Constant, but it exercises the attribute kinds on the round trip
      ints: attr.ints([1, -2, 2 ** 40]),
      floats: attr.floats([0.5, -1.5]),
      strings: { type: 'strings', value: ['x', 'y'] },
      text: attr.string('hello'),
    },
  });
  graph.valueInfo = [{ name: 'mm', dataType: 'float32', shape: ['N', 2] }, { name: 'unknown_rank', dataType: 'int64' }];
  graph.inputs.push({ name: 'any', dataType: 'float32', shape: [null, 'batch', 4] });
  return {
    irVersion: IR_VERSION,
    opsetImports: [{ domain: '', version: 13 }],
    producerName: PRODUCER_NAME,
    producerVersion: '0.1.0',
    graph,
    docString: 'round trip',
    metadata: { labels: '["a","b"]' },
  };
}

describe('ONNX writer and reader', () => {
  it('round-trips every field through the protobuf bytes', () => {
    const model = sampleModel();
    const bytes = encodeModel(model);
    expect(decodeModel(bytes)).toEqual(model);
    expect(encodeModel(decodeModel(bytes))).toEqual(bytes);
  });

  it('writes a model ONNX Runtime runs', async () => {
    const model = sampleModel();
    model.graph.nodes.pop(); // drop the attribute sampler
    model.graph.inputs.pop();
    model.graph.valueInfo = [];
    const { y } = await runOnnxModel({ bytes: encodeModel(model), feeds: { x: { data: Float32Array.from([1, 2, 3, 0, 0, 0]), dims: [2, 3] } } });
    // row 1: [1·1 + 2·0.5 − 0.25·3 + 0.1, −1 + 4 − 0.2] = [1.35, 2.8]; row 2: [0.1, −0.2] → leaky −0.025
    const softmax = (a: number, b: number) => [1 / (1 + Math.exp(b - a)), 1 / (1 + Math.exp(a - b))];
    expect(y?.dims).toEqual([2, 2]);
    [...softmax(1.35, 2.8), ...softmax(0.1, -0.025)].forEach((expected, i) => expect(y?.data[i]).toBeCloseTo(expected, 6));
  });

  it('reads tensors that another writer stored in typed fields (python onnx, raw=False)', async () => {
    const { dir } = await makeTempDir('mlship-onnx-read-');
    const path = join(dir, 'typed.onnx');
    const script = `
import onnx, sys
from onnx import helper, TensorProto
w = helper.make_tensor('w', TensorProto.FLOAT, [2], [1.5, -2.0])
k = helper.make_tensor('k', TensorProto.INT64, [3], [1, -2, 2**40])
i = helper.make_tensor('i', TensorProto.INT32, [2], [7, -7])
d = helper.make_tensor('d', TensorProto.DOUBLE, [1], [0.25])
node = helper.make_node('Mul', ['x', 'w'], ['y'])
graph = helper.make_graph([node], 'g', [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['N', 2])],
    [helper.make_tensor_value_info('y', TensorProto.FLOAT, ['N', 2])], [w, k, i, d])
onnx.save(helper.make_model(graph, producer_name='python', opset_imports=[helper.make_opsetid('', 13)]), sys.argv[1])
`;
    await execa('/usr/bin/python3', ['-c', script, path]);
    const model = decodeModel(readFileSync(path));
    expect(model.producerName).toBe('python');
    expect(model.graph.inputs[0]?.shape).toEqual(['N', 2]);
    const byName = Object.fromEntries(model.graph.initializers.map((t) => [t.name, t]));
    expect(byName.w?.data).toEqual(Float32Array.from([1.5, -2]));
    expect(byName.k?.data).toEqual(BigInt64Array.from([1n, -2n, 2n ** 40n]));
    expect(byName.i?.data).toEqual(Int32Array.from([7, -7]));
    expect(byName.d?.data).toEqual(Float64Array.from([0.25]));
  });

  it('passes onnx.checker with full_check', async () => {
    const model = sampleModel();
    model.graph.nodes.pop();
    model.graph.inputs.pop();
    const path = writeModelFile((await makeTempDir('mlship-onnx-check-')).dir, 'sample', encodeModel(model));
    expect(await checkWithOnnx([path])).toEqual({ [path]: 'ok' });
  });

  it('rejects bytes that are not an ONNX model with a coded error', () => {
    expect(() => decodeModel(Uint8Array.from([0x0a, 0xff, 0xff, 0xff]))).toThrow(expect.objectContaining({ code: OnnxErrorCode.invalidModel }));
    expect(() => decodeModel(new Uint8Array())).toThrow(expect.objectContaining({ code: OnnxErrorCode.invalidModel }));
  });
});
