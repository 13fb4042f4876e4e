/** Coded errors of bundle building. Bad input exits 2; a missing build output or dependency exits 3. */
import { errorCodes, ExitCode, MlshipError } from '@mlship/core';

export const BundleErrorCode = errorCodes({
  notModel: { code: 'MLSHIP_E_PACKAGE_NOT_MODEL', exitCode: ExitCode.usage, meaning: 'The ref names another kind of artifact than a model.' },
  modelIncomplete: { code: 'MLSHIP_E_PACKAGE_MODEL_INCOMPLETE', exitCode: ExitCode.usage, meaning: 'The stored model lacks a file the server needs (`model.onnx`, `signature.json`).' },
  runtimeMissing: { code: 'MLSHIP_E_PACKAGE_RUNTIME_MISSING', exitCode: ExitCode.runtime, meaning: 'The bundled server runtime (`serve-runtime.mjs`) is not there: mlship was not built.' },
  onnxruntimeMissing: { code: 'MLSHIP_E_PACKAGE_ONNXRUNTIME_MISSING', exitCode: ExitCode.runtime, meaning: 'onnxruntime-node (or its onnxruntime-common) cannot be found, or lacks a target platform\'s binaries.' },
  outDirNotEmpty: { code: 'MLSHIP_E_PACKAGE_OUTDIR_NOT_EMPTY', exitCode: ExitCode.usage, meaning: 'The bundle directory exists and is not empty (and `--force` was not given).' },
});

export function bundleError(code: (typeof BundleErrorCode)[keyof typeof BundleErrorCode], message: string, hint: string, details?: Record<string, unknown>): MlshipError {
  const exitCode = code === BundleErrorCode.runtimeMissing || code === BundleErrorCode.onnxruntimeMissing ? ExitCode.runtime : ExitCode.usage;
  return new MlshipError(code, message, { hint, exitCode, ...(details ? { details } : {}) });
}
