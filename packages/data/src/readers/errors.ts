import { errorCodes, ExitCode, MlshipError } from '@mlship/core';

/** Codes of the table readers; all are input errors (exit code 2). */
export const DataErrorCode = errorCodes({
  invalid: { code: 'MLSHIP_E_DATA_INVALID', exitCode: ExitCode.usage, meaning: 'The data file does not parse: bad quoting, ragged rows, invalid UTF-8, malformed JSON, a corrupt Parquet or gzip file.' },
  empty: { code: 'MLSHIP_E_DATA_EMPTY', exitCode: ExitCode.usage, meaning: 'The data file holds no table at all (zero bytes, or nothing but blank lines).' },
  unsupported: { code: 'MLSHIP_E_DATA_UNSUPPORTED', exitCode: ExitCode.usage, meaning: 'A well-formed file the readers cannot read: zip, zstd, bzip2 or xz input; gzip-wrapped Parquet; a Parquet codec not supported.' },
});

const DEFAULT_HINT = 'fix the file, or check its format and --delimiter';

/** Where in the file: a 1-based line (CSV, JSONL) or row (Parquet). */
export type Position = { line: number } | { row: number } | undefined;

function located(file: string, at: Position): string {
  if (at === undefined) return file;
  return 'line' in at ? `${file}: line ${at.line}` : `${file}: row ${at.row}`;
}

/** A coded input error naming the file and, when known, the line or row. */
export function invalidDataError(file: string, at: Position, why: string, hint = DEFAULT_HINT): MlshipError {
  return new MlshipError(DataErrorCode.invalid, `${located(file, at)}: ${why}`, {
    hint,
    exitCode: ExitCode.usage,
    details: { file, ...at },
  });
}

export function emptyError(file: string, why: string, hint = 'check that the path names the data file you meant'): MlshipError {
  return new MlshipError(DataErrorCode.empty, `${file}: ${why}`, {
    hint,
    exitCode: ExitCode.usage,
    details: { file },
  });
}

export function unsupportedError(file: string, why: string, hint: string): MlshipError {
  return new MlshipError(DataErrorCode.unsupported, `${file}: ${why}`, { hint, exitCode: ExitCode.usage, details: { file } });
}
