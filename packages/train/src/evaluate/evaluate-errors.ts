/** Coded errors of evaluation, gates and model cards: input a user (or a model's output) got wrong. */
import { ExitCode, MlshipError } from '@mlship/core';

export const EvaluateErrorCode = {
  /** Labels, predictions, probabilities or options that cannot be evaluated (lengths, ranges, NaN). */
  input: 'MLSHIP_E_EVAL_INPUT',
  /** A gate expression that does not parse, or a bad `maxRegression`. */
  gateSyntax: 'MLSHIP_E_GATE_SYNTAX',
  /** A gate that names a metric mlship does not compute for the task (or a class the model lacks). */
  gateUnknownMetric: 'MLSHIP_E_GATE_UNKNOWN_METRIC',
  /** A baseline (`--compare-to`) whose metrics are not those of an evaluated model of the same task. */
  baselineMismatch: 'MLSHIP_E_GATE_BASELINE',
} as const;

export function invalidEvaluationInput(message: string, hint: string, details?: Record<string, unknown>): MlshipError {
  return new MlshipError(EvaluateErrorCode.input, message, { hint, exitCode: ExitCode.usage, details });
}
