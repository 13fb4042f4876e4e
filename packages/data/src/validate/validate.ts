import { ExitCode, MlshipError } from '@mlship/core';
import { ColumnModes, columnsOfRows, type ColumnBatch, type ColumnData, type ColumnMode } from '../readers/column-batch.js';
import { hashRow } from '../readers/row-hash.js';
import { columnSchemaOf, type ColumnSchema, type DataSchema } from '../schema/types.js';
import { cellText, isMissing, parseTyped, type RawCell } from '../schema/values.js';
import { describePiiKind, PiiMasker, type PiiKind } from '@mlship/core';
import { DuplicateRows, type DuplicateRowsOptions } from './duplicate-rows.js';
import { RowHashSet } from './row-hash-set.js';

export type CheckStatus = 'pass' | 'fail';
export type Severity = 'error' | 'warning';

/** One check of a validation report; `lines` holds the first offending line numbers, never values. */
export interface CheckResult {
  check: string;
  column: string | null;
  status: CheckStatus;
  severity: Severity;
  count: number;
  lines: number[];
  message: string;
}

export interface ValidationReport {
  rows: number;
  columns: string[];
  /** False when an error-level check failed. */
  ok: boolean;
  errors: number;
  warnings: number;
  checks: CheckResult[];
}

export interface Batch {
  columns: string[];
  rows: RawCell[][];
  lines: number[];
}

/** How many offending line numbers each check keeps. */
const MAX_LINES = 5;

class Tally {
  count = 0;
  lines: number[] = [];
  hit(line: number): void {
    this.count += 1;
    if (this.lines.length < MAX_LINES) this.lines.push(line);
  }
}

interface ColumnCheckers {
  name: string;
  schema: ColumnSchema;
  type: Tally;
  nulls: Tally;
  range: Tally;
  category: Tally;
  pattern: Tally;
  unique: Tally;
  length: Tally;
  seen: Set<string> | undefined;
  categories: Set<string> | undefined;
  regex: RegExp | undefined;
  bounds: { min: number | undefined; max: number | undefined };
  /** For columns read as numbers: the categories that are numbers, and the values seen (unique). */
  numberCategories: Set<number> | undefined;
  numbersSeen: Set<number> | undefined;
}

function schemaError(message: string): MlshipError {
  return new MlshipError('MLSHIP_E_SCHEMA_INVALID', message, { hint: 'fix the schema file (see packages/data/schemas/data-schema.schema.json)', exitCode: ExitCode.usage });
}

function boundOf(value: number | string | undefined, schema: ColumnSchema, column: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  const parsed = schema.type === 'datetime' ? Date.parse(value) : Number(value);
  if (Number.isNaN(parsed)) throw schemaError(`column "${column}": bound "${value}" is not a ${schema.type}`);
  return parsed;
}

function checkersFor(name: string, schema: ColumnSchema): ColumnCheckers {
  let regex: RegExp | undefined;
  if (schema.pattern !== undefined) {
    try {
      regex = new RegExp(`^(?:${schema.pattern})$`, 'u');
    } catch (error) {
      throw schemaError(`column "${name}": pattern is not a valid regular expression (${(error as Error).message})`);
    }
  }
  return {
    name,
    schema,
    type: new Tally(),
    nulls: new Tally(),
    range: new Tally(),
    category: new Tally(),
    pattern: new Tally(),
    unique: new Tally(),
    length: new Tally(),
    seen: schema.unique ? new Set() : undefined,
    categories: schema.categories ? new Set(schema.categories.map(String)) : undefined,
    regex,
    bounds: { min: boundOf(schema.min, schema, name), max: boundOf(schema.max, schema, name) },
    numberCategories: schema.categories ? new Set(schema.categories.map(Number).filter(Number.isFinite)) : undefined,
    numbersSeen: schema.unique ? new Set() : undefined,
  };
}

/**
 * How validation reads each schema column: number and integer columns as numbers (parsed once, checked
 * without text), unless a pattern needs their text; the rest as cells.
 */
export function validationModes(schema: DataSchema): Record<string, ColumnMode> {
  return Object.fromEntries(
    Object.entries(schema.columns).map(([name, column]) => [name, (column.type === 'number' || column.type === 'integer') && column.pattern === undefined ? column.type : 'cells']),
  );
}

