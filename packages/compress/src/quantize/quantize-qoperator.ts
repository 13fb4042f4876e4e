/**
 * Static int8 quantization in QOperator form, like onnxruntime's `quantize_static(QuantFormat.QOperator)`
 * with standard operators only: activations uint8 (asymmetric, from calibrated ranges), weights int8
 * (symmetric), Conv biases int32.
 *
 *   x → QuantizeLinear → QLinearConv(·, int8 w, int32 b) → uint8 (a sole reading Relu folded into its range)
 *   x → QuantizeLinear → QLinearMatMul(·, int8 w) → uint8 → DequantizeLinear → Add(bias) …
 *
 * A uint8 value stays uint8 through layout operators (MaxPool from opset 12, Transpose, Reshape,
 * Flatten, Squeeze, Unsqueeze: they keep scale and zero point), so a Conv → MaxPool → Conv chain
 * needs no float round trip. Where a float reader needs a value that only exists as uint8,
 * DequantizeLinear recreates it under its original name.
 */
import type { OnnxGraph, OnnxNode } from '@mlship/onnx';
import type { NameAllocator } from '../graph-edit.js';
import type { QuantizedWeight } from '../types.js';
import type { ActivationRange } from './calibrate.js';
import { afterRelu } from './calibrate.js';
import { addBiasInitializer, describeWeight, takeWeightName } from './quantize-dynamic.js';
import type { QuantTarget } from './targets.js';
import { biasFitsInt32, quantizeWeight } from './weight-quantization.js';
import type { PerChannelOption, QuantizedValues } from './weight-quantization.js';

/** A uint8 tensor standing for a float value: float ≈ scale · (q − zeroPoint). */
interface Quantized {
  name: string;
  scale: number;
  scaleName: string;
  zeroName: string;
}

/** Operators that only move or select elements, so they run on uint8 with the input's parameters. */
const LAYOUT_OPS = new Set(['Transpose', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'MaxPool']);

export interface QOperatorContext {
  graph: OnnxGraph;
  names: NameAllocator;
  targets: QuantTarget[];
  skipped: Array<{ node: string; reason: string }>;
  ranges: Map<string, ActivationRange>;
  perChannel: PerChannelOption;
  opset: number;
  activationParameters: (range: ActivationRange) => { scale: number; zeroPoint: number };
}

