/** Coded errors of `mlship compress`. Bad options, sources and data exit 2; a compressed model that does not load exits 3. */
import { errorCodes, ExitCode, MlshipError } from '@mlship/core';

export const CompressErrorCode = errorCodes({
  options: { code: 'MLSHIP_E_COMPRESS_OPTIONS', exitCode: ExitCode.usage, meaning: 'An option out of range, a method that does not fit the source (pruning an imported ONNX model), a bad student spec.' },
  data: { code: 'MLSHIP_E_COMPRESS_DATA', exitCode: ExitCode.usage, meaning: 'No data to evaluate on: the training data is gone or changed, or an imported model without `--eval-data`.' },
  failed: { code: 'MLSHIP_E_COMPRESS_FAILED', exitCode: ExitCode.runtime, meaning: 'The compressed model does not load or run in ONNX Runtime: a bug, reported as one.' },
});

export function compressOptionsError(message: string, hint: string): MlshipError {
  return new MlshipError(CompressErrorCode.options, message, { hint, exitCode: ExitCode.usage });
}

export function compressDataError(message: string, hint: string): MlshipError {
  return new MlshipError(CompressErrorCode.data, message, { hint, exitCode: ExitCode.usage });
}

export function compressFailed(message: string, hint: string, cause?: unknown): MlshipError {
  return new MlshipError(CompressErrorCode.failed, message, { hint, exitCode: ExitCode.runtime, cause });
}
