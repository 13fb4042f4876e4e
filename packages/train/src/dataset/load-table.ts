/** A whole table in memory, for training: columns and rows of cells as @mlship/data's readers yield them. */
import { readRows, type Cell, type ReadTableOptions } from '@mlship/data';

export interface Table {
  /** Every column seen, in first-seen order. */
  columns: string[];
  /** One cell per column (CSV cells are text; a missing cell is null). */
  rows: Cell[][];
  /** Where each row starts in the file (1-based line, or row for Parquet), for error messages. */
  lines: number[];
}

/**
 * Reads a CSV, JSON Lines or Parquet file (see `readRows`; an empty table is MLSHIP_E_DATA_EMPTY).
 * JSON Lines may add keys on later lines: earlier rows get null for them.
 */
export async function loadTable(file: string, options: ReadTableOptions = {}): Promise<Table> {
  const columns: string[] = [];
  const position = new Map<string, number>();
  const rows: Cell[][] = [];
  const lines: number[] = [];
  for await (const batch of readRows(file, options)) {
    for (const name of batch.columns) {
      if (!position.has(name)) {
        position.set(name, columns.length);
        columns.push(name);
      }
    }
    const inOrder = batch.columns.every((name, i) => position.get(name) === i);
    for (const row of batch.rows) {
      if (inOrder) {
        rows.push(row);
      } else {
        const placed = new Array<Cell>(columns.length).fill(null);
        batch.columns.forEach((name, i) => (placed[position.get(name)!] = row[i] ?? null));
        rows.push(placed);
      }
    }
    for (const line of batch.lines) lines.push(line);
  }
  return { columns, rows, lines };
}

/** The cells of one column (null where a row is shorter than the table). */
export function columnCells(table: Table, index: number, rows: ArrayLike<number> | undefined = undefined): Cell[] {
  if (rows === undefined) return table.rows.map((row) => row[index] ?? null);
  return Array.from({ length: rows.length }, (_, i) => table.rows[rows[i]!]![index] ?? null);
}
