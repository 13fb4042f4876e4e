/**
 * Static int8 quantization, in QDQ form (default; the QOperator form is in quantize-qoperator.ts). QDQ: like onnxruntime's `quantize_static(QuantFormat.QDQ)`:
 * activations uint8 (asymmetric, from calibrated ranges), weights int8 (symmetric), Conv biases
 * int32 (scale = activation scale × weight scale). Placement:
 *   x → QuantizeLinear → DequantizeLinear → MatMul/Gemm/Conv ← DequantizeLinear ← int8 weight
 * and, for Conv, Q → DQ after its output (after its Relu when one Relu alone reads it). ONNX Runtime
 * fuses DQ·Conv·(Relu)·Q into QLinearConv and DQ·MatMul into MatMulIntegerToFloat; a MatMul's output
 * stays float, so its bias Add and activation run in float32 without another rounding.
 */
import type { OnnxGraph, OnnxModel, OnnxNode } from '@mlship/onnx';
import { attr } from '@mlship/onnx';
import { cloneModel, defaultOpset, dropUnusedInitializers, mergeIdenticalInitializers, NameAllocator } from '../graph-edit.js';
import type { GraphPassResult, QuantizedWeight } from '../types.js';
import type { ActivationRange, StaticFormat } from './calibrate.js';
import { afterRelu } from './calibrate.js';
import { describeWeight } from './quantize-dynamic.js';
import { addInt8Weight, writeQOperator } from './quantize-qoperator.js';
import { findTargets, QUANTIZABLE_OPS } from './targets.js';
import type { QuantizableOp, QuantTarget } from './targets.js';
import { biasFitsInt32, checkQuantizeOpset, quantizeWeight } from './weight-quantization.js';
import type { PerChannelOption, QuantizedValues } from './weight-quantization.js';

export interface StaticQuantizeOptions {
  /** Calibrated ranges of the values `activationsToCalibrate(model, ops, format)` names. */
  ranges: Map<string, ActivationRange>;
  perChannel?: PerChannelOption;
  /** QuantizeLinear/DequantizeLinear around float operators (default), or QLinearMatMul/QLinearConv. */
  format?: StaticFormat;
  ops?: QuantizableOp[];
}

/** uint8 scale and zero point covering `range` (which includes 0). */
export function activationParameters(range: ActivationRange): { scale: number; zeroPoint: number } {
  const min = Math.min(0, range.min);
  const max = Math.max(0, range.max);
  if (max - min <= 0) return { scale: 1, zeroPoint: 0 };
  const scale = (max - min) / 255;
  return { scale, zeroPoint: Math.max(0, Math.min(255, Math.round(-min / scale))) };
}

export function quantizeStatic(model: OnnxModel, options: StaticQuantizeOptions): GraphPassResult {
  checkQuantizeOpset(model);
  const result = cloneModel(model);
  const graph = result.graph;
  const { targets, skipped } = findTargets(graph, options.ops ?? QUANTIZABLE_OPS);
  const names = new NameAllocator(graph);
  if (options.format === 'qoperator') {
    const perChannel = options.perChannel ?? 'auto';
    const weights = writeQOperator({ graph, names, targets, skipped, ranges: options.ranges, perChannel, opset: defaultOpset(model), activationParameters });
    dropUnusedInitializers(graph);
  mergeIdenticalInitializers(graph);
    return { model: result, weights, skipped };
  }
  const before = new Map<OnnxNode, OnnxNode[]>();
  const after = new Map<OnnxNode, OnnxNode[]>();
  const dequantized = new Map<string, { name: string; scale: number }>();
  const weights: QuantizedWeight[] = [];

  /** Q → DQ of `value`; the nodes go before `anchor` (or after its producer when `afterProducer`). */
  const quantizeValue = (value: string, anchor: OnnxNode, afterProducer: boolean): { name: string; scale: number } | undefined => {
    const known = dequantized.get(value);
    if (known) return known;
    const range = options.ranges.get(value);
    if (!range) return undefined;
    const { scale, zeroPoint } = activationParameters(range);
    const scaleName = names.take(`${value}_scale`);
    const zeroName = names.take(`${value}_zero_point`);
    graph.initializers.push({ name: scaleName, dataType: 'float32', dims: [], data: Float32Array.of(scale) });
    graph.initializers.push({ name: zeroName, dataType: 'uint8', dims: [], data: Uint8Array.of(zeroPoint) });
    const q = names.take(`${value}/q`);
    const dq = names.take(`${value}/dq`);
    const nodes: OnnxNode[] = [
      { opType: 'QuantizeLinear', inputs: [value, scaleName, zeroName], outputs: [q] },
      { opType: 'DequantizeLinear', inputs: [q, scaleName, zeroName], outputs: [dq] },
    ];
    (afterProducer ? after : before).set(anchor, [...((afterProducer ? after : before).get(anchor) ?? []), ...nodes]);
    const entry = { name: dq, scale };
    dequantized.set(value, entry);
    return entry;
  };

  for (const target of targets) {
    const label = target.node.name ?? target.node.outputs[0]!;
    const activation = quantizeValue(target.activation, target.node, false);
    if (!activation) {
      skipped.push({ node: label, reason: `no calibrated range for its input ${target.activation}` });
      continue;
    }
    const quantized = quantizeWeight(target.values, target.dims, target.channelAxis, options.perChannel ?? 'auto');
    const weight = dequantizedWeight(graph, names, target, quantized, before);
    target.node.inputs[0] = activation.name;
    target.node.inputs[1] = weight;
    if (target.op === 'Gemm') rewriteGemm(graph, names, target);
    if (target.op === 'Conv' && target.bias) {
      if (biasFitsInt32(target.bias.values, activation.scale, quantized)) target.node.inputs[2] = dequantizedBias(graph, names, target, quantized, activation.scale, before);
      else skipped.push({ node: label, reason: 'its bias stays float32: at activation scale × weight scale it does not fit int32' });
    }
    weights.push(describeWeight(target, quantized, 'qdq'));
    if (target.op === 'Conv') {
      const output = afterRelu(graph, target.node.outputs[0]!);
      const producer = graph.nodes.find((node) => node.outputs.includes(output))!;
      const isGraphOutput = graph.outputs.some((o) => o.name === output);
      const entry = isGraphOutput ? undefined : quantizeValue(output, producer, true);
      if (entry) for (const node of graph.nodes) if (node !== producer) node.inputs = node.inputs.map((name) => (name === output ? entry.name : name));
    }
  }
  graph.nodes = graph.nodes.flatMap((node) => [...(before.get(node) ?? []), node, ...(after.get(node) ?? [])]);
  dropUnusedInitializers(graph);
  mergeIdenticalInitializers(graph);
  return { model: result, weights, skipped };
}

