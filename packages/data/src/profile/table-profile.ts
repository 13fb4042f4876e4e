/**
 * Profiles of every column of a table, streamed one batch at a time. Memory is bounded per column
 * whatever the row count. A column missing from a batch (or first seen in a later one) counts as
 * missing values for those rows, so every column's `count` equals the table's `rowCount`.
 */
import { ErrorCode, ExitCode, MlshipError } from '@mlship/core';
import { ColumnProfiler, type ColumnKindOption, type ColumnProfile, type ColumnProfileOptions, type ColumnValue } from './column-profile.js';
import { profileFromJSON } from './profile-json.js';
import { invalidProfile } from './profile-errors.js';

/** Rows of a table; a row shorter than `columns` has missing values at its end, extra values are ignored. */
export interface TableBatch {
  columns: readonly string[];
  rows: ReadonlyArray<ReadonlyArray<ColumnValue | undefined>>;
}

export interface ProfileTableOptions extends ColumnProfileOptions {
  /** Kind per column name; others use `kind` (default 'auto': numeric when every non-null value is a number). */
  kinds?: Readonly<Record<string, ColumnKindOption>>;
}

/** A finalised table profile: plain JSON, version 1. */
export interface TableProfile {
  version: 1;
  rowCount: number;
  /** By column name, in first-seen order. */
  columns: Record<string, ColumnProfile>;
}

/** A batch by columns: `numbers` (NaN missing unless its row is in `others`) or plain `values`. */
export interface ColumnarTableBatch {
  columns: readonly string[];
  length: number;
  data: ReadonlyArray<{ kind: 'numbers'; values: Float64Array; others?: ReadonlyMap<number, ColumnValue> } | { kind: 'values'; values: ReadonlyArray<ColumnValue | undefined> }>;
}

function checkUnique(columns: readonly string[]): Set<string> {
  const seen = new Set<string>();
  for (const name of columns) {
    if (seen.has(name)) {
      throw new MlshipError(ErrorCode.usage, `column "${name}" appears twice`, { hint: 'give every column a unique name', exitCode: ExitCode.usage });
    }
    seen.add(name);
  }
  return seen;
}

export class TableProfiler {
  private readonly options: ProfileTableOptions;
  private rows = 0;
  private readonly profilers = new Map<string, ColumnProfiler>();

  constructor(options: ProfileTableOptions = {}) {
    this.options = options;
  }

  get rowCount(): number {
    return this.rows;
  }

  /** The profiler of one column, if it has been seen. */
  column(name: string): ColumnProfiler | undefined {
    return this.profilers.get(name);
  }

  addBatch(batch: TableBatch): void {
    const seen = checkUnique(batch.columns);
    const targets = batch.columns.map((name) => this.profilerFor(name));
    for (const row of batch.rows) {
      targets.forEach((profiler, i) => profiler.add(row[i]));
    }
    for (const [name, profiler] of this.profilers) if (!seen.has(name)) profiler.addNulls(batch.rows.length);
    this.rows += batch.rows.length;
  }

  /**
   * Adds a batch given column by column: `numbers` columns (NaN missing, `others` holding the rows that
   * are not numbers) or `values` columns. Same result as `addBatch` with the rows.
   */
  addColumns(batch: ColumnarTableBatch): void {
    checkUnique(batch.columns);
    batch.columns.forEach((name, i) => {
      const column = batch.data[i]!;
      const profiler = this.profilerFor(name);
      if (column.kind === 'numbers') profiler.addNumbers(column.values, column.others);
      else for (let row = 0; row < batch.length; row += 1) profiler.add(column.values[row]);
    });
    const seen = new Set(batch.columns);
    for (const [name, profiler] of this.profilers) if (!seen.has(name)) profiler.addNulls(batch.length);
    this.rows += batch.length;
  }

  toJSON(): TableProfile {
    return {
      version: 1,
      rowCount: this.rows,
      columns: Object.fromEntries([...this.profilers].map(([name, profiler]) => [name, profiler.toJSON()])),
    };
  }

  private profilerFor(name: string): ColumnProfiler {
    let profiler = this.profilers.get(name);
    if (!profiler) {
      const { kinds, ...columnOptions } = this.options;
      const kind = kinds && Object.hasOwn(kinds, name) ? kinds[name] : columnOptions.kind;
      profiler = new ColumnProfiler({ ...columnOptions, kind });
      profiler.addNulls(this.rows);
      this.profilers.set(name, profiler);
    }
    return profiler;
  }
}

export function createTableProfiler(options: ProfileTableOptions = {}): TableProfiler {
  return new TableProfiler(options);
}

/** Profiles a table from its batches, read one at a time. */
export async function profileTable(batches: AsyncIterable<TableBatch> | Iterable<TableBatch>, options: ProfileTableOptions = {}): Promise<TableProfile> {
  const profiler = new TableProfiler(options);
  for await (const batch of batches) profiler.addBatch(batch);
  return profiler.toJSON();
}

/**
 * The profile of two tables' rows together (for example two chunks of one file), from their
 * profiles alone. A column present on one side only counts as missing for the other side's rows.
 * Throws `MLSHIP_E_PROFILE_INVALID` for malformed input, `MLSHIP_E_PROFILE_INCOMPATIBLE` when a
 * column's sketch options differ.
 */
export function mergeTableProfiles(a: TableProfile, b: TableProfile): TableProfile {
  const left = tableProfileFromJSON(a);
  const right = tableProfileFromJSON(b);
  const names = [...new Set([...left.columns.keys(), ...right.columns.keys()])];
  const columns = names.map((name): [string, ColumnProfile] => {
    const merged = left.columns.get(name) ?? emptyLike(right.columns.get(name)!, left.rowCount);
    merged.merge(right.columns.get(name) ?? emptyLike(merged, right.rowCount));
    return [name, merged.toJSON()];
  });
  return { version: 1, rowCount: left.rowCount + right.rowCount, columns: Object.fromEntries(columns) };
}

/** A profiler with `profile`'s options that has seen `rows` missing values. */
function emptyLike(profile: ColumnProfiler, rows: number): ColumnProfiler {
  const empty = new ColumnProfiler(profile.options);
  empty.addNulls(rows);
  return empty;
}

/**
 * Loads a table profile from untrusted JSON into one profiler per column (in the profile's order).
 * Throws `MLSHIP_E_PROFILE_INVALID` listing what is wrong.
 */
export function tableProfileFromJSON(json: unknown): { rowCount: number; columns: Map<string, ColumnProfiler> } {
  const candidate = json as Partial<TableProfile> | null;
  if (typeof candidate !== 'object' || candidate === null || candidate.version !== 1) {
    throw invalidProfile([`table profile: unsupported version ${JSON.stringify(candidate?.version)} (this mlship reads version 1)`]);
  }
  const { rowCount, columns } = candidate;
  if (!Number.isInteger(rowCount) || (rowCount as number) < 0 || typeof columns !== 'object' || columns === null) {
    throw invalidProfile(['table profile: needs an integer rowCount ≥ 0 and a columns object']);
  }
  const loaded = new Map<string, ColumnProfiler>();
  for (const [name, column] of Object.entries(columns)) {
    const profiler = profileFromJSON(column);
    if (profiler.count !== rowCount) throw invalidProfile([`column "${name}": count ${profiler.count} differs from rowCount ${rowCount}`]);
    loaded.set(name, profiler);
  }
  return { rowCount: rowCount as number, columns: loaded };
}
