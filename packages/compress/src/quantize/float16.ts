/**
 * Float16 conversion.
 * - `weights`: float32 weight initializers (16 elements or more) stored as float16, each followed by
 *   a Cast back to float32 under the original name; ONNX Runtime folds the Casts at load, so the
 *   computation stays float32 and only the file halves.
 * - `full`: every float32 initializer, Constant and Cast target becomes float16; the graph's
 *   float32 inputs and outputs keep their names and types through Casts at the edges. ONNX Runtime
 *   1.30's CPU provider runs every operator mlship exports in float16 (it inserts its own Casts
 *   around kernels that lack a float16 version), so no operator is kept in float32.
 */
import { getFloat16, setFloat16 } from '@petamoriken/float16';
import type { OnnxGraph, OnnxModel, OnnxNode, OnnxTensor } from '@mlship/onnx';
import { attr } from '@mlship/onnx';
import { cloneModel, dropUnusedInitializers, floatValues, NameAllocator } from '../graph-edit.js';
import type { GraphPassResult, QuantizedWeight } from '../types.js';
import { compressOptionsError } from '../errors.js';

/** The name a float32 initializer NAME takes once stored as float16 (a Cast gives NAME back). */
export const FLOAT16_SUFFIX = '_fp16';

export type Fp16Mode = 'weights' | 'full';

/** ONNX TensorProto.DataType codes for Cast's `to`. */
const FLOAT = 1;
const FLOAT16 = 10;
/** Smaller float32 initializers (scalars such as the folded mean and std) stay float32 in `weights` mode. */
const MIN_WEIGHT_ELEMENTS = 16;

/**
 * Operators whose inputs or attributes must stay float32 (quantization scales, Resize scales) or that
 * make float32 values of their own (a ConstantOfShape without a value, value_float constants, random
 * generators): 'full' mode refuses graphs with them rather than break them.
 */
