/** Runs ONNX bytes in ONNX Runtime (onnxruntime-node, loaded on first use). */

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

/** Returns every output of the model (or the requested ones) by name, as float32. */
export async function runOnnxModel(options: RunOnnxOptions): Promise<Record<string, FloatTensor>> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(options.bytes, options.threads ? { intraOpNumThreads: options.threads } : {});
  try {
    const feeds = Object.fromEntries(
      Object.entries(options.feeds).map(([name, tensor]) => [name, new ort.Tensor('float32', tensor.data, tensor.dims)]),
    );
    const results = options.outputs ? await session.run(feeds, options.outputs) : await session.run(feeds);
    return Object.fromEntries(
      Object.entries(results).map(([name, tensor]) => [name, { data: toFloat32(tensor.data), dims: [...tensor.dims] }]),
    );
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
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes);
  try {
    return { inputNames: [...session.inputNames], outputNames: [...session.outputNames] };
  } finally {
    await session.release();
  }
}
