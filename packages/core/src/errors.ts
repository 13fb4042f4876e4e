/**
 * Coded errors. Capability packages throw these for anything a user can act on;
 * the CLI maps them to one line and an exit code. Bugs stay plain `Error`.
 */

import { escapeTerminalText } from './terminal-text.js';

/** Exit codes of every mlship command (see docs/cli.md). */
export const ExitCode = {
  ok: 0,
  /** A check failed: invalid data, a gate not met, drift, a corrupt store found by `verify`. */
  checkFailed: 1,
  /** Usage, config or input error: bad flag, missing file, malformed YAML, unknown ref. */
  usage: 2,
  /** Runtime failure: I/O, missing engine, corrupt store met while working, internal error. */
  runtime: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface MlshipErrorOptions {
  hint?: string;
  exitCode?: ExitCode;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class MlshipError extends Error {
  /** Stable, documented code: `MLSHIP_E_…`. */
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: MlshipErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlshipError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.usage;
    this.details = options.details;
  }
}

/**
 * True for coded errors, also when they come from another copy of this module
 * (the CLI bundle and a lazily loaded package may each carry one).
 */
export function isMlshipError(error: unknown): error is MlshipError {
  if (error instanceof MlshipError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { code?: unknown; exitCode?: unknown; message?: unknown };
  return (
    typeof candidate.code === 'string' &&
    candidate.code.startsWith('MLSHIP_E_') &&
    typeof candidate.exitCode === 'number' &&
    typeof candidate.message === 'string'
  );
}

/** Error codes shared across packages. Packages may add their own `MLSHIP_E_…` codes. */
export const ErrorCode = {
  usage: 'MLSHIP_E_USAGE',
  fileNotFound: 'MLSHIP_E_FILE_NOT_FOUND',
  invalidRef: 'MLSHIP_E_REF_INVALID',
  refNotFound: 'MLSHIP_E_REF_NOT_FOUND',
  registryNotFound: 'MLSHIP_E_REGISTRY_NOT_FOUND',
  registryCorrupt: 'MLSHIP_E_REGISTRY_CORRUPT',
  integrity: 'MLSHIP_E_INTEGRITY',
  lockTimeout: 'MLSHIP_E_LOCK_TIMEOUT',
  config: 'MLSHIP_E_CONFIG',
  io: 'MLSHIP_E_IO',
  unsafeArchive: 'MLSHIP_E_ARCHIVE_UNSAFE',
  conflict: 'MLSHIP_E_CONFLICT',
  remote: 'MLSHIP_E_REMOTE',
  remoteAuth: 'MLSHIP_E_REMOTE_AUTH',
  checkFailed: 'MLSHIP_E_CHECK_FAILED',
  internal: 'MLSHIP_E_INTERNAL',
} as const;

/**
 * Untrusted text (a name from an archive or a remote) quoted for a one-line error message: cut to `max`
 * characters with an ellipsis, quotes and backslashes escaped, control characters and bidi overrides
 * written as visible escapes (`escapeTerminalText`), newlines and tabs too.
 */
export function quoteUntrusted(text: string, max = 64): string {
  const characters = [...text];
  const cut = characters.length > max ? `${characters.slice(0, max).join('')}…` : text;
  const escaped = escapeTerminalText(cut.replace(/["\\]/g, '\\$&')).replace(/\n/g, '\\n').replace(/\t/g, '\\t');
  return `"${escaped}"`;
}

/** Wraps a Node.js file-system error into a coded one; other errors pass through. */
export function fromFsError(error: unknown, path: string, action: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') {
    return new MlshipError(ErrorCode.fileNotFound, `${action}: no such file: ${path}`, {
      hint: 'check the path',
      exitCode: ExitCode.usage,
      cause: error,
    });
  }
  if (code === 'EISDIR') {
    return new MlshipError(ErrorCode.usage, `${action}: ${path} is a directory, not a file`, {
      hint: 'name the files inside it',
      exitCode: ExitCode.usage,
      cause: error,
    });
  }
  if (code === 'EEXIST' || code === 'ENOTDIR') {
    return new MlshipError(ErrorCode.usage, `${action}: ${path} is in the way (${code === 'EEXIST' ? 'it already exists' : 'a file stands where a folder should be'})`, {
      hint: 'choose another path, or move what is there',
      exitCode: ExitCode.usage,
      cause: error,
    });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new MlshipError(ErrorCode.io, `${action}: permission denied: ${path}`, {
      hint: 'check the file permissions',
      exitCode: ExitCode.runtime,
      cause: error,
    });
  }
  if (code === 'EROFS') {
    return new MlshipError(ErrorCode.io, `${action}: read-only file system: ${path}`, {
      hint: 'choose a path on a writable file system, or remount it read-write',
      exitCode: ExitCode.runtime,
      cause: error,
    });
  }
  if (code === 'ENOSPC') {
    return new MlshipError(ErrorCode.io, `${action}: no space left on device: ${path}`, {
      hint: 'free some disk space, then run `mlship registry gc`',
      exitCode: ExitCode.runtime,
      cause: error,
    });
  }
  return error;
}

/**
 * A system error (it has an errno code and a syscall) that no command wrapped: a coded I/O error rather
 * than an "internal error". Input problems (missing or misplaced paths) exit 2; the rest exit 3.
 */
export function fromSystemError(error: unknown): MlshipError | undefined {
  const candidate = error as NodeJS.ErrnoException | undefined;
  if (typeof candidate?.code !== 'string' || typeof candidate.syscall !== 'string') return undefined;
  const path = candidate.path ?? (candidate as { dest?: string }).dest ?? '(unknown path)';
  const wrapped = fromFsError(error, path, `${candidate.syscall} failed`);
  if (isMlshipError(wrapped)) return wrapped;
  return new MlshipError(ErrorCode.io, `${candidate.syscall} failed: ${candidate.code} ${path}`, {
    hint: 'check the path, its permissions and free disk space',
    exitCode: ExitCode.runtime,
    cause: error,
  });
}
