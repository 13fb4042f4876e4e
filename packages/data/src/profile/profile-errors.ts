/** Coded errors of profiles: malformed stored profiles, merges of incompatible ones, bad options. */
import { ErrorCode, errorCodes, ExitCode, MlshipError } from '@mlship/core';

export const ProfileErrorCode = errorCodes({
  invalid: { code: 'MLSHIP_E_PROFILE_INVALID', exitCode: ExitCode.usage, meaning: 'A stored or given profile is not a valid version-1 profile.' },
  incompatible: { code: 'MLSHIP_E_PROFILE_INCOMPATIBLE', exitCode: ExitCode.usage, meaning: 'Two profiles were built with different sketch options and cannot be merged or compared.' },
});

export function invalidProfile(problems: readonly string[]): MlshipError {
  const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
  return new MlshipError(ProfileErrorCode.invalid, `not a valid column profile: ${shown}`, {
    hint: 'profile the data again; a version other than 1 needs a newer mlship',
    exitCode: ExitCode.usage,
    details: { problems },
  });
}

export function incompatibleProfiles(option: string, a: unknown, b: unknown): MlshipError {
  return new MlshipError(ProfileErrorCode.incompatible, `cannot merge profiles built with ${option} ${String(a)} and ${String(b)}`, {
    hint: 'profile both with the same options',
    exitCode: ExitCode.usage,
    details: { option, values: [a, b] },
  });
}

export function invalidOption(name: string, value: unknown, expected: string): MlshipError {
  return new MlshipError(ErrorCode.usage, `profile option ${name} must be ${expected}, got ${JSON.stringify(value)}`, {
    hint: `pass a valid ${name}`,
    exitCode: ExitCode.usage,
  });
}
