/**
 * The size of a model file: bytes, gzip level-9 bytes, and its weight parameters (all and non-zero),
 * counted the same way for float, quantized and sparse-encoded graphs so that before/after compare.
 */
import { gzipSync } from 'node:zlib';
import { decodeModel } from '@mlship/onnx';
import type { OnnxGraph, OnnxTensor } from '@mlship/onnx';
import { SPARSE_DIMS_SUFFIX as SPARSE_DIMS, SPARSE_GAPS_SUFFIX as SPARSE_GAPS, SPARSE_VALUES_SUFFIX as SPARSE_VALUES } from '../prune/sparse-weights.js';
import { FLOAT16_SUFFIX } from '../quantize/float16.js';

export interface ModelSize {
  bytes: number;
  gzipBytes: number;
  parameters: number;
  nonzeroParameters: number;
}


/**
 * Element types that hold weights. int32 is there for biases that quantize_static-style passes store
 * as int32 (ONNX shapes and indices are int64, so no int32 initializer is a shape).
 */
const WEIGHT_TYPES = new Set(['float32', 'float16', 'float64', 'int8', 'uint8', 'int32']);

/**
 * Measures the ONNX file `bytes`. Parameters are the elements of weight initializers; quantization
 * parameters (`*_scale`, `*_zero_point`) and scalars are not counted. A sparse-encoded weight counts
 * prod(dims) parameters, of which its stored values are the non-zero ones. An integer weight's zero is
 * its zero point when a quantized operator (or DequantizeLinear) names one.
 */
export function measureModelSize(bytes: Uint8Array): ModelSize {
  const graph = decodeModel(bytes).graph;
  const byName = new Map(graph.initializers.map((tensor) => [tensor.name, tensor]));
  let parameters = 0;
  let nonzeroParameters = 0;
  for (const tensor of graph.initializers) {
    // The float16 pass stores NAME as NAME_fp16 (cast back under NAME): count it under NAME.
    const name = tensor.name.endsWith(FLOAT16_SUFFIX) ? tensor.name.slice(0, -FLOAT16_SUFFIX.length) : tensor.name;
    if (name.endsWith(SPARSE_VALUES)) {
      const dims = byName.get(name.slice(0, -SPARSE_VALUES.length) + SPARSE_DIMS);
      parameters += dims ? product(Array.from(dims.data as ArrayLike<number | bigint>, Number)) : elements(tensor);
      nonzeroParameters += countNonzero(tensor, undefined);
      continue;
    }
    if (name.endsWith(SPARSE_GAPS) || name.endsWith(SPARSE_DIMS)) continue;
    if (!WEIGHT_TYPES.has(tensor.dataType) || tensor.dims.length === 0) continue;
    if (name.endsWith('_scale') || name.endsWith('_zero_point')) continue;
    parameters += elements(tensor);
    nonzeroParameters += countNonzero(tensor, zeroPointOf(graph, byName, tensor));
  }
  return { bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length, parameters, nonzeroParameters };
}

const product = (dims: number[]): number => dims.reduce((total, dim) => total * dim, 1);
const elements = (tensor: OnnxTensor): number => product(tensor.dims);

/** A weight's zero point: one value, or one per slice along `axis`. */
interface ZeroPoint {
  values: number[];
  axis: number;
}

/**
 * Where quantized operators take a weight and its zero point: [weight input, zero-point input, the
 * per-channel axis of the weight (negative: from the end)].
 */
const ZERO_POINT_INPUTS: Record<string, Array<[number, number, number]>> = {
  DequantizeLinear: [[0, 2, 1]],
  MatMulInteger: [[1, 3, -1]],
  ConvInteger: [[1, 3, 0]],
  QLinearMatMul: [[3, 5, -1]],
  QLinearConv: [[3, 5, 0]],
};

function zeroPointOf(graph: OnnxGraph, byName: Map<string, OnnxTensor>, tensor: OnnxTensor): ZeroPoint | undefined {
  if (tensor.dataType !== 'int8' && tensor.dataType !== 'uint8') return undefined;
  for (const node of graph.nodes) {
    for (const [weightInput, zeroInput, defaultAxis] of ZERO_POINT_INPUTS[node.opType] ?? []) {
      if (node.inputs[weightInput] !== tensor.name) continue;
      const zero = byName.get(node.inputs[zeroInput] ?? '');
      if (!zero) return undefined;
      const attribute = node.attributes?.axis;
      const axis = attribute?.type === 'int' ? attribute.value : defaultAxis;
      return { values: Array.from(zero.data as ArrayLike<number>, Number), axis: axis < 0 ? axis + tensor.dims.length : axis };
    }
  }
  return undefined;
}

function countNonzero(tensor: OnnxTensor, zeroPoint: ZeroPoint | undefined): number {
  const data = tensor.data;
  let count = 0;
  if (tensor.dataType === 'float16') {
    // raw half bits: +0 and −0 are the zeros
    for (const bits of data as Uint16Array) if ((bits & 0x7fff) !== 0) count++;
    return count;
  }
  const values = data as ArrayLike<number>;
  if (!zeroPoint || zeroPoint.values.length <= 1) {
    const zero = zeroPoint?.values[0] ?? 0;
    for (let i = 0; i < values.length; i++) if (values[i] !== zero) count++;
    return count;
  }
  // per-channel: the element's index along `axis` picks its zero point
  const inner = product(tensor.dims.slice(zeroPoint.axis + 1));
  const channels = tensor.dims[zeroPoint.axis] ?? 1;
  for (let i = 0; i < values.length; i++) {
    const channel = Math.floor(i / inner) % channels;
    if (values[i] !== (zeroPoint.values[channel] ?? 0)) count++;
  }
  return count;
}
