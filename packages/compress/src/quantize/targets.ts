/** Which MatMul/Gemm/Conv nodes a quantization pass can rewrite: those whose weight is a float32 initializer. */
import type { OnnxGraph, OnnxNode, OnnxTensor } from '@mlship/onnx';
import { floatValues, initializerMap } from '../graph-edit.js';

export type QuantizableOp = 'MatMul' | 'Gemm' | 'Conv';
export const QUANTIZABLE_OPS: readonly QuantizableOp[] = ['MatMul', 'Gemm', 'Conv'];

export interface QuantTarget {
  node: OnnxNode;
  op: QuantizableOp;
  /** The float activation the weight multiplies. */
  activation: string;
  weight: OnnxTensor;
  /**
   * The weight as the integer operator reads it: for Gemm, transposed to [K, N] when transB was set
   * and multiplied by alpha; otherwise the initializer's own values.
   */
  values: Float32Array;
  dims: number[];
  /** The axis of `dims` that runs over output channels. */
  channelAxis: number;
  /** A float32 bias initializer added to the output (Conv's B, Gemm's C times beta). */
  bias?: { values: Float32Array; dims: number[]; name: string };
}

export interface TargetScan {
  targets: QuantTarget[];
  skipped: Array<{ node: string; reason: string }>;
}

/** Finds the nodes of `ops` a pass can quantize; names the others of those types with a reason. */
export function findTargets(graph: OnnxGraph, ops: readonly QuantizableOp[] = QUANTIZABLE_OPS): TargetScan {
  const initializers = initializerMap(graph);
  const targets: QuantTarget[] = [];
  const skipped: TargetScan['skipped'] = [];
  for (const node of graph.nodes) {
    if ((node.domain ?? '') !== '' && node.domain !== 'ai.onnx') continue;
    const op = QUANTIZABLE_OPS.find((candidate) => candidate === node.opType);
    if (!op || !ops.includes(op)) continue;
    const label = node.name ?? node.outputs[0] ?? op;
    const activation = node.inputs[0];
    const weight = initializers.get(node.inputs[1] ?? '');
    const values = weight ? floatValues(weight) : undefined;
    if (!activation || initializers.has(activation)) {
      skipped.push({ node: label, reason: 'its first input is a constant' });
      continue;
    }
    if (!weight || !values) {
      skipped.push({ node: label, reason: 'its weight is not a float32 initializer' });
      continue;
    }
    const target = op === 'Conv' ? convTarget(node, activation, weight, values, initializers) : matmulTarget(node, op, activation, weight, values, initializers);
    if (typeof target === 'string') skipped.push({ node: label, reason: target });
    else targets.push(target);
  }
  return { targets, skipped };
}

function matmulTarget(
  node: OnnxNode,
  op: 'MatMul' | 'Gemm',
  activation: string,
  weight: OnnxTensor,
  values: Float32Array,
  initializers: Map<string, OnnxTensor>,
): QuantTarget | string {
  if (weight.dims.length !== 2) return `its weight has rank ${weight.dims.length}, not 2`;
  if (op === 'MatMul') return { node, op, activation, weight, values, dims: [...weight.dims], channelAxis: 1 };
  const int = (name: string, fallback: number): number => {
    const attribute = node.attributes?.[name];
    return attribute?.type === 'int' || attribute?.type === 'float' ? attribute.value : fallback;
  };
  if (int('transA', 0) !== 0) return 'transA is set';
  const alpha = int('alpha', 1);
  const beta = int('beta', 1);
  const [rows, cols] = weight.dims as [number, number];
  const transposed = int('transB', 0) !== 0;
  const dims = transposed ? [cols, rows] : [rows, cols];
  const out = new Float32Array(values.length);
  for (let r = 0; r < dims[0]!; r++) {
    for (let c = 0; c < dims[1]!; c++) out[r * dims[1]! + c] = alpha * values[transposed ? c * cols + r : r * cols + c]!;
  }
  const target: QuantTarget = { node, op, activation, weight, values: out, dims, channelAxis: 1 };
  const cName = node.inputs[2];
  if (cName) {
    const c = initializers.get(cName);
    const cValues = c ? floatValues(c) : undefined;
    if (!c || !cValues) return 'its C input is not a float32 initializer';
    target.bias = { name: cName, dims: [...c.dims], values: beta === 1 ? cValues : cValues.map((v) => v * beta) };
  }
  return target;
}

function convTarget(
  node: OnnxNode,
  activation: string,
  weight: OnnxTensor,
  values: Float32Array,
  initializers: Map<string, OnnxTensor>,
): QuantTarget | string {
  if (weight.dims.length < 3) return `its weight has rank ${weight.dims.length}`;
  const target: QuantTarget = { node, op: 'Conv', activation, weight, values, dims: [...weight.dims], channelAxis: 0 };
  const biasName = node.inputs[2];
  if (biasName) {
    const bias = initializers.get(biasName);
    const biasValues = bias ? floatValues(bias) : undefined;
    if (!bias || !biasValues) return 'its bias is not a float32 initializer';
    target.bias = { name: biasName, dims: [...bias.dims], values: biasValues };
  }
  return target;
}

/** Dims that broadcast a per-output-channel vector over the operator's output: [C] for MatMul/Gemm, [C, 1, 1] for a 2-D Conv. */
export function channelBroadcastDims(target: QuantTarget, channels: number): number[] {
  return target.op === 'Conv' ? [channels, ...target.dims.slice(2).map(() => 1)] : [channels];
}
