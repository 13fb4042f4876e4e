/** Shared types of the compress package: methods, their per-layer facts, and the report. */
import type { OnnxModel } from '@mlship/onnx';

export const COMPRESSION_METHODS = ['int8', 'int8-static', 'fp16', 'prune', 'distill'] as const;
export type CompressionMethod = (typeof COMPRESSION_METHODS)[number];

/** One weight tensor a quantization pass rewrote. */
export interface QuantizedWeight {
  /** The initializer's name in the source graph. */
  name: string;
  /** The operator that reads it (MatMul, Gemm, Conv). */
  op: string;
  dims: number[];
  /** `tensor` (one scale) or `channel` (one scale per output channel). */
  granularity: 'tensor' | 'channel';
  /** The largest |w − dequantized w| over the tensor. */
  maxAbsError: number;
  /**
   * How the operator uses it: `integer` (MatMulInteger/ConvInteger on quantized activations),
   * `weight-only` (int8 storage, dequantized once at load, float compute), `qdq`, `qoperator`
   * (QLinear operators) or `float16`.
   */
  form: 'integer' | 'weight-only' | 'qdq' | 'qoperator' | 'float16';
}

/** The result of an ONNX → ONNX pass. */
export interface GraphPassResult {
  model: OnnxModel;
  /** What the pass changed, for the report. */
  weights: QuantizedWeight[];
  /** Operators the pass could have handled but left as they were, and why. */
  skipped: Array<{ node: string; reason: string }>;
}
