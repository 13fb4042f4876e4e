/**
 * Symmetric int8 quantization of weight tensors (zero point 0, range ±127), per tensor or per output
 * channel, and the rule that picks between the two.
 */
import type { OnnxModel } from '@mlship/onnx';
import { compressOptionsError } from '../errors.js';
import { defaultOpset } from '../graph-edit.js';

export type PerChannelOption = boolean | 'auto';

export interface QuantizedValues {
  /** Quantized values, same layout as the source. */
  data: Int8Array;
  /** One scale (per tensor) or one per index along `axis`. */
  scales: Float32Array;
  /** The axis the scales run along; null for one scale. */
  axis: number | null;
  /** The largest |w − scale·q| over the tensor. */
  maxAbsError: number;
  /** Root mean square of w − scale·q. */
  rmsError: number;
}

const QMAX = 127;

/**
 * Quantizes `values` (shaped `dims`) symmetrically with one scale, or one scale per index of `axis`.
 * A channel of zeros gets scale 1 so that dequantization stays finite.
 */
export function quantizeSymmetric(values: Float32Array, dims: number[], axis: number | null): QuantizedValues {
  const channels = axis === null ? 1 : dims[axis]!;
  const inner = axis === null ? values.length : dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (index: number): number => (axis === null ? 0 : Math.floor(index / inner) % channels);
  const maxAbs = new Float32Array(channels);
  values.forEach((value, index) => {
    const channel = channelOf(index);
    maxAbs[channel] = Math.max(maxAbs[channel]!, Math.abs(value));
  });
  const scales = Float32Array.from(maxAbs, (max) => (max > 0 ? max / QMAX : 1));
  const data = new Int8Array(values.length);
  let maxAbsError = 0;
  let squares = 0;
  values.forEach((value, index) => {
    const scale = scales[channelOf(index)]!;
    const q = Math.max(-QMAX, Math.min(QMAX, Math.round(value / scale)));
    data[index] = q;
    const error = Math.abs(value - q * scale);
    maxAbsError = Math.max(maxAbsError, error);
    squares += error * error;
  });
  return { data, scales, axis, maxAbsError, rmsError: values.length > 0 ? Math.sqrt(squares / values.length) : 0 };
}

/**
 * Per-tensor or per-channel quantization of a weight whose output channels run along `axis`.
 * `'auto'` takes per-channel when it at least halves the per-tensor RMS error, that is when output
 * channels' ranges differ widely; dense and conv layers of trained models rarely need it (their
 * ratio is typically 0.7–0.9) and one scale keeps the file smaller.
 */
export function quantizeWeight(values: Float32Array, dims: number[], axis: number, perChannel: PerChannelOption): QuantizedValues {
  if (perChannel === false || dims[axis] === 1) return quantizeSymmetric(values, dims, null);
  const channel = quantizeSymmetric(values, dims, axis);
  if (perChannel === true) return channel;
  const tensor = quantizeSymmetric(values, dims, null);
  return channel.rmsError <= AUTO_PER_CHANNEL_GAIN * tensor.rmsError ? channel : tensor;
}

/** Per-channel wins under 'auto' when its RMS error is at most this fraction of the per-tensor one. */
export const AUTO_PER_CHANNEL_GAIN = 0.5;

const INT32_MAX = 2 ** 31 - 1;

/** Whether every bias value, at scale activation scale × weight scale (its channel's), fits int32. */
export function biasFitsInt32(bias: Float32Array, activationScale: number, quantized: QuantizedValues): boolean {
  return bias.every((value, index) => Math.abs(Math.round(value / (activationScale * quantized.scales[quantized.axis === null ? 0 : index]!))) <= INT32_MAX);
}

/** The lowest `ai.onnx` opset the int8 passes write for: DequantizeLinear's per-channel `axis` and the operators they emit are opset 13. */
export const MIN_QUANTIZE_OPSET = 13;

/** Refuses a model whose opset is below MIN_QUANTIZE_OPSET (its operators' meaning differs; converting it is onnx's version_converter's job). */
export function checkQuantizeOpset(model: OnnxModel): void {
  const opset = defaultOpset(model);
  if (opset < MIN_QUANTIZE_OPSET) {
    throw compressOptionsError(`the model imports ai.onnx opset ${opset}; int8 quantization writes opset ${MIN_QUANTIZE_OPSET} operators`, `convert it first (onnx.version_converter.convert_version(model, ${MIN_QUANTIZE_OPSET})), or use --method fp16`);
  }
}
