import { ErrorCode, ExitCode, MlshipError } from '@mlship/core';
import type { RawCell } from './values.js';
import { cellText, isMissing, parseTyped } from './values.js';
import type { ColumnSchema, ColumnType, DataSchema } from './types.js';
import { hashRow } from '../readers/row-hash.js';

/** Columns with at most this many distinct text values (and repeats) are inferred as categories. */
const MAX_CATEGORIES = 50;
/** Distinct values tracked exactly per column; beyond this a column is neither a category nor checked unique. */
const DISTINCT_CAP = 100_000;

interface ColumnState {
  nulls: number;
  values: number;
  could: Record<'boolean' | 'integer' | 'number' | 'datetime', boolean>;
  min: number;
  max: number;
  minText: string | undefined;
  maxText: string | undefined;
  distinct: Map<string, number> | undefined;
}

function newState(): ColumnState {
  return {
    nulls: 0,
    values: 0,
    could: { boolean: true, integer: true, number: true, datetime: true },
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    minText: undefined,
    maxText: undefined,
    distinct: new Map(),
  };
}

function observe(state: ColumnState, cell: RawCell): void {
  if (isMissing(cell)) {
    state.nulls += 1;
    return;
  }
  const value = cell as Exclude<RawCell, null>;
  state.values += 1;
  if (state.could.boolean && parseTyped(value, 'boolean') === undefined) state.could.boolean = false;
  if (state.could.integer && parseTyped(value, 'integer') === undefined) state.could.integer = false;
  if (state.could.number) {
    const number = parseTyped(value, 'number') as number | undefined;
    if (number === undefined) state.could.number = false;
    else {
      if (number < state.min) state.min = number;
      if (number > state.max) state.max = number;
    }
  }
  if (state.could.datetime) {
    const time = parseTyped(value, 'datetime');
    if (time === undefined) state.could.datetime = false;
    else {
      const text = String(value).trim();
      if (state.minText === undefined || text < state.minText) state.minText = text;
      if (state.maxText === undefined || text > state.maxText) state.maxText = text;
    }
  }
  if (state.distinct) {
    const text = cellText(cell);
    state.distinct.set(text, (state.distinct.get(text) ?? 0) + 1);
    if (state.distinct.size > DISTINCT_CAP) state.distinct = undefined;
  }
}

function decideType(state: ColumnState, isLabel: boolean): ColumnType {
  const few = state.distinct !== undefined && state.distinct.size <= MAX_CATEGORIES && state.distinct.size > 0;
  const repeats = state.distinct !== undefined && state.distinct.size <= state.values / 2;
  if (state.values === 0) return 'string';
  if (state.could.boolean) return 'boolean';
  if (isLabel && few) return 'category';
  if (state.could.integer) return 'integer';
  if (state.could.number) return 'number';
  if (state.could.datetime) return 'datetime';
  return few && repeats ? 'category' : 'string';
}

const roundUp = (value: number, digits = 4) => Math.max(0, Math.ceil(value * 10 ** digits - 1e-9) / 10 ** digits);
const roundDown = (value: number, digits = 4) => Math.floor(value * 10 ** digits + 1e-9) / 10 ** digits;

export interface InferOptions {
  label?: string;
}

export interface InferredSchema {
  schema: DataSchema;
  rows: number;
  duplicateRows: number;
}

/**
 * Infers a schema from batches of rows. Bounds are the observed ones, so the data it was inferred from
 * validates cleanly; the row-count range is half to twice the observed count. Edit the file to tighten it.
 */
export async function inferSchema(
  batches: AsyncIterable<{ columns: string[]; rows: RawCell[][] }>,
  options: InferOptions = {},
): Promise<InferredSchema> {
  let columns: string[] = [];
  const states = new Map<string, ColumnState>();
  const seenRows = new Set<number>();
  let rows = 0;
  let duplicateRows = 0;
  for await (const batch of batches) {
    columns = batch.columns;
    for (const name of batch.columns) if (!states.has(name)) states.set(name, newState());
    const ordered = batch.columns.map((name) => states.get(name)!);
    for (const row of batch.rows) {
      rows += 1;
      const hash = hashRow(row);
      if (seenRows.has(hash)) duplicateRows += 1;
      else seenRows.add(hash);
      ordered.forEach((state, position) => observe(state, row[position] ?? null));
    }
  }
  if (options.label !== undefined && !states.has(options.label)) {
    throw new MlshipError(ErrorCode.usage, `no column "${options.label}" to use as the label`, {
      hint: `columns: ${columns.join(', ')}`,
      exitCode: ExitCode.usage,
    });
  }

  const schemaColumns: Record<string, ColumnSchema> = {};
  for (const name of columns) {
    const state = states.get(name)!;
    const type = decideType(state, name === options.label);
    const column: ColumnSchema = { type };
    if (state.nulls === 0) column.nullable = false;
    else column.maxNullFraction = roundUp(state.nulls / Math.max(1, rows));
    if ((type === 'integer' || type === 'number') && state.values > 0) {
      column.min = state.min;
      column.max = state.max;
    }
    if (type === 'datetime' && state.minText !== undefined && state.maxText !== undefined) {
      column.min = state.minText;
      column.max = state.maxText;
    }
    if (type === 'category' && state.distinct) {
      const values = [...state.distinct.keys()].sort();
      column.categories = state.could.integer ? values.map(Number).sort((a, b) => a - b) : values;
    }
    if ((type === 'integer' || type === 'string') && state.distinct && state.distinct.size === state.values && state.values >= 10) {
      column.unique = true;
    }
    schemaColumns[name] = column;
  }

  const schema: DataSchema = {
    version: 1,
    dataset: {
      rows: { min: Math.floor(rows / 2), max: rows * 2 },
      maxDuplicateFraction: roundUp(duplicateRows / Math.max(1, rows)),
    },
    columns: schemaColumns,
  };
  if (options.label !== undefined) {
    const counts = states.get(options.label)!.distinct;
    schema.dataset!.label = options.label;
    if (counts && counts.size > 0) schema.dataset!.minClassFraction = roundDown(Math.min(...counts.values()) / Math.max(1, rows));
  }
  return { schema, rows, duplicateRows };
}
