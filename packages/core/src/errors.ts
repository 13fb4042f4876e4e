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

/** One error code as docs/errors.md lists it. */
export interface ErrorCodeInfo {
  readonly code: `MLSHIP_E_${string}`;
  /** The exit code every error with this code carries; a list where it depends on the case (the meaning says which). */
  readonly exitCode: ExitCode | readonly ExitCode[];
  /** What went wrong, in one line. */
  readonly meaning: string;
}

/**
 * A package's table of error codes, each with its exit code and meaning; returns the codes by key
 * (`TrainErrorCode.spec` is `'MLSHIP_E_TRAIN_SPEC'`). `pnpm run docs` writes docs/errors.md from every
 * `errorCodes({...})` table in a package's `src/`, read from the source, so entries must be literals;
 * a test fails on an `MLSHIP_E_…` string that no table declares.
 */
export function errorCodes<const T extends Readonly<Record<string, ErrorCodeInfo>>>(table: T): { readonly [K in keyof T]: T[K]['code'] } {
  const codes: Record<string, string> = {};
  for (const [key, info] of Object.entries(table)) codes[key] = info.code;
  return codes as { readonly [K in keyof T]: T[K]['code'] };
}

/** Error codes shared across packages. Packages add their own `MLSHIP_E_…` codes in tables of their own. */
export const ErrorCode = errorCodes({
  usage: { code: 'MLSHIP_E_USAGE', exitCode: ExitCode.usage, meaning: 'A bad flag, argument or option value; a command group without a subcommand; a path that is a directory or is in the way.' },
  fileNotFound: { code: 'MLSHIP_E_FILE_NOT_FOUND', exitCode: ExitCode.usage, meaning: 'A file or directory the command names does not exist.' },
  invalidRef: { code: 'MLSHIP_E_REF_INVALID', exitCode: ExitCode.usage, meaning: 'A ref or artifact name that does not parse as `<kind>/<name>[:<version> | @<alias> | @sha256:<hex>]`.' },
  refNotFound: { code: 'MLSHIP_E_REF_NOT_FOUND', exitCode: ExitCode.usage, meaning: 'No stored version or alias answers to the ref.' },
  registryNotFound: { code: 'MLSHIP_E_REGISTRY_NOT_FOUND', exitCode: ExitCode.usage, meaning: 'No registry at `--registry` or `MLSHIP_REGISTRY`, and no `.mlship/registry` upward from the working directory.' },
  registryCorrupt: { code: 'MLSHIP_E_REGISTRY_CORRUPT', exitCode: ExitCode.runtime, meaning: 'The store is damaged where the command reads it: a malformed `index.json`, manifest or metadata blob.' },
  integrity: { code: 'MLSHIP_E_INTEGRITY', exitCode: ExitCode.runtime, meaning: 'Bytes do not match their digest or size: a stored blob, a download, a file being stored.' },
  lockTimeout: { code: 'MLSHIP_E_LOCK_TIMEOUT', exitCode: ExitCode.runtime, meaning: 'The registry lock was not acquired in time: another process holds it.' },
  config: { code: 'MLSHIP_E_CONFIG', exitCode: ExitCode.usage, meaning: 'A configuration that does not fit: preprocessing or export settings that break their rules or do not match the model.' },
  io: { code: 'MLSHIP_E_IO', exitCode: ExitCode.runtime, meaning: 'A file-system failure: permission denied, a read-only file system, no space left on the device.' },
  unsafeArchive: { code: 'MLSHIP_E_ARCHIVE_UNSAFE', exitCode: ExitCode.usage, meaning: 'An archive or remote names an unsafe or invalid entry (a path out of its folder, a link, a bad name or size) and is refused.' },
  conflict: { code: 'MLSHIP_E_CONFLICT', exitCode: [ExitCode.usage, ExitCode.runtime], meaning: 'A version that cannot be written: a ref that exists with other content, one ref twice in a source, a name past the highest version (exit 2); a blob a concurrent `registry gc` removed before the commit (exit 3).' },
  remote: { code: 'MLSHIP_E_REMOTE', exitCode: ExitCode.runtime, meaning: 'An OCI registry could not be reached or answered with an error.' },
  remoteAuth: { code: 'MLSHIP_E_REMOTE_AUTH', exitCode: ExitCode.usage, meaning: 'An OCI registry refused the credentials, or none were found for it.' },
  checkFailed: { code: 'MLSHIP_E_CHECK_FAILED', exitCode: ExitCode.checkFailed, meaning: 'A check failed and nothing was stored (`data register` of data that fails its schema).' },
  internal: { code: 'MLSHIP_E_INTERNAL', exitCode: ExitCode.runtime, meaning: 'A bug: an error mlship did not expect. Rerun with `--verbose` for the stack trace.' },
  notBuilt: { code: 'MLSHIP_E_NOT_BUILT', exitCode: ExitCode.runtime, meaning: '`bin/mlship` found no CLI bundle: this checkout was not built (`pnpm install && pnpm run build`).' },
});

/** A usage error (`MLSHIP_E_USAGE`, exit 2): a bad flag, argument or option value that the user can fix. */
export function usageError(message: string, hint?: string): MlshipError {
  return new MlshipError(ErrorCode.usage, message, { hint, exitCode: ExitCode.usage });
}

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
