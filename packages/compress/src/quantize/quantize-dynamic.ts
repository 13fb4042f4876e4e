/**
 * Dynamic int8 quantization with standard ONNX operators, like onnxruntime's `quantize_dynamic`:
 * weights stored as int8 (symmetric), activations quantized to uint8 at run time.
 *
 *   x → DynamicQuantizeLinear → (xq, xs, xz)
 *   MatMulInteger(xq, wq, xz) / ConvInteger(xq, wq, xz) → Cast(float) → Mul(·, Mul(xs, ws)) [→ Add(bias)]
 *
 * For MatMul/Gemm this is exactly the pattern ONNX Runtime's MatMulIntegerToFloat and
 * DynamicQuantizeMatMul fusions match (scale Mul inputs in (xs, ws) order, bias Add second input a
 * constant), so it runs as one fused integer kernel. ConvInteger has no such fusion and its
 * reference kernel is several times slower than float Conv, so Conv defaults to weight-only:
 *
 *   int8 weight → Cast(float) → Mul(ws) → Conv(x, ·, bias)   (float computation, 1-byte weights)
 *
 * ONNX Runtime folds the constant Cast and Mul at session start, so it runs as the float Conv.
 */
import type { OnnxGraph, OnnxModel, OnnxNode } from '@mlship/onnx';
import { attr } from '@mlship/onnx';
import { cloneModel, dropUnusedInitializers, mergeIdenticalInitializers, NameAllocator } from '../graph-edit.js';
import type { GraphPassResult, QuantizedWeight } from '../types.js';
import { channelBroadcastDims, findTargets, QUANTIZABLE_OPS } from './targets.js';
import type { QuantizableOp, QuantTarget } from './targets.js';
import { checkQuantizeOpset, quantizeWeight } from './weight-quantization.js';
import type { PerChannelOption, QuantizedValues } from './weight-quantization.js';

export interface DynamicQuantizeOptions {
  /** One scale per output channel: always, never, or where it lowers the error (default 'auto'). */
  perChannel?: PerChannelOption;
  /** Operator types to quantize (default all three). */
  ops?: QuantizableOp[];
  /**
   * How a Conv is rewritten: `weight-only` (default) stores the int8 weight and dequantizes it
   * once, computing in float; `integer` uses ConvInteger on run-time quantized activations.
   */
  convMode?: ConvMode;
}

export type ConvMode = 'integer' | 'weight-only';

/** The `skipped` reason a weight-only Conv is reported with: its weight is int8 but it computes in float. */

/** ONNX TensorProto.DataType.FLOAT, for Cast's `to`. */
const FLOAT = 1;

/** Rewrites every MatMul/Gemm/Conv with a float32 initializer weight into its dynamic int8 form. */
export function quantizeDynamic(model: OnnxModel, options: DynamicQuantizeOptions = {}): GraphPassResult {
  checkQuantizeOpset(model);
  const result = cloneModel(model);
  const graph = result.graph;
  const { targets, skipped } = findTargets(graph, options.ops ?? QUANTIZABLE_OPS);
  const names = new NameAllocator(graph);
  const weights: QuantizedWeight[] = [];
  const replacements = new Map<OnnxNode, OnnxNode[]>();
  const convMode = options.convMode ?? 'weight-only';
  for (const target of targets) {
    const quantized = quantizeWeight(target.values, target.dims, target.channelAxis, options.perChannel ?? 'auto');
    if (target.op === 'Conv' && convMode === 'weight-only') {
      // Weight-only: int8 storage, float Conv (ONNX Runtime does not fuse ConvInteger: 5.7× slower on the digits CNN).
      replacements.set(target.node, weightOnlyNodes(graph, names, target, quantized));
      weights.push(describeWeight(target, quantized, 'weight-only'));
    } else {
      replacements.set(target.node, dynamicNodes(graph, names, target, quantized));
      weights.push(describeWeight(target, quantized, 'integer'));
    }
  }
  graph.nodes = graph.nodes.flatMap((node) => replacements.get(node) ?? [node]);
  dropUnusedInitializers(graph);
  mergeIdenticalInitializers(graph);
  return { model: result, weights, skipped };
}

export function describeWeight(target: QuantTarget, quantized: QuantizedValues, form: QuantizedWeight['form']): QuantizedWeight {
  return {
    name: target.weight.name,
    op: target.op,
    dims: [...target.weight.dims],
    granularity: quantized.axis === null ? 'tensor' : 'channel',
    maxAbsError: quantized.maxAbsError,
    form,
  };
}

