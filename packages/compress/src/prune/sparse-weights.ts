/**
 * An ONNX pass that stores mostly-zero float32 weights compactly, in standard operators that ONNX
 * Runtime constant-folds when it loads the model (so inference runs on the dense weight, at the same
 * speed). ONNX's own `sparse_initializer` needs int64 indices, 12 bytes a nonzero: at 80% sparsity
 * only 1.67× smaller. Here a nonzero costs 5 bytes (its value and a uint8 gap):
 *
 *   NAME__sparse_values  float32 [m]   the nonzero values in flat (row-major) order, plus filler zeros
 *   NAME__sparse_gaps    uint8   [m]   distance from the previous entry's flat position (the first: from 0);
 *                                      a gap over 255 is bridged by filler entries of value 0
 *   NAME__sparse_dims    int64   [rank] the weight's dims
 *
 *   ConstantOfShape(ReduceProd(dims)) → zeros; CumSum(Cast(gaps → int64)) → flat positions;
 *   ScatterElements(zeros, positions, values) → Reshape(dims) → NAME (the original value name).
 *
 * The three initializer suffixes are a contract: parameter counting reads them.
 */
import type { OnnxModel, OnnxNode, OnnxTensor } from '@mlship/onnx';
import { cloneModel, floatValues, NameAllocator } from '../graph-edit.js';

export const SPARSE_VALUES_SUFFIX = '__sparse_values';
export const SPARSE_GAPS_SUFFIX = '__sparse_gaps';
export const SPARSE_DIMS_SUFFIX = '__sparse_dims';

export interface SparseEncodeOptions {
  /** Weights with a smaller share of zeros stay dense (default 0.5). */
  minSparsity?: number;
  /** Weights with fewer elements stay dense (default 256). */
  minElements?: number;
}

export interface SparseWeight {
  name: string;
  dims: number[];
  /** Non-zero elements. */
  nonzero: number;
  /** float32 bytes of the dense weight. */
  bytesBefore: number;
  /** Bytes of the three encoded initializers. */
  bytesAfter: number;
}

export const DEFAULT_MIN_SPARSITY = 0.5;
export const DEFAULT_MIN_ELEMENTS = 256;
const MAX_GAP = 255;
/** TensorProto.DataType INT64. */
const ONNX_INT64 = 7;
/** Roughly what the six decoding nodes and their names add to the file; an encoding must save more. */
const NODE_OVERHEAD_BYTES = 250;

/** The values and gaps of a flat array (see the file comment), filler entries included. */
export function sparseEntries(dense: Float32Array): { values: Float32Array; gaps: Uint8Array } {
  const values: number[] = [];
  const gaps: number[] = [];
  let previous = 0;
  for (let index = 0; index < dense.length; index++) {
    if (dense[index] === 0) continue;
    let gap = index - previous;
    while (gap > MAX_GAP) {
      values.push(0);
      gaps.push(MAX_GAP);
      gap -= MAX_GAP;
    }
    values.push(dense[index]!);
    gaps.push(gap);
    previous = index;
  }
  // An all-zero weight still needs one entry: ScatterElements of nothing is not worth testing ORT on.
  if (values.length === 0) {
    values.push(0);
    gaps.push(0);
  }
  return { values: Float32Array.from(values), gaps: Uint8Array.from(gaps) };
}

/** The dense flat array back from values and gaps (what the decoding nodes compute). */
export function decodeSparseEntries(values: Float32Array, gaps: Uint8Array, size: number): Float32Array {
  const dense = new Float32Array(size);
  let position = 0;
  for (let i = 0; i < values.length; i++) {
    position += gaps[i]!;
    dense[position] = values[i]!;
  }
  return dense;
}

function countNonzero(values: Float32Array): number {
  let count = 0;
  for (const value of values) if (value !== 0) count++;
  return count;
}

/**
 * Encodes every float32 initializer with at least `minElements` elements and `minSparsity` zeros whose
 * encoding is smaller than the dense weight. Graph inputs, outputs and results are unchanged: the
 * decoded weight is bit-for-bit the dense one (-0 becomes +0). Returns the weights it encoded.
 */
