/** Coded errors of training. Spec and data problems exit 2; a backend or a training run that fails exits 3. */
import { errorCodes, ExitCode, MlshipError } from '@mlship/core';

export const TrainErrorCode = errorCodes({
  spec: { code: 'MLSHIP_E_TRAIN_SPEC', exitCode: ExitCode.usage, meaning: 'A train spec that does not parse or breaks the schema or its rules (see `train-spec.schema.json`).' },
  data: { code: 'MLSHIP_E_TRAIN_DATA', exitCode: ExitCode.usage, meaning: 'Data that cannot train the spec: missing columns, a label unfit for the task, too few rows, pixel counts.' },
  label: {
    code: 'MLSHIP_E_TRAIN_LABEL',
    exitCode: ExitCode.usage,
    meaning: 'A label that cannot make the model asked for: an id (a different value in every row), more classes than the guard allows for the rows, classes with too few rows.',
  },
  backendUnknown: { code: 'MLSHIP_E_TRAIN_BACKEND_UNKNOWN', exitCode: ExitCode.usage, meaning: 'A training backend name nobody registered.' },
  backendUnavailable: { code: 'MLSHIP_E_TRAIN_BACKEND_UNAVAILABLE', exitCode: ExitCode.runtime, meaning: 'The requested backend (or every candidate of `auto`) cannot run here or cannot train this model.' },
  model: { code: 'MLSHIP_E_TRAIN_MODEL', exitCode: ExitCode.usage, meaning: 'A model the spec describes that tfjs cannot build (shapes that do not fit).' },
  failed: { code: 'MLSHIP_E_TRAIN_FAILED', exitCode: ExitCode.runtime, meaning: 'Training itself failed: the loss became NaN or infinite, or tfjs threw while fitting.' },
});

export function specError(message: string, hint: string, details?: Record<string, unknown>): MlshipError {
  return new MlshipError(TrainErrorCode.spec, message, { hint, exitCode: ExitCode.usage, ...(details ? { details } : {}) });
}

export function trainDataError(message: string, hint: string, details?: Record<string, unknown>): MlshipError {
  return new MlshipError(TrainErrorCode.data, message, { hint, exitCode: ExitCode.usage, ...(details ? { details } : {}) });
}

export function labelError(message: string, hint: string, details?: Record<string, unknown>): MlshipError {
  return new MlshipError(TrainErrorCode.label, message, { hint, exitCode: ExitCode.usage, ...(details ? { details } : {}) });
}

export function modelError(message: string, hint: string, cause?: unknown): MlshipError {
  return new MlshipError(TrainErrorCode.model, message, { hint, exitCode: ExitCode.usage, cause });
}

export function trainingFailed(message: string, hint: string, cause?: unknown): MlshipError {
  return new MlshipError(TrainErrorCode.failed, message, { hint, exitCode: ExitCode.runtime, cause });
}

/** Error codes of `model import | evaluate | export`. A model file that is not ONNX is `@mlship/onnx`'s MLSHIP_E_ONNX_INVALID. */
export const ModelErrorCode = errorCodes({
  signature: { code: 'MLSHIP_E_MODEL_SIGNATURE', exitCode: ExitCode.usage, meaning: 'A `--signature` file that does not parse or does not match the model\'s graph (names, types, ranks), or label names that do not fit the output.' },
  input: { code: 'MLSHIP_E_MODEL_INPUT', exitCode: ExitCode.usage, meaning: 'A stored model that cannot be fed the data: an input mlship cannot build, a width that does not match the feature columns, missing or non-numeric values.' },
  format: { code: 'MLSHIP_E_MODEL_FORMAT', exitCode: ExitCode.usage, meaning: 'An export format the stored model has no files for (tfjs of an imported model), or an artifact that is not a model.' },
});

export function modelFileError(code: (typeof ModelErrorCode)[keyof typeof ModelErrorCode], message: string, hint: string, details?: Record<string, unknown>): MlshipError {
  return new MlshipError(code, message, { hint, exitCode: ExitCode.usage, ...(details ? { details } : {}) });
}
