/** Numeric flag values, checked: a bad one is a usage error naming the flag and an example. */
import { ErrorCode, ExitCode, MlshipError } from '@mlship/core';

export function usage(message: string, hint: string): MlshipError {
  return new MlshipError(ErrorCode.usage, message, { hint, exitCode: ExitCode.usage });
}

export function parseInteger(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min || number > max) {
    throw usage(`${flag} must be an integer from ${min} to ${max}, got "${value}"`, `e.g. ${flag} ${min === 0 ? 42 : 20}`);
  }
  return number;
}

/** A finite number in [min, max]; `example` goes into the hint. */
export function parseNumber(flag: string, value: string | undefined, min: number, max: number, example: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < min || number > max) {
    throw usage(`${flag} must be a number from ${min} to ${max}, got "${value}"`, `e.g. ${flag} ${example}`);
  }
  return number;
}
