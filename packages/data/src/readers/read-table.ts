import { usageError } from '@mlship/core';
import { columnsOfRows, ColumnModes, type ColumnBatch, type ColumnReadOptions } from './column-batch.js';
import { readCsv, readCsvColumns, readCsvHeader } from './csv-reader.js';
import { checkDelimiter, readFirstLine, sniffDelimiter } from './delimiter.js';
import { emptyError } from './errors.js';
import { probeFile } from './file-source.js';
import { readJsonl, readJsonlKeys } from './jsonl-reader.js';
import { readParquet, readParquetInfo } from './parquet-reader.js';
import { hashRow } from './row-hash.js';
import { formatExtension, resolveFormat } from './table-format.js';
import type { ReadTableOptions, RowBatch, TableFormat, TableInfo } from './types.js';

export const DEFAULT_BATCH_SIZE = 10_000;
export const DEFAULT_MAX_FIELD_BYTES = 64 * 1024 * 1024;

interface ReadPlan {
  format: TableFormat;
  compressed: boolean;
  delimiter: string;
  batchSize: number;
  maxFieldBytes: number;
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw usageError(`${name} must be a positive integer, got ${value}`, `leave ${name} out to use ${fallback}`);
  return value;
}

/** Checks the options and the file, and settles format, compression and delimiter before any parsing. */
async function planRead(file: string, options: ReadTableOptions): Promise<ReadPlan> {
  const batchSize = positiveInteger(options.batchSize, DEFAULT_BATCH_SIZE, 'batchSize');
  const maxFieldBytes = positiveInteger(options.maxFieldBytes, DEFAULT_MAX_FIELD_BYTES, 'maxFieldBytes');
  const requested = options.delimiter === undefined || options.delimiter === 'auto' ? options.delimiter : checkDelimiter(options.delimiter);
  const probe = await probeFile(file);
  if (probe.size === 0) throw emptyError(file, 'the file is empty (0 bytes)');
  const format = resolveFormat(file, probe, options.format);
  let delimiter = requested ?? (formatExtension(file) === 'tsv' ? '\t' : ',');
  if (format === 'csv' && delimiter === 'auto') delimiter = sniffDelimiter(await readFirstLine(file, probe.compressed));
  return { format, compressed: probe.compressed, delimiter, batchSize, maxFieldBytes };
}

/**
 * Reads a CSV, JSON Lines or Parquet file (plain or gzip-compressed) as batches of rows, with memory bounded
 * by the batch size and `maxFieldBytes` (for Parquet, by the largest row group) whatever the file size.
 *
 * CSV cells are text (empty → null); a JSONL batch lists the keys seen up to its last row, so later batches
 * may have more columns; Parquet values keep their types (see types.ts).
 *
 * Bad input is a coded error with exit code 2 that names the file and line (see DataErrorCode): a zero-byte
 * or blank file is MLSHIP_E_DATA_EMPTY, but a header with no rows is not an error: it yields nothing; wrap
 * the batches in `assertHasRows` to refuse it.
 */
export async function* readTable(file: string, options: ReadTableOptions = {}): AsyncGenerator<RowBatch> {
  const plan = await planRead(file, options);
  if (plan.format === 'parquet') yield* readParquet(file, plan);
  else if (plan.format === 'jsonl') yield* readJsonl(file, plan);
  else yield* readCsv(file, plan);
}

function pickColumnOptions({ modes, defaultMode }: ColumnReadOptions): ColumnReadOptions {
  return { ...(modes ? { modes } : {}), ...(defaultMode ? { defaultMode } : {}) };
}

/**
 * `readTable` as column batches (see column-batch.ts): CSV numeric columns are parsed straight from the
 * bytes; JSONL and Parquet rows are turned into columns. What validation and profiling read.
 */
export async function* readColumns(file: string, options: ReadTableOptions & ColumnReadOptions = {}): AsyncGenerator<ColumnBatch> {
  const plan = await planRead(file, options);
  if (plan.format === 'csv') {
    yield* readCsvColumns(file, { ...plan, ...pickColumnOptions(options) });
    return;
  }
  let modes: ColumnModes | undefined;
  let columns: string[] | undefined;
  const rows = plan.format === 'parquet' ? readParquet(file, plan) : readJsonl(file, plan);
  for await (const batch of rows) {
    // JSONL batches may gain columns; the modes follow the newest column list.
    if (batch.columns !== columns) {
      modes = new ColumnModes(batch.columns, options);
      columns = batch.columns;
    }
    const columnBatch = columnsOfRows(batch, modes!, hashRow);
    modes!.settle(columnBatch);
    yield columnBatch;
  }
}

/**
 * Format, compression and columns, cheaply: CSV reads only its header record, JSONL its first object (later
 * lines may add keys), Parquet its footer.
 */
export async function inspectTable(file: string, options: ReadTableOptions = {}): Promise<TableInfo> {
  const plan = await planRead(file, options);
  const info = { format: plan.format, compressed: plan.compressed };
  if (plan.format === 'parquet') return { ...info, ...(await readParquetInfo(file)) };
  if (plan.format === 'jsonl') return { ...info, columns: await readJsonlKeys(file, plan) };
  return { ...info, columns: await readCsvHeader(file, plan), delimiter: plan.delimiter };
}

/**
 * Passes batches through, then fails with MLSHIP_E_DATA_EMPTY (exit 2) if none held a row: for callers that
 * refuse a file with a header but no data, as `readTable` itself does not.
 */
export async function* assertHasRows(batches: AsyncIterable<RowBatch>, file: string): AsyncGenerator<RowBatch> {
  let rows = 0;
  for await (const batch of batches) {
    rows += batch.rows.length;
    yield batch;
  }
  if (rows === 0) throw noRowsError(file);
}

/** `readColumns` that refuses a table without rows (MLSHIP_E_DATA_EMPTY), as `readRows` does. */
export async function* readColumnsWithRows(file: string, options: ReadTableOptions & ColumnReadOptions = {}): AsyncGenerator<ColumnBatch> {
  let rows = 0;
  for await (const batch of readColumns(file, options)) {
    rows += batch.length;
    yield batch;
  }
  if (rows === 0) throw noRowsError(file);
}

function noRowsError(file: string) {
  return emptyError(file, 'a header but no data rows', 'check the step that wrote the file; an empty table cannot be validated or trained on');
}

/** `readTable` that refuses a table without rows (MLSHIP_E_DATA_EMPTY): what every data command reads through. */
export function readRows(file: string, options: ReadTableOptions = {}): AsyncGenerator<RowBatch> {
  return assertHasRows(readTable(file, options), file);
}
