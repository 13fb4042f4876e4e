/** Coded errors of bundle building. Bad input exits 2; a missing build output or dependency exits 3. */
import { ExitCode, MlshipError } from '@mlship/core';

export const BundleErrorCode = {
  /** The ref names another kind of artifact than a model. */
  notModel: 'MLSHIP_E_PACKAGE_NOT_MODEL',
  /** The stored model lacks a file the server needs (model.onnx, signature.json). */
  modelIncomplete: 'MLSHIP_E_PACKAGE_MODEL_INCOMPLETE',
  /** The bundled server runtime (serve-runtime.mjs) is not there: mlship was not built. */
  runtimeMissing: 'MLSHIP_E_PACKAGE_RUNTIME_MISSING',
  /** onnxruntime-node (or its onnxruntime-common) cannot be found, or lacks a platform's binaries. */
  onnxruntimeMissing: 'MLSHIP_E_PACKAGE_ONNXRUNTIME_MISSING',
  /** The output directory exists and is not empty (and `force` was not given). */
  outDirNotEmpty: 'MLSHIP_E_PACKAGE_OUTDIR_NOT_EMPTY',
} as const;

export function bundleError(code: (typeof BundleErrorCode)[keyof typeof BundleErrorCode], message: string, hint: string, details?: Record<string, unknown>): MlshipError {
  const exitCode = code === BundleErrorCode.runtimeMissing || code === BundleErrorCode.onnxruntimeMissing ? ExitCode.runtime : ExitCode.usage;
  return new MlshipError(code, message, { hint, exitCode, ...(details ? { details } : {}) });
}
