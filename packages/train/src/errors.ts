/** Coded errors of training. Spec and data problems exit 2; a backend or a training run that fails exits 3. */
import { ExitCode, MlshipError } from '@mlship/core';

export const TrainErrorCode = {
  /** A train spec that does not parse or breaks the schema or its rules (see train-spec.schema.json). */
  spec: 'MLSHIP_E_TRAIN_SPEC',
  /** Data that cannot train the spec: missing columns, a label unfit for the task, too few rows, pixel counts. */
  data: 'MLSHIP_E_TRAIN_DATA',
  /** A backend name nobody registered. */
  backendUnknown: 'MLSHIP_E_TRAIN_BACKEND_UNKNOWN',
  /** The requested backend (or every candidate of `auto`) cannot run here or cannot train this model. */
  backendUnavailable: 'MLSHIP_E_TRAIN_BACKEND_UNAVAILABLE',
  /** A model the spec describes that tfjs cannot build (shapes that do not fit). */
  model: 'MLSHIP_E_TRAIN_MODEL',
  /** Training itself failed: the loss became NaN or infinite, or tfjs threw while fitting. */
  failed: 'MLSHIP_E_TRAIN_FAILED',
} as const;

export function specError(message: string, hint: string, details?: Record<string, unknown>): MlshipError {
  return new MlshipError(TrainErrorCode.spec, message, { hint, exitCode: ExitCode.usage, ...(details ? { details } : {}) });
}

export function dataError(message: string, hint: string, details?: Record<string, unknown>): MlshipError {
  return new MlshipError(TrainErrorCode.data, message, { hint, exitCode: ExitCode.usage, ...(details ? { details } : {}) });
}

export function modelError(message: string, hint: string, cause?: unknown): MlshipError {
  return new MlshipError(TrainErrorCode.model, message, { hint, exitCode: ExitCode.usage, cause });
}

export function trainingFailed(message: string, hint: string, cause?: unknown): MlshipError {
  return new MlshipError(TrainErrorCode.failed, message, { hint, exitCode: ExitCode.runtime, cause });
}

/** Error codes of `model import | evaluate | export`. A model file that is not ONNX is `@mlship/onnx`'s MLSHIP_E_ONNX_INVALID. */
export const ModelErrorCode = {
  /** A `--signature` file that does not parse or does not match the model's graph (names, types, ranks), or label names that do not fit the output. */
  signature: 'MLSHIP_E_MODEL_SIGNATURE',
  /** A stored model that cannot be fed the data: an input mlship cannot build, a width that does not match the feature columns, missing or non-numeric values. */
  input: 'MLSHIP_E_MODEL_INPUT',
  /** An export format the stored model has no files for (tfjs of an imported model), or an artifact that is not a model. */
  format: 'MLSHIP_E_MODEL_FORMAT',
} as const;

export function modelFileError(code: (typeof ModelErrorCode)[keyof typeof ModelErrorCode], message: string, hint: string, details?: Record<string, unknown>): MlshipError {
  return new MlshipError(code, message, { hint, exitCode: ExitCode.usage, ...(details ? { details } : {}) });
}
