import { ErrorCode, ExitCode, MlshipError, PiiMasker, PII_KINDS, type PiiCounts } from '@mlship/core';
import type { RawCell } from './values.js';
import { cellText, isMissing, parseTyped } from './values.js';
import type { ColumnSchema, ColumnType, DataSchema } from './types.js';
import { hashRow } from '../readers/row-hash.js';

/**
 * A text column is inferred as a category when it has at most MAX_CATEGORIES distinct values and every
 * one of them is seen at least MIN_CATEGORY_COUNT times; otherwise it is `string` with length bounds.
 * A value seen once or twice is more likely a name, an identifier or free text than a category, and a
 * category list would copy it into the schema. The label column needs only the first condition.
 */
const MAX_CATEGORIES = 50;
const MIN_CATEGORY_COUNT = 3;
/** A label of integers with at most this many distinct values, and at most one per two rows, holds classes (the train package's rule too). */
const MAX_INTEGER_CLASSES = 20;
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
  /** Personal data found: values are searched once each through `distinct`, or one by one once it overflowed. */
  pii: PiiMasker;
  minLength: number;
  maxLength: number;
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
    pii: new PiiMasker(),
    minLength: Number.POSITIVE_INFINITY,
    maxLength: 0,
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
  const text = cellText(cell);
  if (text.length < state.minLength) state.minLength = text.length;
  if (text.length > state.maxLength) state.maxLength = text.length;
  if (state.distinct) {
    state.distinct.set(text, (state.distinct.get(text) ?? 0) + 1);
    if (state.distinct.size > DISTINCT_CAP) {
      searchPii(state.pii, state.distinct);
      state.distinct = undefined;
    }
  } else {
    state.pii.mask(text);
  }
}

function searchPii(masker: PiiMasker, counts: Map<string, number>): void {
  for (const [text, count] of counts) masker.mask(text, count);
}

function decideType(state: ColumnState, isLabel: boolean, personal: boolean): ColumnType {
  const few = !personal && state.distinct !== undefined && state.distinct.size <= MAX_CATEGORIES && state.distinct.size > 0;
  const repeats = few && Math.min(...state.distinct!.values()) >= MIN_CATEGORY_COUNT;
  if (state.values === 0) return 'string';
  if (state.could.boolean) return 'boolean';
  // A numeric label is a class label only when it holds few distinct integers (as training infers the task).
  const integerClasses = state.could.integer && state.distinct!.size <= MAX_INTEGER_CLASSES && state.distinct!.size <= state.values / 2;
  const numericLabel = state.could.number && !integerClasses;
  if (isLabel && few && !numericLabel) return 'category';
  if (state.could.integer) return 'integer';
  if (state.could.number) return 'number';
  if (state.could.datetime) return 'datetime';
  return few && repeats ? 'category' : 'string';
}

const roundUp = (value: number, digits = 4) => Math.max(0, Math.ceil(value * 10 ** digits - 1e-9) / 10 ** digits);
const roundDown = (value: number, digits = 4) => Math.floor(value * 10 ** digits + 1e-9) / 10 ** digits;

export interface InferOptions {
  label?: string;
  /**
   * Widen the observed bounds by this fraction (0.1 = 10%), so data like it but not it (a test split,
   * next week's file) still validates: numeric and datetime ranges by this share of their width on
   * each side (integers outward to whole numbers), string lengths by this share of themselves,
   * the largest null and duplicate shares up by it, the smallest class share down by it.
   */
  margin?: number;
  /** Record the row-count range (default true): half to twice the observed count. */
  rowCount?: boolean;
}

export interface InferredSchema {
  schema: DataSchema;
  rows: number;
  duplicateRows: number;
  /** Columns holding personal data, with counts by kind (the values themselves are never kept). */
  pii: Record<string, PiiCounts>;
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

  const margin = checkMargin(options.margin);
  const schemaColumns: Record<string, ColumnSchema> = Object.create(null);
  const piiCounts: Record<string, PiiCounts> = Object.create(null);
  for (const name of columns) {
    const state = states.get(name)!;
    if (state.distinct) searchPii(state.pii, state.distinct);
    const pii = PII_KINDS.filter((kind) => (state.pii.counts[kind] ?? 0) > 0);
    const personal = pii.length > 0;
    const type = decideType(state, name === options.label, personal);
    const column: ColumnSchema = { type };
    if (personal) {
      column.pii = pii;
      piiCounts[name] = state.pii.counts;
    }
    if (state.nulls === 0) column.nullable = false;
    else column.maxNullFraction = Math.min(1, roundUp((state.nulls / Math.max(1, rows)) * (1 + margin)));
    if (type === 'string' && state.values > 0) {
      column.minLength = Math.floor(state.minLength * (1 - margin));
      column.maxLength = Math.ceil(state.maxLength * (1 + margin));
    }
    // Bounds and categories would be values of the column: none for a column holding personal data.
    if (!personal && (type === 'integer' || type === 'number') && state.values > 0) {
      const widen = (state.max - state.min) * margin;
      column.min = type === 'integer' ? Math.floor(state.min - widen) : state.min - widen;
      column.max = type === 'integer' ? Math.ceil(state.max + widen) : state.max + widen;
    }
    if (!personal && type === 'datetime' && state.minText !== undefined && state.maxText !== undefined) {
      [column.min, column.max] = margin > 0 ? widenDates(state.minText, state.maxText, margin) : [state.minText, state.maxText];
    }
    if (!personal && type === 'category' && state.distinct) {
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
      ...(options.rowCount === false ? {} : { rows: { min: Math.floor(rows / 2), max: rows * 2 } }),
      maxDuplicateFraction: Math.min(1, roundUp((duplicateRows / Math.max(1, rows)) * (1 + margin))),
    },
    columns: schemaColumns,
  };
  if (options.label !== undefined) {
    const counts = states.get(options.label)!.distinct;
    schema.dataset!.label = options.label;
    // Class balance is a classification check: a numeric (regression) label has no classes.
    const classes = ['category', 'boolean'].includes(schemaColumns[options.label]!.type);
    if (classes && counts && counts.size > 0) schema.dataset!.minClassFraction = roundDown((Math.min(...counts.values()) / Math.max(1, rows)) * (1 - margin));
  }
  return { schema, rows, duplicateRows, pii: piiCounts };
}

function checkMargin(margin: number | undefined): number {
  if (margin === undefined) return 0;
  if (!Number.isFinite(margin) || margin < 0 || margin > 10) {
    throw new MlshipError(ErrorCode.usage, `margin must be a fraction from 0 to 10, got ${margin}`, { hint: 'e.g. 0.1 widens the bounds by 10%', exitCode: ExitCode.usage });
  }
  return margin;
}

/** A datetime range widened by `margin` of its span on each side, in the text form of the observed bounds (date or date-time). */
function widenDates(minText: string, maxText: string, margin: number): [string, string] {
  const min = Date.parse(minText);
  const max = Date.parse(maxText);
  const widen = (max - min) * margin;
  const asText = (ms: number, like: string) => (like.length <= 10 ? new Date(ms).toISOString().slice(0, 10) : new Date(ms).toISOString());
  return [asText(Math.floor(min - widen), minText), asText(Math.ceil(max + widen), maxText)];
}
