/** Coded errors of `mlship compress`. Bad options, sources and data exit 2; a compressed model that does not load exits 3. */
import { ExitCode, MlshipError } from '@mlship/core';

export const CompressErrorCode = {
  /** An option out of range, a method that does not fit the source (pruning an imported ONNX model), a bad student spec. */
  options: 'MLSHIP_E_COMPRESS_OPTIONS',
  /** No data to evaluate on: the training data is gone or changed, or an imported model without --eval-data. */
  data: 'MLSHIP_E_COMPRESS_DATA',
  /** The compressed model does not load or run in ONNX Runtime: a bug, reported as one. */
  failed: 'MLSHIP_E_COMPRESS_FAILED',
} as const;

export function optionsError(message: string, hint: string): MlshipError {
  return new MlshipError(CompressErrorCode.options, message, { hint, exitCode: ExitCode.usage });
}

export function compressDataError(message: string, hint: string): MlshipError {
  return new MlshipError(CompressErrorCode.data, message, { hint, exitCode: ExitCode.usage });
}

export function compressFailed(message: string, hint: string, cause?: unknown): MlshipError {
  return new MlshipError(CompressErrorCode.failed, message, { hint, exitCode: ExitCode.runtime, cause });
}
