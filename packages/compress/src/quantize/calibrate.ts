/** Activation ranges for static quantization, measured by running the float model in ONNX Runtime. */
import type { OnnxGraph, OnnxModel } from '@mlship/onnx';
import { encodeModel, runOnnxModel } from '@mlship/onnx';
import { ErrorCode, ExitCode, MlshipError } from '@mlship/core';
import { cloneModel } from '../graph-edit.js';
import { findTargets, QUANTIZABLE_OPS } from './targets.js';
import type { QuantizableOp } from './targets.js';

export type CalibrationMethod = 'minmax' | 'percentile';
/** The form a static pass writes: QuantizeLinear/DequantizeLinear pairs, or QLinearMatMul/QLinearConv. */
export type StaticFormat = 'qdq' | 'qoperator';
export interface ActivationRange {
  min: number;
  max: number;
}

const BATCH = 64;

/**
 * The float values a static pass of `format` quantizes: each target's activation input, and each
 * Conv's output (after its Relu when a single Relu reads it, so the Relu folds into the quantized
 * range). 'qoperator' also quantizes every MatMul and Gemm output (QLinearMatMul's result; a Gemm
 * with C has its range derived from its output's). An activation that arrives already quantized
 * (through MaxPool/Transpose/Reshape/Flatten from a quantized output) is listed though unused.
 */
export function activationsToCalibrate(model: OnnxModel, ops: string[] = [...QUANTIZABLE_OPS], format: StaticFormat = 'qdq'): string[] {
  const graph = model.graph;
  const values = new Set<string>();
  for (const target of findTargets(graph, ops.filter((op): op is QuantizableOp => (QUANTIZABLE_OPS as readonly string[]).includes(op))).targets) {
    values.add(target.activation);
    if (target.op === 'Conv') values.add(afterRelu(graph, target.node.outputs[0]!));
    else if (format === 'qoperator') values.add(target.bias ? target.node.outputs[0]! : afterRelu(graph, target.node.outputs[0]!));
  }
  return [...values];
}

/** The output a static pass quantizes: its Relu's output when one Relu alone reads it (and it is no graph output). */
export function afterRelu(graph: OnnxGraph, output: string): string {
  const readers = graph.nodes.filter((node) => node.inputs.includes(output));
  const relu = readers.length === 1 && readers[0]!.opType === 'Relu' ? readers[0]! : undefined;
  return relu && !graph.outputs.some((o) => o.name === output) ? relu.outputs[0]! : output;
}

/**
 * Runs `count` rows through the model and returns each value's range: its minimum and maximum
 * (`minmax`), or its `percentile` and 100 − `percentile` quantiles (`percentile`, default 99.999).
 * A range always includes 0, so that zero is exactly representable.
 */
export async function calibrateRanges(options: {
  model: OnnxModel;
  input: { name: string; data: Float32Array; rowDims: number[]; count: number };
  values: string[];
  method: CalibrationMethod;
  percentile?: number;
}): Promise<Map<string, ActivationRange>> {
  const { input, values, method } = options;
  const percentile = options.percentile ?? 99.999;
  const rowSize = input.rowDims.reduce((a, b) => a * b, 1);
  if (input.count < 1 || input.data.length !== input.count * rowSize) {
    throw new MlshipError(ErrorCode.config, `calibration data holds ${input.data.length} numbers, not ${input.count} rows of ${rowSize}`, {
      hint: 'give at least one calibration row shaped as the model input',
      exitCode: ExitCode.usage,
    });
  }
  if (!(percentile > 50 && percentile <= 100)) throw new Error(`percentile ${percentile} is outside (50, 100]`);
  const model = cloneModel(options.model);
  const existing = new Set(model.graph.outputs.map((output) => output.name));
  for (const value of values) if (!existing.has(value)) model.graph.outputs.push({ name: value, dataType: 'float32' });
  const bytes = encodeModel(model);

  const seen = new Map<string, Float32Array[]>(values.map((value) => [value, []]));
  for (let start = 0; start < input.count; start += BATCH) {
    const rows = Math.min(BATCH, input.count - start);
    const data = input.data.subarray(start * rowSize, (start + rows) * rowSize);
    const outputs = await runOnnxModel({ bytes, feeds: { [input.name]: { data, dims: [rows, ...input.rowDims] } }, outputs: values, threads: 1 });
    for (const value of values) seen.get(value)!.push(outputs[value]!.data);
  }
  return new Map(values.map((value) => [value, rangeOf(seen.get(value)!, method, percentile)]));
}

function rangeOf(chunks: Float32Array[], method: CalibrationMethod, percentile: number): ActivationRange {
  const all = new Float32Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  let min = 0;
  let max = 0;
  if (method === 'minmax') {
    for (const value of all) {
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
  } else {
    all.sort();
    const at = (fraction: number) => all[Math.min(all.length - 1, Math.max(0, Math.round(fraction * (all.length - 1))))]!;
    min = Math.min(0, at(1 - percentile / 100));
    max = Math.max(0, at(percentile / 100));
  }
  return { min, max };
}
