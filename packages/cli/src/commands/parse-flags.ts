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

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: 2 ** 10, m: 1e6, mb: 1e6, mib: 2 ** 20, g: 1e9, gb: 1e9, gib: 2 ** 30, t: 1e12, tb: 1e12, tib: 2 ** 40 };

/** A byte count: a whole number with an optional unit (`500MB`, `10GiB`; K, M, G, T are powers of 1000, KiB… of 1024). */
export function parseByteSize(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = BYTE_UNITS[match?.[2]?.toLowerCase() ?? 'none'];
  const bytes = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw usage(`${flag} must be a size such as 500MB or 10GiB, got "${value}"`, `e.g. ${flag} 20GiB`);
  }
  return bytes;
}
