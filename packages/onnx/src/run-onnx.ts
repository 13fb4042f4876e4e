/** Runs ONNX bytes in ONNX Runtime (onnxruntime-node, loaded on first use by `runtime.ts`). */
import { createInferenceSession, loadOnnxRuntime } from './runtime.js';

export interface FloatTensor {
  data: Float32Array;
  dims: number[];
}

export interface RunOnnxOptions {
  /** The model file's content. */
  bytes: Uint8Array;
  /** float32 inputs by name. */
  feeds: Record<string, FloatTensor>;
  /** Threads for one operator (ONNX Runtime's intraOpNumThreads); its default when absent. */
  threads?: number;
  /** Only these outputs (all when absent); each must be a numeric tensor. */
  outputs?: string[];
}

/** A loaded model to run many times (one session); release it when done. */
export interface OnnxSession {
  /** Every output (or the requested ones) by name, as float32. */
  run(feeds: Record<string, FloatTensor>, outputs?: string[]): Promise<Record<string, FloatTensor>>;
  release(): Promise<void>;
}

export async function openOnnxSession(bytes: Uint8Array, options: { threads?: number } = {}): Promise<OnnxSession> {
  const ort = await loadOnnxRuntime();
  const session = await createInferenceSession(bytes, options.threads ? { intraOpNumThreads: options.threads } : {});
  return {
    async run(feeds, outputs) {
      const tensors = Object.fromEntries(Object.entries(feeds).map(([name, tensor]) => [name, new ort.Tensor('float32', tensor.data, tensor.dims)]));
      const results = outputs ? await session.run(tensors, outputs) : await session.run(tensors);
      return Object.fromEntries(Object.entries(results).map(([name, tensor]) => [name, { data: toFloat32(tensor.data), dims: [...tensor.dims] }]));
    },
    release: () => session.release(),
  };
}

/** Returns every output of the model (or the requested ones) by name, as float32: one session, one run. */
export async function runOnnxModel(options: RunOnnxOptions): Promise<Record<string, FloatTensor>> {
  const session = await openOnnxSession(options.bytes, options.threads ? { threads: options.threads } : {});
  try {
    return await session.run(options.feeds, options.outputs);
  } finally {
    await session.release();
  }
}

function toFloat32(data: unknown): Float32Array {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Float32Array.from(data, (value) => Number(value));
  return Float32Array.from(data as ArrayLike<number>);
}

/**
 * Loads the bytes in ONNX Runtime and releases the session: throws ONNX Runtime's own error when it
 * cannot load them. Returns the input and output names the session reports.
 */
export async function loadOnnxModel(bytes: Uint8Array): Promise<{ inputNames: string[]; outputNames: string[] }> {
  const session = await createInferenceSession(bytes);
  try {
    return { inputNames: [...session.inputNames], outputNames: [...session.outputNames] };
  } finally {
    await session.release();
  }
}
