/**
 * Differential check of an export: the ONNX model in ONNX Runtime on raw inputs against the tfjs
 * model on the same inputs preprocessed by the reference implementation.
 */
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import type { ExportResult } from './export-model.js';
import { encodeFeatures, encodeImage } from './preprocessing.js';
import { runOnnxModel } from './run-onnx.js';

export interface VerifyExportOptions {
  model: LayersModel;
  exported: Pick<ExportResult, 'bytes' | 'signature'>;
  /** Raw inputs as the ONNX model takes them (row-major, `rows` × the input's shape without the batch). */
  input: Float32Array;
  rows: number;
}

export interface VerifyExportResult {
  /** Largest |onnx − tfjs| over all outputs (Infinity when only one side is NaN). */
  maxAbsError: number;
  onnx: Float32Array;
  tfjs: Float32Array;
  dims: number[];
}

export async function verifyExport(options: VerifyExportOptions): Promise<VerifyExportResult> {
  const { model, exported, input, rows } = options;
  const { signature } = exported;
  const onnxInput = signature.inputs[0];
  const onnxOutput = signature.outputs[0];
  if (!onnxInput || !onnxOutput) throw new Error('the signature names no input or output');
  const inputDims = [rows, ...(onnxInput.shape ?? []).slice(1).map(Number)];
  const results = await runOnnxModel({ bytes: exported.bytes, feeds: { [onnxInput.name]: { data: input, dims: inputDims } } });
  const onnx = results[onnxOutput.name];
  if (!onnx) throw new Error(`ONNX Runtime returned no ${onnxOutput.name}`);

  const modelShape = model.inputs[0]?.shape ?? [];
  const encoded = signature.features
    ? encodeFeatures(signature.features, input, rows)
    : signature.image
      ? encodeImage(signature.image, input)
      : input;
  const tfjs = await predictTfjs(model, encoded, [rows, ...modelShape.slice(1).map(Number)]);
  return { maxAbsError: maxAbsDifference(onnx.data, tfjs), onnx: onnx.data, tfjs, dims: onnx.dims };
}

async function predictTfjs(model: LayersModel, data: Float32Array, dims: number[]): Promise<Float32Array> {
  const tf = await import('@tensorflow/tfjs');
  const x = tf.tensor(data, dims, 'float32');
  const y = model.predict(x) as Tensor;
  try {
    return Float32Array.from(await y.data());
  } finally {
    x.dispose();
    y.dispose();
  }
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? NaN;
    const y = b[i] ?? NaN;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) return Infinity;
      continue;
    }
    max = Math.max(max, Math.abs(x - y));
  }
  return max;
}