function fullModeBlocker(node: OnnxNode): string | undefined {
  if (/^(DynamicQuantizeLinear|QuantizeLinear|DequantizeLinear|QLinear.*|MatMulInteger|ConvInteger)$/.test(node.opType)) return `${node.opType} (a quantized graph)`;
  if (['Resize', 'Upsample', 'RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'EyeLike'].includes(node.opType)) return node.opType;
  if (node.opType === 'ConstantOfShape' && !node.attributes?.value) return 'ConstantOfShape without a value';
  if (node.opType === 'Constant' && (node.attributes?.value_float || node.attributes?.value_floats)) return 'Constant with value_float(s)';
  return undefined;
}

export function convertToFloat16(model: OnnxModel, options: { mode: Fp16Mode }): GraphPassResult {
  if (options.mode === 'full') {
    for (const node of model.graph.nodes) {
      const blocker = fullModeBlocker(node);
      if (blocker) throw compressOptionsError(`--fp16-mode full cannot convert a graph with ${blocker} (node ${node.name ?? node.outputs[0]})`, 'use --fp16-mode weights: float16 storage, float32 compute');
    }
  }
  const result = cloneModel(model);
  const weights = options.mode === 'weights' ? convertWeights(result.graph) : convertFull(result.graph);
  dropUnusedInitializers(result.graph);
  return { model: result, weights, skipped: [] };
}

/** IEEE half bits of `values` (round to nearest even) and the largest rounding error. */
export function toFloat16(values: Float32Array): { bits: Uint16Array; maxAbsError: number } {
  const view = new DataView(new ArrayBuffer(2));
  const bits = new Uint16Array(values.length);
  let maxAbsError = 0;
  values.forEach((value, index) => {
    setFloat16(view, 0, value, true);
    bits[index] = view.getUint16(0, true);
    maxAbsError = Math.max(maxAbsError, Math.abs(getFloat16(view, 0, true) - value));
  });
  return { bits, maxAbsError };
}

function halfTensor(tensor: OnnxTensor, values: Float32Array, name = tensor.name): { tensor: OnnxTensor; maxAbsError: number } {
  const { bits, maxAbsError } = toFloat16(values);
  return { tensor: { name, dataType: 'float16', dims: [...tensor.dims], data: bits }, maxAbsError };
}

function describe(graph: OnnxGraph, tensor: OnnxTensor, maxAbsError: number): QuantizedWeight {
  const reader = graph.nodes.find((node) => node.inputs.includes(tensor.name));
  return { name: tensor.name, op: reader?.opType ?? '', dims: [...tensor.dims], granularity: 'tensor', maxAbsError, form: 'float16' };
}

function convertWeights(graph: OnnxGraph): QuantizedWeight[] {
  const names = new NameAllocator(graph);
  const weights: QuantizedWeight[] = [];
  const casts: OnnxNode[] = [];
  graph.initializers = graph.initializers.map((tensor) => {
    const values = floatValues(tensor);
    if (!values || values.length < MIN_WEIGHT_ELEMENTS) return tensor;
    const half = halfTensor(tensor, values, names.take(`${tensor.name}${FLOAT16_SUFFIX}`));
    weights.push(describe(graph, tensor, half.maxAbsError));
    casts.push({ opType: 'Cast', inputs: [half.tensor.name], outputs: [tensor.name], attributes: { to: attr.int(FLOAT) } });
    return half.tensor;
  });
  graph.nodes = [...casts, ...graph.nodes];
  return weights;
}

function convertFull(graph: OnnxGraph): QuantizedWeight[] {
  const names = new NameAllocator(graph);
  const weights: QuantizedWeight[] = [];
  graph.initializers = graph.initializers.map((tensor) => {
    const values = floatValues(tensor);
    if (!values) return tensor;
    const half = halfTensor(tensor, values);
    if (values.length >= MIN_WEIGHT_ELEMENTS) weights.push(describe(graph, tensor, half.maxAbsError));
    return half.tensor;
  });
  for (const node of graph.nodes) convertNodeAttributes(node);
  if (graph.valueInfo) graph.valueInfo = graph.valueInfo.map((info) => (info.dataType === 'float32' ? { ...info, dataType: 'float16' } : info));

  const rename = new Map<string, string>();
  const entry: OnnxNode[] = [];
  for (const input of graph.inputs) {
    if (input.dataType !== 'float32') continue;
    const half = names.take(`${input.name}_fp16`);
    rename.set(input.name, half);
    entry.push({ opType: 'Cast', inputs: [input.name], outputs: [half], attributes: { to: attr.int(FLOAT16) } });
  }
  for (const node of graph.nodes) node.inputs = node.inputs.map((name) => rename.get(name) ?? name);

  const exit: OnnxNode[] = [];
  for (const output of graph.outputs) {
    if (output.dataType !== 'float32') continue;
    const half = rename.get(output.name) ?? names.take(`${output.name}_fp16`);
    for (const node of graph.nodes) {
      node.outputs = node.outputs.map((name) => (name === output.name ? half : name));
      node.inputs = node.inputs.map((name) => (name === output.name ? half : name));
    }
    exit.push({ opType: 'Cast', inputs: [half], outputs: [output.name], attributes: { to: attr.int(FLOAT) } });
  }
  graph.nodes = [...entry, ...graph.nodes, ...exit];
  return weights;
}

/** Casts to float32 become casts to float16; float32 Constant / ConstantOfShape values become float16. */
function convertNodeAttributes(node: OnnxNode): void {
  if (!node.attributes || (node.domain ?? '') !== '') return;
  const attributes = { ...node.attributes };
  const to = attributes.to;
  if (node.opType === 'Cast' && to?.type === 'int' && to.value === FLOAT) attributes.to = attr.int(FLOAT16);
  for (const [key, attribute] of Object.entries(attributes)) {
    const values = attribute.type === 'tensor' ? floatValues(attribute.value) : undefined;
    if (attribute.type === 'tensor' && values) attributes[key] = { type: 'tensor', value: halfTensor(attribute.value, values).tensor };
  }
  node.attributes = attributes;
}
