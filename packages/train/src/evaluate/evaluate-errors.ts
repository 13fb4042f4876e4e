/** Coded errors of evaluation, gates and model cards: input a user (or a model's output) got wrong. */
import { errorCodes, ExitCode, MlshipError } from '@mlship/core';

export const EvaluateErrorCode = errorCodes({
  input: { code: 'MLSHIP_E_EVAL_INPUT', exitCode: ExitCode.usage, meaning: 'Labels, predictions, probabilities or options that cannot be evaluated (lengths, ranges, NaN).' },
  gateSyntax: { code: 'MLSHIP_E_GATE_SYNTAX', exitCode: ExitCode.usage, meaning: 'A gate expression that does not parse, or a bad `--max-regression`.' },
  gateUnknownMetric: { code: 'MLSHIP_E_GATE_UNKNOWN_METRIC', exitCode: ExitCode.usage, meaning: 'A gate that names a metric mlship does not compute for the task (or a class the model lacks).' },
  baselineMismatch: { code: 'MLSHIP_E_GATE_BASELINE', exitCode: ExitCode.usage, meaning: 'A baseline (`--compare-to`) whose metrics are not those of an evaluated model of the same task.' },
});

export function invalidEvaluationInput(message: string, hint: string, details?: Record<string, unknown>): MlshipError {
  return new MlshipError(EvaluateErrorCode.input, message, { hint, exitCode: ExitCode.usage, details });
}