export function encodeSparseWeights(model: OnnxModel, options: SparseEncodeOptions = {}): { model: OnnxModel; weights: SparseWeight[] } {
  const minSparsity = options.minSparsity ?? DEFAULT_MIN_SPARSITY;
  const minElements = options.minElements ?? DEFAULT_MIN_ELEMENTS;
  const result = cloneModel(model);
  const graph = result.graph;
  const names = new NameAllocator(graph);
  const graphValues = new Set([...graph.inputs, ...graph.outputs].map((value) => value.name));
  const decoders: OnnxNode[] = [];
  const weights: SparseWeight[] = [];
  const initializers: OnnxTensor[] = [];
  const axis = names.take('sparse_axis');

  for (const tensor of graph.initializers) {
    const dense = floatValues(tensor);
    const nonzero = dense ? countNonzero(dense) : 0;
    if (!dense || dense.length < minElements || graphValues.has(tensor.name) || 1 - nonzero / dense.length < minSparsity) {
      initializers.push(tensor);
      continue;
    }
    const { values, gaps } = sparseEntries(dense);
    const bytesBefore = dense.byteLength;
    const bytesAfter = values.byteLength + gaps.byteLength + 8 * tensor.dims.length;
    if (bytesAfter + NODE_OVERHEAD_BYTES >= bytesBefore) {
      initializers.push(tensor);
      continue;
    }
    const base = tensor.name;
    const valuesName = names.take(`${base}${SPARSE_VALUES_SUFFIX}`);
    const gapsName = names.take(`${base}${SPARSE_GAPS_SUFFIX}`);
    const dimsName = names.take(`${base}${SPARSE_DIMS_SUFFIX}`);
    initializers.push(
      { name: valuesName, dataType: 'float32', dims: [values.length], data: values },
      { name: gapsName, dataType: 'uint8', dims: [gaps.length], data: gaps },
      { name: dimsName, dataType: 'int64', dims: [tensor.dims.length], data: BigInt64Array.from(tensor.dims, (dim) => BigInt(dim)) },
    );
    if (decoders.length === 0) decoders.push(axisNode(axis));
    decoders.push(...decoderNodes(names, base, { values: valuesName, gaps: gapsName, dims: dimsName }, axis));
    weights.push({ name: base, dims: [...tensor.dims], nonzero, bytesBefore, bytesAfter });
  }

  graph.initializers = initializers;
  graph.nodes = [...decoders, ...graph.nodes];
  return { model: result, weights };
}

/** The nodes that rebuild `output` from its three encoded initializers (short names: they are stored once per weight). */
function decoderNodes(names: NameAllocator, output: string, encoded: { values: string; gaps: string; dims: string }, axis: string): OnnxNode[] {
  const value = (suffix: string) => names.take(`${output}__sp_${suffix}`);
  const [size, zeros, steps, positions, flat] = [value('n'), value('z'), value('g'), value('p'), value('f')];
  const node = (opType: string, inputs: string[], out: string, attributes?: OnnxNode['attributes']): OnnxNode => ({
    opType,
    inputs,
    outputs: [out],
    ...(attributes ? { attributes } : {}),
  });
  return [
    node('ReduceProd', [encoded.dims], size, { keepdims: { type: 'int', value: 1 } }),
    node('ConstantOfShape', [size], zeros, { value: { type: 'tensor', value: { name: 'value', dataType: 'float32', dims: [1], data: new Float32Array(1) } } }),
    node('Cast', [encoded.gaps], steps, { to: { type: 'int', value: ONNX_INT64 } }),
    node('CumSum', [steps, axis], positions),
    node('ScatterElements', [zeros, positions, encoded.values], flat, { axis: { type: 'int', value: 0 } }),
    node('Reshape', [flat, encoded.dims], output),
  ];
}

/** The scalar 0 every CumSum takes as its axis. */
function axisNode(name: string): OnnxNode {
  return { opType: 'Constant', inputs: [], outputs: [name], attributes: { value: { type: 'tensor', value: { name: 'value', dataType: 'int64', dims: [], data: new BigInt64Array(1) } } } };
}
