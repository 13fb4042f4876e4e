import { errorCodes, ExitCode, MlshipError } from '@mlship/core';

/** Error codes of the ONNX package (the shared ones live in @mlship/core). */
export const OnnxErrorCode = errorCodes({
  unsupported: { code: 'MLSHIP_E_ONNX_UNSUPPORTED', exitCode: ExitCode.usage, meaning: 'The tfjs model holds a layer, activation or option the ONNX exporter cannot express.' },
  invalidModel: { code: 'MLSHIP_E_ONNX_INVALID', exitCode: ExitCode.usage, meaning: 'Bytes that are not a readable ONNX model, or a model that breaks the structure mlship needs.' },
});

/** The error for a layer, activation or option that has no ONNX export. */
export function unsupported(message: string, details?: Record<string, unknown>): MlshipError {
  return new MlshipError(OnnxErrorCode.unsupported, message, {
    hint: 'use layers the ONNX exporter supports (see packages/onnx/README.md), or export another way',
    exitCode: ExitCode.usage,
    ...(details ? { details } : {}),
  });
}
