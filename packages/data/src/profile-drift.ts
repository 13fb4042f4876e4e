/**
 * Drift between two tables from their profiles alone: numeric columns through their quantile
 * sketches, the others through their value counts. So monitoring can compare live traffic with a
 * stored training profile without the training data.
 */
import { ColumnProfiler, kllRankErrorBound, tableProfileFromJSON } from './profile/index.js';
import { columnDrift, datasetDrift, type ColumnDriftInput, type ColumnDriftResult, type DatasetDriftResult, type DriftMethod } from './drift/index.js';
import { invalidDriftOption } from './drift/drift-errors.js';

/** Stands for the values a sketched (not exact) value count no longer lists, on both sides. */
const OTHER_VALUES = '\u0000other';

export interface ProfileDriftOptions {
  /** Method per column name; `*` sets the default for every other column. */
  methods?: Readonly<Record<string, DriftMethod>>;
  /** Threshold per column name; `*` sets the default for every other column. */
  thresholds?: Readonly<Record<string, number>>;
  /** Only these columns (default: every column both sides have). */
  columns?: readonly string[];
  /** Columns left out. */
  exclude?: readonly string[];
  /** Dataset drift when at least this share of the compared columns drifts (default 0.5). */
  share?: number;
}

export interface ColumnDriftReport extends ColumnDriftResult {
  column: string;
  /** How the column was compared: numeric (sketch) or categorical (value counts). */
  kind: 'numeric' | 'categorical';
  /** False when a side's summary is an estimate (sketch compacted or value counts sketched). */
  exact: boolean;
}

export interface ProfileDriftReport {
  referenceRows: number;
  currentRows: number;
  columns: ColumnDriftReport[];
  dataset: DatasetDriftResult;
  /** Columns that could not be compared, and why (missing on one side, or left out). */
  skipped: Array<{ column: string; reason: string }>;
}

function perColumn<T>(map: Readonly<Record<string, T>> | undefined, column: string): T | undefined {
  if (!map) return undefined;
  return Object.hasOwn(map, column) ? map[column] : Object.hasOwn(map, '*') ? map['*'] : undefined;
}

function sketchExact(profiler: ColumnProfiler): boolean {
  const sketch = profiler.toJSON().numeric?.sketch;
  return sketch === undefined || sketch.levels.length <= 1;
}

function categoryInput(profiler: ColumnProfiler): { counts: Array<readonly [string | number, number]>; exact: boolean } {
  const { counts, otherCount, exact } = profiler.categoryCounts();
  const pairs: Array<readonly [string | number, number]> = [...counts];
  if (otherCount > 0) pairs.push([OTHER_VALUES, otherCount]);
  return { counts: pairs, exact };
}

function compareColumn(column: string, reference: ColumnProfiler, current: ColumnProfiler, options: ProfileDriftOptions): ColumnDriftReport {
  const method = perColumn(options.methods, column);
  const threshold = perColumn(options.thresholds, column);
  const overrides = { ...(method ? { method } : {}), ...(threshold !== undefined ? { threshold } : {}) };
  const referenceSample = reference.weightedValues();
  const currentSample = current.weightedValues();
  let input: ColumnDriftInput;
  let exact: boolean;
  if (reference.kind === 'numeric' && current.kind === 'numeric' && referenceSample && currentSample) {
    const sketchError = (profiler: ColumnProfiler) => (sketchExact(profiler) ? 0 : kllRankErrorBound(profiler.options.quantileK));
    const ksStatisticError = sketchError(reference) + sketchError(current);
    input = { kind: 'numeric', reference: referenceSample, current: currentSample, ...overrides, ...(ksStatisticError > 0 ? { ksStatisticError } : {}) };
    exact = ksStatisticError === 0;
  } else {
    const left = categoryInput(reference);
    const right = categoryInput(current);
    input = { kind: 'categorical', reference: left.counts, current: right.counts, ...overrides };
    exact = left.exact && right.exact;
  }
  return { column, kind: input.kind, exact, ...columnDrift(input) };
}

/**
 * Per-column drift (Evidently's default tests unless overridden, PSI beside them) and dataset
 * drift, from two table profiles (plain JSON, checked). Columns on one side only are skipped and
 * listed. Coded usage errors for unknown columns or methods that do not fit a column.
 */
export function driftOfProfiles(referenceJson: unknown, currentJson: unknown, options: ProfileDriftOptions = {}): ProfileDriftReport {
  const reference = tableProfileFromJSON(referenceJson);
  const current = tableProfileFromJSON(currentJson);
  const names = [...reference.columns.keys(), ...[...current.columns.keys()].filter((name) => !reference.columns.has(name))];
  for (const wanted of [...(options.columns ?? []), ...(options.exclude ?? []), ...Object.keys(options.methods ?? {}), ...Object.keys(options.thresholds ?? {})]) {
    if (wanted !== '*' && !names.includes(wanted)) throw invalidDriftOption('column', wanted, `one of the columns (${names.join(', ')})`);
  }
  const chosen = new Set(options.columns && options.columns.length > 0 ? options.columns : names);
  const excluded = new Set(options.exclude ?? []);
  const skipped: ProfileDriftReport['skipped'] = [];
  const columns: ColumnDriftReport[] = [];
  for (const name of names) {
    const left = reference.columns.get(name);
    const right = current.columns.get(name);
    if (!chosen.has(name) || excluded.has(name)) skipped.push({ column: name, reason: 'left out' });
    else if (!left) skipped.push({ column: name, reason: 'not in the reference' });
    else if (!right) skipped.push({ column: name, reason: 'not in the current data' });
    else columns.push(compareColumn(name, left, right, options));
  }
  const dataset = datasetDrift(Object.fromEntries(columns.map((column) => [column.column, column])), options.share);
  return { referenceRows: reference.rowCount, currentRows: current.rowCount, columns, dataset, skipped };
}
