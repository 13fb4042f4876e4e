/**
 * A small mixed-type customer table (numbers and a category with missing values, a True/False
 * boolean, an ISO date, a text id, a yes/no label missing in a few rows) as each reader of
 * @mlship/data yields it: CSV cells are text (empty → null), JSON Lines keep JSON types, Parquet
 * keeps its types (BOOLEAN as booleans, TIMESTAMP as ISO text with milliseconds). The CLI's
 * end-to-end tests write the same table as real files (@mlship/test-utils' `writeMixedTable`), whose rows this reads.
 */
import type { Cell } from '@mlship/data';
import { MIXED_TABLE_COLUMNS, mixedTableRows, type MixedTableRow } from '@mlship/test-utils';
import type { Table } from '../src/dataset/load-table.js';

export const MIXED_COLUMNS = [...MIXED_TABLE_COLUMNS];

type Row = MixedTableRow;

/** The table as the reader of `format` gives it. */
export function mixedTable(format: 'csv' | 'jsonl' | 'parquet', rows = 120): Table {
  const data = mixedTableRows(rows);
  const cell = (row: Row, name: string): Cell => {
    const value = row[name as keyof Row];
    if (value === null) return null;
    if (format === 'csv') return typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value);
    if (format === 'parquet' && name === 'joined') return `${value as string}T00:00:00.000Z`;
    return value;
  };
  return { columns: [...MIXED_COLUMNS], rows: data.map((row) => MIXED_COLUMNS.map((name) => cell(row, name))), lines: data.map((_, i) => i + 2) };
}
