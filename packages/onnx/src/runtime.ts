/**
 * ONNX Runtime (onnxruntime-node), loaded once on first use: it is native and heavy, so nothing imports
 * it at start-up. This module is also `@mlship/onnx/runtime` and imports nothing else of the package,
 * so the server bundle takes it without the ONNX model code.
 */
import type { InferenceSession } from 'onnxruntime-node';

export type Ort = typeof import('onnxruntime-node');

let loaded: Ort | undefined;

/**
 * The onnxruntime-node module, imported once. ONNX Runtime's own log lines (coloured, multi-line, e.g.
 * when CUDA is missing) are turned off: its errors reach callers as exceptions, and stderr stays what
 * mlship writes there. A failed import rejects with the import's error (callers wrap it in their coded
 * error) and is tried again on the next call.
 */
export async function loadOnnxRuntime(): Promise<Ort> {
  if (loaded) return loaded;
  const module = (await import('onnxruntime-node')) as Ort & { default?: Ort };
  // The CommonJS module may arrive as a namespace with a default export, depending on the loader.
  const runtime = typeof module.InferenceSession === 'function' ? module : (module.default ?? module);
  runtime.env.logLevel = 'fatal';
  loaded = runtime;
  return runtime;
}

/** The module once `loadOnnxRuntime` has loaded it (for paths that must not await); throws before. */
export function loadedOnnxRuntime(): Ort {
  if (!loaded) throw new Error('onnxruntime-node is not loaded yet');
  return loaded;
}

/** An inference session over model bytes (ONNX Runtime loaded first); throws ONNX Runtime's own error when it cannot load them. */
export async function createInferenceSession(bytes: Uint8Array, options: InferenceSession.SessionOptions = {}): Promise<InferenceSession> {
  const runtime = await loadOnnxRuntime();
  return runtime.InferenceSession.create(bytes, options);
}