/** Checks a column read as numbers: NaN is missing unless the cell is in `invalid` (a type error). */
function checkNumbers(checkers: ColumnCheckers, data: Extract<ColumnData, { kind: 'numbers' }>, lines: Float64Array, onInvalid: (cell: RawCell) => void, onBigNumber: (value: number) => void): void {
  const { values, invalid } = data;
  const min = checkers.bounds.min ?? -Infinity;
  const max = checkers.bounds.max ?? Infinity;
  const { numberCategories, numbersSeen } = checkers;
  for (let row = 0; row < values.length; row += 1) {
    const value = values[row]!;
    if (value !== value) {
      const cell = invalid.size === 0 ? undefined : invalid.get(row);
      if (cell === undefined) checkers.nulls.hit(lines[row]!);
      else {
        checkers.type.hit(lines[row]!);
        onInvalid(cell);
      }
      continue;
    }
    if (value < min || value > max) checkers.range.hit(lines[row]!);
    if (mayBeCardNumber(value)) onBigNumber(value);
    if (numberCategories && !numberCategories.has(value)) checkers.category.hit(lines[row]!);
    if (numbersSeen) {
      if (numbersSeen.has(value)) checkers.unique.hit(lines[row]!);
      else numbersSeen.add(value);
    }
  }
}

/** Personal-data findings per column (counts by kind, never values), searched through core's masker. */
class PiiCounter {
  readonly found = new Map<string, PiiMasker>();

  count(column: string, cell: RawCell): void {
    if (typeof cell !== 'string' && typeof cell !== 'number') return;
    let masker = this.found.get(column);
    if (!masker) this.found.set(column, (masker = new PiiMasker()));
    masker.mask(cell);
  }
}

/** Numbers that can be card numbers (integers of 13 digits or more); the rest are never personal data. */
const mayBeCardNumber = (value: number) => value >= 1e12 || value <= -1e12;

/** A cell of a column read as numbers, for the cell-by-cell checks (columns not in the schema). */
function numberCell(data: Extract<ColumnData, { kind: 'numbers' }>, row: number): RawCell {
  const value = data.values[row]!;
  return value === value ? value : (data.invalid.get(row) ?? null);
}