function addBefore(before: Map<OnnxNode, OnnxNode[]>, anchor: OnnxNode, node: OnnxNode): void {
  before.set(anchor, [...(before.get(anchor) ?? []), node]);
}

/** int8 weight, scale and zero point → DequantizeLinear; returns the float value's name. */
function dequantizedWeight(graph: OnnxGraph, names: NameAllocator, target: QuantTarget, quantized: QuantizedValues, before: Map<OnnxNode, OnnxNode[]>): string {
  const { weight, scale, zero } = addInt8Weight(graph, names, target, quantized);
  const output = names.take(`${target.weight.name}/dq`);
  const node: OnnxNode = { opType: 'DequantizeLinear', inputs: [weight, scale, zero], outputs: [output] };
  if (quantized.axis !== null) node.attributes = { axis: attr.int(quantized.axis!) };
  addBefore(before, target.node, node);
  return output;
}

/** int32 bias with scale activation scale × weight scale(s) → DequantizeLinear. */
function dequantizedBias(graph: OnnxGraph, names: NameAllocator, target: QuantTarget, quantized: QuantizedValues, activationScale: number, before: Map<OnnxNode, OnnxNode[]>): string {
  const bias = target.bias!;
  const scales = Float32Array.from(bias.values, (_, index) => activationScale * quantized.scales[quantized.axis === null ? 0 : index]!);
  const data = Int32Array.from(bias.values, (value, index) => Math.round(value / scales[index]!));
  const name = names.take(`${bias.name}_quantized`);
  const scale = names.take(`${bias.name}_scale`);
  const zero = names.take(`${bias.name}_zero_point`);
  graph.initializers.push({ name, dataType: 'int32', dims: [bias.values.length], data });
  graph.initializers.push({ name: scale, dataType: 'float32', dims: [bias.values.length], data: scales });
  graph.initializers.push({ name: zero, dataType: 'int32', dims: [bias.values.length], data: new Int32Array(bias.values.length) });
  const output = names.take(`${bias.name}/dq`);
  addBefore(before, target.node, { opType: 'DequantizeLinear', inputs: [name, scale, zero], outputs: [output], attributes: { axis: attr.int(0) } });
  return output;
}

/** The weight is now [K, N] with alpha folded in, and C is scaled by beta: drop those attributes. */
function rewriteGemm(graph: OnnxGraph, names: NameAllocator, target: QuantTarget): void {
  const attributes = { ...(target.node.attributes ?? {}) };
  delete attributes.transB;
  delete attributes.alpha;
  delete attributes.beta;
  target.node.attributes = attributes;
  if (target.bias && target.node.inputs[2] === target.bias.name) {
    const original = graph.initializers.find((tensor) => tensor.name === target.bias!.name);
    if (original?.data !== target.bias.values) {
      const name = names.take(`${target.bias.name}_bias`);
      graph.initializers.push({ name, dataType: 'float32', dims: target.bias.dims, data: target.bias.values });
      target.node.inputs[2] = name;
    }
  }
}
