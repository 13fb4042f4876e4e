// Parameter counting on hand-built graphs whose counts are known: float, float16, quantized and sparse-encoded weights.
import { GraphBuilder, IR_VERSION, attr, encodeModel } from '@mlship/onnx';
import type { OnnxGraph, OnnxModel, OnnxTensor } from '@mlship/onnx';
import { encodeSparseWeights } from '../prune/sparse-weights.js';
import { convertToFloat16 } from '../quantize/float16.js';
import { randomFloats } from '../../test/helpers.js';
import { measureModelSize } from './model-size.js';

const modelOf = (graph: OnnxGraph): OnnxModel => ({ irVersion: IR_VERSION, opsetImports: [{ domain: '', version: 13 }], producerName: 'test', producerVersion: '0', graph });

/** y = x · W + b with W [rows, cols] and b [cols] as given. */
function dense(w: ArrayLike<number>, rows: number, cols: number, b: ArrayLike<number>): OnnxModel {
  const builder = new GraphBuilder('dense');
  const x = builder.addInput('x', 'float32', ['N', rows]);
  const mm = builder.addNode('MatMul', [x, builder.constantFloat('w', [rows, cols], w)], 'mm');
  const y = builder.rename(builder.addNode('Add', [mm, builder.constantFloat('b', [cols], b)], 'sum'), 'y');
  builder.addOutput(y, 'float32', ['N', cols]);
  return modelOf(builder.toGraph());
}

/** A graph of DequantizeLinear(w, w_scale, w_zero_point) → MatMul with the given integer weight. */
function dequantized(w: OnnxTensor, scale: OnnxTensor, zeroPoint: OnnxTensor, axis?: number): OnnxModel {
  const graph: OnnxGraph = {
    name: 'dq',
    nodes: [
      { opType: 'DequantizeLinear', inputs: [w.name, scale.name, zeroPoint.name], outputs: ['w_float'], ...(axis === undefined ? {} : { attributes: { axis: attr.int(axis) } }) },
      { opType: 'MatMul', inputs: ['x', 'w_float'], outputs: ['y'] },
    ],
    initializers: [w, scale, zeroPoint],
    inputs: [{ name: 'x', dataType: 'float32', shape: ['N', w.dims[0]!] }],
    outputs: [{ name: 'y', dataType: 'float32', shape: ['N', w.dims[1]!] }],
  };
  return modelOf(graph);
}

describe('measureModelSize', () => {
  it('counts float32 weight elements and their non-zeros, and gzips the file at level 9', () => {
    const w = randomFloats(8 * 4, 1);
    w[0] = 0;
    w[5] = 0;
    const bytes = encodeModel(dense(w, 8, 4, [0, 0, 0.5, -1]));
    const size = measureModelSize(bytes);
    expect(size.parameters).toBe(36);
    expect(size.nonzeroParameters).toBe(36 - 2 - 2);
    expect(size.bytes).toBe(bytes.length);
    expect(size.gzipBytes).toBeGreaterThan(0);
    expect(size.gzipBytes).toBeLessThan(bytes.length);
  });

  it('compresses an all-zero weight far better than a random one', () => {
    const random = measureModelSize(encodeModel(dense(randomFloats(64 * 64, 2), 64, 64, new Float32Array(64))));
    const zeros = measureModelSize(encodeModel(dense(new Float32Array(64 * 64), 64, 64, new Float32Array(64))));
    expect(zeros.bytes).toBe(random.bytes);
    expect(zeros.nonzeroParameters).toBe(0);
    expect(random.nonzeroParameters).toBe(64 * 64);
    expect(zeros.gzipBytes * 10).toBeLessThan(random.gzipBytes);
  });

  it('does not count quantization scales, zero points or scalars; an int weight is zero at its zero point', () => {
    // uint8 weight with zero point 128 (3 of 6 elements at 128), scalar scale and zero point
    const w: OnnxTensor = { name: 'w_quantized', dataType: 'uint8', dims: [3, 2], data: Uint8Array.from([128, 0, 128, 255, 128, 7]) };
    const scale: OnnxTensor = { name: 'w_scale', dataType: 'float32', dims: [], data: Float32Array.from([0.01]) };
    const zero: OnnxTensor = { name: 'w_zero_point', dataType: 'uint8', dims: [], data: Uint8Array.from([128]) };
    const size = measureModelSize(encodeModel(dequantized(w, scale, zero)));
    expect(size.parameters).toBe(6);
    expect(size.nonzeroParameters).toBe(3);

    // int8 per-channel along axis 1 (the columns): zero points [0, 5]
    const w2: OnnxTensor = { name: 'w2', dataType: 'int8', dims: [3, 2], data: Int8Array.from([0, 5, 1, 5, 0, -5]) };
    const scale2: OnnxTensor = { name: 'w2_scale', dataType: 'float32', dims: [2], data: Float32Array.from([0.1, 0.2]) };
    const zero2: OnnxTensor = { name: 'w2_zero_point', dataType: 'int8', dims: [2], data: Int8Array.from([0, 5]) };
    const perChannel = measureModelSize(encodeModel(dequantized(w2, scale2, zero2, 1)));
    // column 0 [0, 1, 0] has one non-zero against 0; column 1 [5, 5, −5] one against 5
    expect(perChannel.parameters).toBe(6);
    expect(perChannel.nonzeroParameters).toBe(2);
  });

  it('counts float16 weights with both signed zeros as zero', () => {
    const model = dense(new Float32Array(4), 2, 2, new Float32Array(2));
    const w = model.graph.initializers.find((tensor) => tensor.name === 'w')!;
    Object.assign(w, { dataType: 'float16', data: Uint16Array.from([0x0000, 0x8000, 0x3c00, 0xbc00]) });
    const size = measureModelSize(encodeModel(model));
    expect(size.parameters).toBe(6);
    expect(size.nonzeroParameters).toBe(2);
  });

  it('counts a sparse-encoded weight as its dense dims, with its stored values as the non-zeros', () => {
    const rows = 32;
    const cols = 32;
    const w = randomFloats(rows * cols, 3);
    for (let i = 0; i < w.length; i++) if (i % 5 !== 0) w[i] = 0;
    const plain = dense(w, rows, cols, randomFloats(cols, 4));
    const sparse = encodeSparseWeights(plain);
    expect(sparse.weights.map((weight) => weight.name)).toEqual(['w']);
    const before = measureModelSize(encodeModel(plain));
    const after = measureModelSize(encodeModel(sparse.model));
    expect(after.parameters).toBe(before.parameters);
    expect(after.nonzeroParameters).toBe(before.nonzeroParameters);
    expect(before.nonzeroParameters).toBe(Math.ceil((rows * cols) / 5) + cols);
    expect(after.bytes).toBeLessThan(before.bytes);
    // Stored as float16 afterwards (NAME__sparse_values becomes NAME__sparse_values_fp16): still the dense count.
    const half = measureModelSize(encodeModel(convertToFloat16(sparse.model, { mode: 'weights' }).model));
    expect(half.parameters).toBe(before.parameters);
    expect(half.nonzeroParameters).toBe(before.nonzeroParameters);
  });
});
