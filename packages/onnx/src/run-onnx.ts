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
}

/** Returns every output of the model by name. */
export async function runOnnxModel(options: RunOnnxOptions): Promise<Record<string, FloatTensor>> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(options.bytes, options.threads ? { intraOpNumThreads: options.threads } : {});
  try {
    const feeds = Object.fromEntries(
      Object.entries(options.feeds).map(([name, tensor]) => [name, new ort.Tensor('float32', tensor.data, tensor.dims)]),
    );
    const results = await session.run(feeds);
    return Object.fromEntries(
      Object.entries(results).map(([name, tensor]) => [name, { data: Float32Array.from(tensor.data as Float32Array), dims: [...tensor.dims] }]),
    );
  } finally {
    await session.release();
  }
}
