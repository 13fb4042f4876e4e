/** Coded errors of drift options a user can set: methods, thresholds, drift shares. */
import { ErrorCode, ExitCode, MlshipError } from '@mlship/core';

export function invalidDriftOption(name: string, value: unknown, expected: string): MlshipError {
  return new MlshipError(ErrorCode.usage, `drift option ${name} must be ${expected}, got ${JSON.stringify(value)}`, {
    hint: `pass a valid ${name}`,
    exitCode: ExitCode.usage,
    details: { option: name, value },
  });
}
