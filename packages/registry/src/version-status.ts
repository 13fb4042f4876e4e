/**
 * A version's status and the guard every command that acts on a version runs before it does
 * (`registry tag`, `package`, `serve`, `compress`, and `deploy` once it exists): a `failed` version
 * (a gate or a validation refused it, or it derives from one that was) is refused unless the caller
 * allows it. What is made from a failed version is failed too (`putArtifact` marks it).
 */
import { errorCodes, ExitCode, MlshipError } from '@mlship/core';
import type { ArtifactMetadata } from './types.js';

export type VersionStatus = 'ok' | 'failed';

/** Error codes of the status guard. */
export const StatusErrorCode = errorCodes({
  failed: {
    code: 'MLSHIP_E_VERSION_FAILED',
    exitCode: ExitCode.checkFailed,
    meaning:
      'The version is marked failed (a gate or a validation refused it, or it derives from a failed version), and `registry tag`, `package`, `serve` or `compress` refuse to act on it without `--allow-failed`. Exit 1, as the check that failed it: the command is right, the version is not good enough.',
  },
});

/** The status a version records; none recorded (no gate was judged) counts as `ok`. */
export function versionStatus(metadata: Pick<ArtifactMetadata, 'status'>): VersionStatus {
  return metadata.status === 'failed' ? 'failed' : 'ok';
}

export interface AssertUsableOptions {
  /** Act on a failed version all the same (`--allow-failed`); what is made from it is marked failed. */
  allowFailed?: boolean;
  /** What the caller is about to do, for the message: `tag`, `package`, `serve`, `compress`, `deploy`. */
  action: string;
}

/**
 * Throws `MLSHIP_E_VERSION_FAILED` (exit 1) when `version` is marked failed and `allowFailed` is not
 * set; returns its status otherwise. The one check `tag`, `package`, `serve`, `compress` and `deploy` share.
 */
export function assertUsable(version: { ref: string; metadata: Pick<ArtifactMetadata, 'status'> }, options: AssertUsableOptions): VersionStatus {
  const status = versionStatus(version.metadata);
  if (status === 'failed' && options.allowFailed !== true) {
    const name = version.ref.replace(/:\d+$/, '');
    throw new MlshipError(StatusErrorCode.failed, `${version.ref} is marked failed; refusing to ${options.action} it`, {
      hint: `pass --allow-failed to ${options.action} it anyway (what it makes is marked failed too), or pick a version that passed: mlship registry list ${name}`,
      exitCode: ExitCode.checkFailed,
      details: { ref: version.ref, status },
    });
  }
  return status;
}
