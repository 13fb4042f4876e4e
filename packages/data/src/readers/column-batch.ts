/**
 * Column batches: what validation and profiling read, one column at a time, so numeric columns arrive as
 * numbers parsed once (from the bytes, for CSV) instead of a string per cell.
 */
import { isMissing, parseTyped } from '../schema/values.js';
import type { Cell, RowBatch } from './types.js';

/**
 * How a column is read: `number` and `integer` parse every cell (what does not parse is kept as an invalid
 * cell); `cells` keeps the reader's cells; `auto` reads numbers until a batch is mostly not numbers, then
 * cells from the next batch on.
 */
export type ColumnMode = 'number' | 'integer' | 'cells' | 'auto';

/**
 * A column of a batch. `numbers`: `values[i]` is the number in row i, NaN where the cell is missing or
 * invalid; `invalid` holds the cells that are neither (row index → cell), which a validator reports as type
 * errors and a profiler counts as text. `cells`: the cells as the reader gives them (CSV: text, empty → null).
 */
export type ColumnData = { kind: 'numbers'; values: Float64Array; invalid: Map<number, Cell> } | { kind: 'cells'; values: Cell[] };

export interface ColumnBatch {
  columns: string[];
  length: number;
  /** Where each row starts: the 1-based line (CSV, JSONL) or row number (Parquet). */
  lines: Float64Array;
  /** 53-bit hash of each row's cells (see `hashRow`), for duplicate and leakage checks. */
  hashes: Float64Array;
  data: ColumnData[];
}

/** Options of the column readers: a mode per column name, `defaultMode` (default `auto`) for the rest. */
export interface ColumnReadOptions {
  modes?: Readonly<Record<string, ColumnMode>>;
  defaultMode?: ColumnMode;
}

/** The number in a cell for a numeric column: a number, `null` when missing, `undefined` when invalid. */
export function numberOfCell(cell: Cell, integer: boolean): number | null | undefined {
  if (cell === null || isMissing(cell)) return null;
  const value = parseTyped(cell, integer ? 'integer' : 'number');
  return typeof value === 'number' ? value : undefined;
}

/** Past this share of invalid cells in a batch, an `auto` column is read as cells from then on. */
const AUTO_CELLS_SHARE = 0.5;

/** Tracks each column's current way of reading; `auto` columns may turn to `cells` between batches. */
export class ColumnModes {
  private readonly current: Array<'number' | 'integer' | 'cells'>;
  private readonly adaptive: boolean[];

  constructor(columns: readonly string[], { modes = {}, defaultMode = 'auto' }: ColumnReadOptions = {}) {
    const requested = columns.map((name) => (Object.hasOwn(modes, name) ? modes[name]! : defaultMode));
    this.current = requested.map((mode) => (mode === 'auto' ? 'number' : mode));
    this.adaptive = requested.map((mode) => mode === 'auto');
  }

  mode(column: number): 'number' | 'integer' | 'cells' {
    return this.current[column] ?? 'cells';
  }

  /** After a batch: `auto` columns whose cells were mostly not numbers are read as cells from now on. */
  settle(batch: ColumnBatch): void {
    batch.data.forEach((data, column) => {
      if (this.adaptive[column] && data.kind === 'numbers' && data.invalid.size > AUTO_CELLS_SHARE * batch.length) this.current[column] = 'cells';
    });
  }
}

/** A row batch (JSONL, Parquet) as a column batch read with `modes`. */
export function columnsOfRows(batch: RowBatch, modes: ColumnModes, hashRow: (row: readonly Cell[]) => number): ColumnBatch {
  const length = batch.rows.length;
  const data = batch.columns.map((_, column): ColumnData => {
    const mode = modes.mode(column);
    if (mode === 'cells') return { kind: 'cells', values: batch.rows.map((row) => row[column] ?? null) };
    const values = new Float64Array(length);
    const invalid = new Map<number, Cell>();
    const integer = mode === 'integer';
    for (let row = 0; row < length; row += 1) {
      const cell = batch.rows[row]![column] ?? null;
      const value = numberOfCell(cell, integer);
      if (typeof value === 'number') values[row] = value;
      else {
        values[row] = NaN;
        if (value === undefined) invalid.set(row, cell);
      }
    }
    return { kind: 'numbers', values, invalid };
  });
  const hashes = new Float64Array(length);
  batch.rows.forEach((row, i) => (hashes[i] = hashRow(row)));
  return { columns: batch.columns, length, lines: Float64Array.from(batch.lines), hashes, data };
}

/** The cell of a column batch at `row`: numbers come back as numbers, missing as null. */
export function cellAt(data: ColumnData, row: number): Cell {
  if (data.kind === 'cells') return data.values[row] ?? null;
  const value = data.values[row]!;
  if (!Number.isNaN(value)) return value;
  return data.invalid.get(row) ?? null;
}