/** Adds the int8 weight and its scale as initializers; returns their names. */
export function addWeightInitializers(graph: OnnxGraph, names: NameAllocator, target: QuantTarget, quantized: QuantizedValues, scaleDims: number[]): { weight: string; scale: string } {
  const weight = takeWeightName(graph, names, target);
  const scale = names.take(`${target.weight.name}_scale`);
  graph.initializers.push({ name: weight, dataType: 'int8', dims: [...target.dims], data: quantized.data });
  graph.initializers.push({ name: scale, dataType: 'float32', dims: quantized.axis === null ? [] : scaleDims, data: quantized.scales });
  return { weight, scale };
}

function dynamicNodes(graph: OnnxGraph, names: NameAllocator, target: QuantTarget, quantized: QuantizedValues): OnnxNode[] {
  const { node } = target;
  const output = node.outputs[0]!;
  const { weight, scale } = addWeightInitializers(graph, names, target, quantized, channelBroadcastDims(target, quantized.scales.length));
  // Short suffixes: names are a noticeable part of a small quantized file.
  const xq = names.take(`${output}/q`);
  const xs = names.take(`${output}/qs`);
  const xz = names.take(`${output}/qz`);
  const integer = names.take(`${output}/i`);
  const floated = names.take(`${output}/f`);
  const scales = names.take(`${output}/s`);
  const scaled = target.bias ? names.take(`${output}/m`) : output;
  const integerNode: OnnxNode =
    target.op === 'Conv'
      ? { opType: 'ConvInteger', inputs: [xq, weight, xz], outputs: [integer], ...(node.attributes ? { attributes: node.attributes } : {}) }
      : { opType: 'MatMulInteger', inputs: [xq, weight, xz], outputs: [integer] };
  if (node.name) integerNode.name = node.name;
  const nodes: OnnxNode[] = [
    { opType: 'DynamicQuantizeLinear', inputs: [target.activation], outputs: [xq, xs, xz] },
    integerNode,
    { opType: 'Cast', inputs: [integer], outputs: [floated], attributes: { to: attr.int(FLOAT) } },
    { opType: 'Mul', inputs: [xs, scale], outputs: [scales] },
    { opType: 'Mul', inputs: [floated, scales], outputs: [scaled] },
  ];
  if (target.bias) {
    const bias = addBiasInitializer(graph, names, target);
    nodes.push({ opType: 'Add', inputs: [scaled, bias], outputs: [output] });
  }
  return nodes;
}

/**
 * int8 weight → Cast(float) → Mul(scale) → the node itself, now reading the float result. Cast and
 * Mul rather than DequantizeLinear: ONNX Runtime's constant folding leaves DequantizeLinear alone
 * (kept for its QDQ fusions), and a Conv whose weight is not a constant after folding loses its
 * pre-packed kernels; Cast and Mul fold, so the session holds the same float Conv as the source.
 */
function weightOnlyNodes(graph: OnnxGraph, names: NameAllocator, target: QuantTarget, quantized: QuantizedValues): OnnxNode[] {
  const { weight, scale } = addWeightInitializers(graph, names, target, quantized, [quantized.scales.length, ...target.dims.slice(1).map(() => 1)]);
  const floated = names.take(`${target.weight.name}/f`);
  const dequantized = names.take(`${target.weight.name}/dq`);
  const node: OnnxNode = { ...target.node, inputs: [...target.node.inputs] };
  node.inputs[1] = dequantized;
  return [
    { opType: 'Cast', inputs: [weight], outputs: [floated], attributes: { to: attr.int(FLOAT) } },
    { opType: 'Mul', inputs: [floated, scale], outputs: [dequantized] },
    node,
  ];
}

/**
 * The int8 weight takes over the float initializer's name when this node is its only reader (the
 * float one is removed); otherwise it is `NAME_quantized`.
 */
export function takeWeightName(graph: OnnxGraph, names: NameAllocator, target: QuantTarget): string {
  const name = target.weight.name;
  const readers = graph.nodes.filter((node) => node.inputs.includes(name)).length;
  if (readers !== 1 || graph.outputs.some((output) => output.name === name)) return names.take(`${name}_quantized`);
  graph.initializers = graph.initializers.filter((tensor) => tensor.name !== name);
  return name;
}

/** The bias as a float32 initializer shaped to broadcast over the operator's output. */
export function addBiasInitializer(graph: OnnxGraph, names: NameAllocator, target: QuantTarget): string {
  const bias = target.bias!;
  const dims = target.op === 'Conv' ? channelBroadcastDims(target, bias.values.length) : bias.dims;
  const original = graph.initializers.find((tensor) => tensor.name === bias.name);
  if (original && original.data === bias.values && sameDims(original.dims, dims)) return bias.name;
  const name = names.take(`${bias.name}_bias`);
  graph.initializers.push({ name, dataType: 'float32', dims, data: bias.values });
  return name;
}

function sameDims(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