/** Rewrites `graph` (a copy) in QOperator form; returns the weights it quantized. */
export function writeQOperator(context: QOperatorContext): QuantizedWeight[] {
  const { graph, names, ranges } = context;
  const targetOf = new Map(context.targets.map((target) => [target.node, target]));
  const weights: QuantizedWeight[] = [];
  const quantized = new Map<string, Quantized>();
  const floats = new Set<string>([...graph.inputs.map((input) => input.name), ...graph.initializers.map((tensor) => tensor.name)]);
  const absorbed = new Set<OnnxNode>();
  const nodes: OnnxNode[] = [];

  const parameters = (value: string, range: ActivationRange): Quantized => {
    const { scale, zeroPoint } = context.activationParameters(range);
    const scaleName = names.take(`${value}_scale`);
    const zeroName = names.take(`${value}_zero_point`);
    graph.initializers.push({ name: scaleName, dataType: 'float32', dims: [], data: Float32Array.of(scale) });
    graph.initializers.push({ name: zeroName, dataType: 'uint8', dims: [], data: Uint8Array.of(zeroPoint) });
    return { name: names.take(`${value}/q`), scale, scaleName, zeroName };
  };
  /** The uint8 form of a float value: one already made, else QuantizeLinear from its calibrated range. */
  const uint8Of = (value: string): Quantized | undefined => {
    const known = quantized.get(value);
    if (known) return known;
    const range = ranges.get(value);
    if (!range) return undefined;
    const entry = parameters(value, range);
    nodes.push({ opType: 'QuantizeLinear', inputs: [value, entry.scaleName, entry.zeroName], outputs: [entry.name] });
    quantized.set(value, entry);
    return entry;
  };
  /** Makes the float value exist (DequantizeLinear under its own name) if only its uint8 form does. */
  const needFloat = (value: string): void => {
    const entry = quantized.get(value);
    if (floats.has(value) || !entry) return;
    nodes.push({ opType: 'DequantizeLinear', inputs: [entry.name, entry.scaleName, entry.zeroName], outputs: [value] });
    floats.add(value);
  };
  const keep = (node: OnnxNode): void => {
    node.inputs.forEach(needFloat);
    nodes.push(node);
    node.outputs.forEach((output) => floats.add(output));
  };

  for (const node of graph.nodes) {
    if (absorbed.has(node)) continue;
    const target = targetOf.get(node);
    if (target) {
      const written = writeTarget(target);
      if (written) weights.push(written);
      else keep(node);
      continue;
    }
    const data = node.inputs[0] ?? '';
    const entry = quantized.get(data);
    if (entry && !floats.has(data) && LAYOUT_OPS.has(node.opType) && node.outputs.length === 1 && (node.opType !== 'MaxPool' || context.opset >= 12)) {
      const output = names.take(`${node.outputs[0]!}/q`);
      nodes.push({ ...node, inputs: [entry.name, ...node.inputs.slice(1)], outputs: [output] });
      quantized.set(node.outputs[0]!, { ...entry, name: output });
      continue;
    }
    keep(node);
  }
  for (const output of graph.outputs) needFloat(output.name);
  graph.nodes = nodes;
  return weights;

  function writeTarget(target: QuantTarget): QuantizedWeight | undefined {
    const { node } = target;
    const label = node.name ?? node.outputs[0]!;
    // Conv's bias goes into QLinearConv; a Gemm's C is added in float after it, so its Relu cannot fold.
    const addsBias = target.op === 'Gemm' && target.bias !== undefined;
    const output = addsBias ? node.outputs[0]! : afterRelu(graph, node.outputs[0]!);
    const outputRange = ranges.get(output);
    if (!outputRange) {
      context.skipped.push({ node: label, reason: `no calibrated range for its output ${output}` });
      return undefined;
    }
    if (!quantized.has(target.activation) && !ranges.has(target.activation)) {
      context.skipped.push({ node: label, reason: `no calibrated range for its input ${target.activation}` });
      return undefined;
    }
    const input = uint8Of(target.activation)!;
    const weightValues = quantizeWeight(target.values, target.dims, target.channelAxis, context.perChannel);
    if (target.op === 'Conv' && target.bias && !biasFitsInt32(target.bias.values, input.scale, weightValues)) {
      context.skipped.push({ node: label, reason: 'its bias does not fit int32 at activation scale × weight scale (QLinearConv needs it so)' });
      return undefined;
    }
    const weight = addInt8Weight(graph, names, target, weightValues);
    // Gemm with C: QLinearMatMul yields x·W = y − C, whose range lies within [min y − max C, max y − min C].
    const range = addsBias ? shiftedRange(outputRange, target.bias!.values) : outputRange;
    const out = parameters(output, range);
    const inputs = [input.name, input.scaleName, input.zeroName, weight.weight, weight.scale, weight.zero, out.scaleName, out.zeroName];
    const rewritten: OnnxNode =
      target.op === 'Conv'
        ? { opType: 'QLinearConv', inputs: target.bias ? [...inputs, int32Bias(graph, names, target, weightValues, input.scale)] : inputs, outputs: [out.name] }
        : { opType: 'QLinearMatMul', inputs, outputs: [out.name] };
    if (target.op === 'Conv' && node.attributes) rewritten.attributes = node.attributes;
    if (node.name) rewritten.name = node.name;
    nodes.push(rewritten);
    if (output !== node.outputs[0]) absorbed.add(graph.nodes.find((reader) => reader.inputs.includes(node.outputs[0]!))!);
    if (addsBias) {
      const product = names.take(`${output}/mm`);
      quantized.set(product, out);
      needFloat(product);
      nodes.push({ opType: 'Add', inputs: [product, addBiasInitializer(graph, names, target)], outputs: [output] });
      floats.add(output);
    } else {
      quantized.set(output, out);
    }
    return describeWeight(target, weightValues, 'qoperator');
  }
}

/** The int8 weight, its scale(s) and int8 zero point(s) (all 0) as initializers. */
export function addInt8Weight(graph: OnnxGraph, names: NameAllocator, target: QuantTarget, quantized: QuantizedValues): { weight: string; scale: string; zero: string } {
  const weight = takeWeightName(graph, names, target);
  const scale = names.take(`${target.weight.name}_scale`);
  const zero = names.take(`${target.weight.name}_zero_point`);
  const channelDims = quantized.axis !== null ? [quantized.scales.length] : [];
  graph.initializers.push({ name: weight, dataType: 'int8', dims: [...target.dims], data: quantized.data });
  graph.initializers.push({ name: scale, dataType: 'float32', dims: channelDims, data: quantized.scales });
  graph.initializers.push({ name: zero, dataType: 'int8', dims: channelDims, data: new Int8Array(quantized.scales.length) });
  return { weight, scale, zero };
}

/** Conv bias as int32 at scale input scale × weight scale(s), zero point 0, as QLinearConv reads it. */
function int32Bias(graph: OnnxGraph, names: NameAllocator, target: QuantTarget, quantized: QuantizedValues, inputScale: number): string {
  const bias = target.bias!;
  const data = Int32Array.from(bias.values, (value, index) => Math.round(value / (inputScale * quantized.scales[quantized.axis === null ? 0 : index]!)));
  const name = names.take(`${bias.name}_quantized`);
  graph.initializers.push({ name, dataType: 'int32', dims: [bias.values.length], data });
  return name;
}

function shiftedRange(range: ActivationRange, bias: Float32Array): ActivationRange {
  let low = Infinity;
  let high = -Infinity;
  for (const value of bias) {
    low = Math.min(low, value);
    high = Math.max(high, value);
  }
  return { min: range.min - high, max: range.max - low };
}
