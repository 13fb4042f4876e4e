/** Dataset drift: Evidently's share rule over the columns' verdicts. */
import { invalidDriftOption } from './drift-errors.js';

export interface DatasetDriftResult {
  /** True when at least `share` of the columns drifted. */
  drifted: boolean;
  share: number;
  columnCount: number;
  driftedColumns: string[];
  /** driftedColumns / columnCount; 0 without columns. */
  driftedShare: number;
}

/**
 * Columns by name, each with its verdict (a ColumnDriftResult fits). Untestable columns (a side
 * without rows) count as columns that did not drift. No columns: no drift.
 */
export function datasetDrift(
  columns: Readonly<Record<string, { drifted: boolean }>> | ReadonlyMap<string, { drifted: boolean }>,
  share = 0.5,
): DatasetDriftResult {
  if (!(share > 0 && share <= 1)) throw invalidDriftOption('share', share, 'a number in (0, 1]');
  const entries = columns instanceof Map ? [...columns.entries()] : Object.entries(columns);
  const driftedColumns = entries.filter(([, column]) => column.drifted).map(([name]) => name);
  const driftedShare = entries.length === 0 ? 0 : driftedColumns.length / entries.length;
  return { drifted: entries.length > 0 && driftedShare >= share, share, columnCount: entries.length, driftedColumns, driftedShare };
}
