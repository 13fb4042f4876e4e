/** Reader batches as profiles take them: numeric text becomes numbers, missing cells null. */
import type { ColumnarTableBatch, ColumnValue, TableBatch } from './profile/index.js';
import type { ColumnBatch, RowBatch } from './readers/index.js';
import { coerceCell } from './schema/values.js';

/** A reader batch as profiles take it: numeric text becomes numbers, so numeric columns get moments and sketches. */
export function toProfileBatch(batch: RowBatch): TableBatch {
  return { columns: batch.columns, rows: batch.rows.map((row) => row.map(coerceCell)) };
}

/** A column batch as profiles take it, as `toProfileBatch` does for rows: numeric text is numbers, the rest as `coerceCell` makes it. */
export function toProfileColumns(batch: Pick<ColumnBatch, 'columns' | 'length' | 'data'>): ColumnarTableBatch {
  const data = batch.data.map((column) => {
    if (column.kind === 'cells') return { kind: 'values' as const, values: column.values.map(coerceCell) };
    const others = new Map<number, ColumnValue>();
    for (const [row, cell] of column.invalid) others.set(row, coerceCell(cell));
    return { kind: 'numbers' as const, values: column.values, others };
  });
  return { columns: batch.columns, length: batch.length, data };
}

