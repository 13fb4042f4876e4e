/**
 * Writes test tables as real files in the three formats mlship reads: CSV as pandas writes it
 * (True/False, empty for missing, RFC 4180 quoting), JSON Lines with JSON types, and Parquet with a
 * type per column (hyparquet-writer).
 */
import { writeFile } from 'node:fs/promises';

export type TableFileFormat = 'csv' | 'jsonl' | 'parquet';
export type ParquetColumnType = 'STRING' | 'DOUBLE' | 'INT64' | 'BOOLEAN' | 'TIMESTAMP';

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Parquet's values for a column: INT64 as bigint, TIMESTAMP from ISO dates, the rest as they are. */
function parquetValues(values: unknown[], type: ParquetColumnType): unknown[] {
  if (type === 'INT64') return values.map((value) => (value === null ? null : BigInt(value as number)));
  if (type === 'TIMESTAMP') return values.map((value) => (value === null ? null : new Date(String(value).length <= 10 ? `${String(value)}T00:00:00Z` : String(value))));
  return values;
}

/** Writes `rows` (objects with the `columns` keys) to `path` in `format`; `parquet` gives each column's Parquet type. */
export async function writeTableFile<Row extends object>(
  path: string,
  format: TableFileFormat,
  table: { columns: ReadonlyArray<keyof Row & string>; rows: readonly Row[]; parquet: Readonly<Record<keyof Row & string, ParquetColumnType>> },
): Promise<void> {
  const { columns, rows } = table;
  if (format === 'csv') {
    await writeFile(path, `${columns.join(',')}\n${rows.map((row) => columns.map((name) => csvField(row[name])).join(',')).join('\n')}\n`);
  } else if (format === 'jsonl') {
    await writeFile(path, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
  } else {
    const { parquetWriteFile } = await import('hyparquet-writer');
    parquetWriteFile({
      filename: path,
      columnData: columns.map((name) => ({ name, data: parquetValues(rows.map((row) => row[name]), table.parquet[name]) as never, type: table.parquet[name] })),
    });
  }
}