/** Adds a batch's label values to `counts` (numbers by value, the rest by their text). */
function countLabels(data: ColumnData, length: number, counts: Map<string | number, number>): void {
  for (let row = 0; row < length; row += 1) {
    const key = data.kind === 'numbers' ? numberCell(data, row) : cellText(data.values[row] ?? null);
    const text = typeof key === 'number' ? key : cellText(key);
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
}

/** Checks one cell; returns true when it failed its type (the caller then looks for personal data in it). */
function checkCell(checkers: ColumnCheckers, cell: RawCell, line: number): boolean {
  if (isMissing(cell)) {
    checkers.nulls.hit(line);
    return false;
  }
  const value = parseTyped(cell as Exclude<RawCell, null>, checkers.schema.type);
  if (value === undefined) {
    checkers.type.hit(line);
    return true;
  }
  const { min, max } = checkers.bounds;
  if (typeof value === 'number' && ((min !== undefined && value < min) || (max !== undefined && value > max))) checkers.range.hit(line);
  const text = cellText(cell);
  if (checkers.categories && !checkers.categories.has(text.trim())) checkers.category.hit(line);
  if (checkers.regex && !checkers.regex.test(text)) checkers.pattern.hit(line);
  const { minLength, maxLength } = checkers.schema;
  if ((minLength !== undefined && text.length < minLength) || (maxLength !== undefined && text.length > maxLength)) checkers.length.hit(line);
  if (checkers.seen) {
    if (checkers.seen.has(text)) checkers.unique.hit(line);
    else checkers.seen.add(text);
  }
  return false;
}

export interface ValidateOptions {
  /** Row hashes of another file (`rowHashes`), to report rows present in both (train/test leakage). */
  against?: RowHashSet;
  /** Skip personal-data detection. */
  skipPii?: boolean;
  /** Memory limits of duplicate-row detection (see duplicate-rows.ts); for tests. */
  duplicates?: DuplicateRowsOptions;
}

/** Row hashes of a file, for `ValidateOptions.against`. */
export async function rowHashes(batches: AsyncIterable<Batch | ColumnBatch>): Promise<RowHashSet> {
  const hashes = new RowHashSet();
  for await (const batch of batches) {
    if ('hashes' in batch) for (const hash of batch.hashes) hashes.add(hash);
    else for (const row of batch.rows) hashes.add(hashRow(row));
  }
  return hashes;
}

const pass = (check: string, column: string | null, severity: Severity, message: string): CheckResult => ({
  check,
  column,
  status: 'pass',
  severity,
  count: 0,
  lines: [],
  message,
});

function result(check: string, column: string | null, severity: Severity, tally: Tally, failMessage: string, passMessage: string): CheckResult {
  return tally.count === 0
    ? pass(check, column, severity, passMessage)
    : { check, column, status: 'fail', severity, count: tally.count, lines: tally.lines, message: failMessage };
}

/** Row batches as column batches read the way validation wants (see `validationModes`). */
async function* asColumns(batches: AsyncIterable<Batch>, schema: DataSchema): AsyncGenerator<ColumnBatch> {
  const modes = validationModes(schema);
  let reading: ColumnModes | undefined;
  let columns: string[] | undefined;
  for await (const batch of batches) {
    if (batch.columns !== columns) [reading, columns] = [new ColumnModes(batch.columns, { modes }), batch.columns];
    yield columnsOfRows(batch, reading!, hashRow);
  }
}

/** Checks every row and the dataset as a whole against a schema; streams, so memory stays bounded except for unique and duplicate tracking. */
export function validateBatches(batches: AsyncIterable<Batch>, schema: DataSchema, options: ValidateOptions = {}): Promise<ValidationReport> {
  return validateColumnBatches(asColumns(batches, schema), schema, options);
}

/**
 * `validateBatches` over column batches, best read with `validationModes(schema)` so number columns come
 * as numbers (a column read otherwise is checked cell by cell).
 */
export async function validateColumnBatches(batches: AsyncIterable<ColumnBatch>, schema: DataSchema, options: ValidateOptions = {}): Promise<ValidationReport> {
  const checkers = new Map<string, ColumnCheckers>();
  for (const [name, column] of Object.entries(schema.columns)) checkers.set(name, checkersFor(name, column));
  let columns: string[] = [];
  let rows = 0;
  const duplicateRows = new DuplicateRows(MAX_LINES, options.duplicates);
  const leaked = new Tally();
  const labelCounts = new Map<string | number, number>();
  const label = schema.dataset?.label;
  const personal = new PiiCounter();

  try {
    for await (const batch of batches) {
      columns = batch.columns;
      const { lines, length } = batch;
      batch.columns.forEach((name, position) => {
        const checker = checkers.get(name);
        const data = batch.data[position]!;
        const type = columnSchemaOf(schema, name)?.type;
        // Text columns are searched for personal data; typed columns only where a value failed its type.
        const textColumn = !options.skipPii && (type === undefined || type === 'string' || type === 'category');
        const onBadType = options.skipPii ? () => {} : (cell: RawCell) => personal.count(name, cell);
        if (checker && data.kind === 'numbers') {
          checkNumbers(checker, data, lines, onBadType, onBadType);
          return;
        }
        for (let row = 0; row < length; row += 1) {
          const cell = data.kind === 'cells' ? (data.values[row] ?? null) : numberCell(data, row);
          const badType = checker ? checkCell(checker, cell, lines[row]!) : false;
          if (textColumn || badType) onBadType(cell);
        }
      });
      for (let row = 0; row < length; row += 1) {
        const hash = batch.hashes[row]!;
        if (duplicateRows.add(hash, lines[row]!)) await duplicateRows.flush();
        if (options.against?.has(hash)) leaked.hit(lines[row]!);
      }
      const labelIndex = label === undefined ? -1 : batch.columns.indexOf(label);
      if (labelIndex >= 0) countLabels(batch.data[labelIndex]!, length, labelCounts);
      rows += length;
    }
  } catch (error) {
    await duplicateRows.dispose();
    throw error;
  }
  const duplicates = await duplicateRows.finish();

  const checks: CheckResult[] = [];
  for (const name of Object.keys(schema.columns)) {
    if (!columns.includes(name)) {
      checks.push({ check: 'column_present', column: name, status: 'fail', severity: 'error', count: 1, lines: [], message: `column "${name}" is missing` });
    }
  }
  for (const name of columns) {
    if (!columnSchemaOf(schema, name)) {
      checks.push({ check: 'column_expected', column: name, status: 'fail', severity: 'warning', count: 1, lines: [], message: `column "${name}" is not in the schema` });
    }
  }
  for (const checker of checkers.values()) {
    if (!columns.includes(checker.name)) continue;
    const { name, schema: column } = checker;
    checks.push(result('type', name, 'error', checker.type, `${checker.type.count} value(s) are not ${column.type}`, `all values are ${column.type}`));
    const maxNulls = column.nullable === false ? 0 : column.maxNullFraction;
    if (maxNulls !== undefined) {
      const fraction = checker.nulls.count / Math.max(1, rows);
      checks.push(
        fraction > maxNulls
          ? { check: 'nulls', column: name, status: 'fail', severity: 'error', count: checker.nulls.count, lines: checker.nulls.lines, message: `${checker.nulls.count} missing value(s) (${(fraction * 100).toFixed(2)}%; allowed ${(maxNulls * 100).toFixed(2)}%)` }
          : pass('nulls', name, 'error', `${checker.nulls.count} missing value(s), within the limit`),
      );
    }
    if (column.min !== undefined || column.max !== undefined) {
      checks.push(result('range', name, 'error', checker.range, `${checker.range.count} value(s) outside [${column.min ?? '-∞'}, ${column.max ?? '∞'}]`, 'all values within range'));
    }
    if (column.categories) checks.push(result('category', name, 'error', checker.category, `${checker.category.count} value(s) outside the allowed categories`, 'all values are allowed categories'));
    if (column.pattern !== undefined) checks.push(result('pattern', name, 'error', checker.pattern, `${checker.pattern.count} value(s) do not match the pattern`, 'all values match the pattern'));
    if (column.minLength !== undefined || column.maxLength !== undefined) {
      checks.push(result('length', name, 'error', checker.length, `${checker.length.count} value(s) with a length outside [${column.minLength ?? 0}, ${column.maxLength ?? '∞'}]`, 'all values within the length bounds'));
    }
    if (column.unique) checks.push(result('unique', name, 'error', checker.unique, `${checker.unique.count} repeated value(s)`, 'all values are unique'));
  }

  const dataset = schema.dataset ?? {};
  if (dataset.rows) {
    const { min, max } = dataset.rows;
    const bad = (min !== undefined && rows < min) || (max !== undefined && rows > max);
    checks.push({
      check: 'row_count',
      column: null,
      status: bad ? 'fail' : 'pass',
      severity: 'error',
      count: bad ? 1 : 0,
      lines: [],
      message: `${rows} rows (allowed ${min ?? 0}..${max ?? '∞'})`,
    });
  }
  const duplicateFraction = duplicates.count / Math.max(1, rows);
  const maxDuplicates = dataset.maxDuplicateFraction ?? 0;
  checks.push(
    duplicateFraction > maxDuplicates
      ? { check: 'duplicate_rows', column: null, status: 'fail', severity: dataset.maxDuplicateFraction === undefined ? 'warning' : 'error', count: duplicates.count, lines: duplicates.lines, message: `${duplicates.count} duplicate row(s) (${(duplicateFraction * 100).toFixed(2)}%)` }
      : pass('duplicate_rows', null, 'error', `${duplicates.count} duplicate row(s), within the limit`),
  );
  if (label !== undefined && dataset.minClassFraction !== undefined && columns.includes(label)) {
    const smallest = [...labelCounts].sort((a, b) => a[1] - b[1])[0];
    const fraction = smallest ? smallest[1] / Math.max(1, rows) : 0;
    const bad = fraction < dataset.minClassFraction;
    checks.push({
      check: 'class_balance',
      column: label,
      status: bad ? 'fail' : 'pass',
      severity: 'error',
      count: bad ? 1 : 0,
      lines: [],
      message: `smallest class has ${(fraction * 100).toFixed(2)}% of rows (at least ${(dataset.minClassFraction * 100).toFixed(2)}% required)`,
    });
  }
  if (options.against) {
    checks.push(result('leakage', null, 'error', leaked, `${leaked.count} row(s) also present in the other file`, 'no rows shared with the other file'));
  }
  for (const [name, masker] of personal.found) {
    for (const [kind, count] of Object.entries(masker.counts) as Array<[PiiKind, number]>) {
      const description = describePiiKind(kind);
      checks.push({ check: `pii_${kind}`, column: name, status: 'fail', severity: 'warning', count, lines: [], message: `${count} value(s) look like ${description}` });
    }
  }
  const failed = checks.filter((check) => check.status === 'fail');
  const errors = failed.filter((check) => check.severity === 'error').length;
  return { rows, columns, ok: errors === 0, errors, warnings: failed.length - errors, checks };
}
