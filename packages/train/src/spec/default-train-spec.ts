/** The spec `mlship train --data FILE --label COL` trains with when no spec file is given. */
import { isMissing, parseTyped, type ColumnType } from '@mlship/data';
import { parseDatetime } from '@mlship/onnx';
import { columnCells, type Table } from '../dataset/load-table.js';
import { trainDataError } from '../errors.js';
import { inferTask, type TaskInference } from './infer-task.js';
import { resolveTrainSpec } from './resolve-train-spec.js';
import type { ResolvedTrainSpec, TrainTask } from './train-spec.js';

/** A text column with more distinct values than this, and more than half its rows distinct, looks like an identifier. */
export const MAX_DEFAULT_CATEGORIES = 50;

export interface DefaultSpecOptions {
  table: Table;
  label: string;
  /** The label's type in a data schema, when one is known (see `inferTask`). */
  labelType?: ColumnType;
  /** The task, when given (`--task`): no inference from the label. */
  task?: TrainTask;
  seed?: number;
}

export interface DefaultSpec {
  spec: ResolvedTrainSpec;
  task: TaskInference;
  /** Columns left out of the features, and why. */
  excluded: Array<{ column: string; reason: string }>;
}

/**
 * Why a column should not be a default feature, or undefined when it can be one. Dates and ids are
 * left to the column plan (plan-columns.ts), which derives the one and names the other.
 */
function unsuitable(cells: ReturnType<typeof columnCells>): string | undefined {
  const texts = new Set<string>();
  let present = 0;
  let numeric = true;
  let dates = true;
  for (const cell of cells) {
    if (isMissing(cell)) continue;
    present += 1;
    if (numeric && (typeof cell === 'boolean' || parseTyped(cell!, 'number') === undefined)) numeric = false;
    if (dates && !(typeof cell === 'string' && !Number.isNaN(parseDatetime(cell)))) dates = false;
    texts.add(String(cell));
  }
  if (present === 0) return 'it has no values';
  const idLike = present === cells.length && texts.size === present;
  if (!numeric && !dates && !idLike && texts.size > MAX_DEFAULT_CATEGORIES && texts.size > present / 2) {
    return `it holds text with ${texts.size} distinct values in ${present} rows (an identifier or free text?)`;
  }
  return undefined;
}

/**
 * The task from the label (`inferTask`), every other usable column as a feature (numeric columns
 * standardised, text one-hot encoded; empty and identifier-like columns left out), an MLP of 64 and
 * 32 relu units, adam, seeded stratified 20% validation and 20% test parts, early stopping on val_loss with
 * patience 10, and epochs and batch size from the data size (see resolve-train-spec.ts).
 */
export function defaultTrainSpec(options: DefaultSpecOptions): DefaultSpec {
  const { table, label } = options;
  const labelIndex = table.columns.indexOf(label);
  if (labelIndex < 0) {
    throw trainDataError(`no column ${JSON.stringify(label)} in the data`, `choose one of: ${table.columns.join(', ')}`, { label, columns: table.columns });
  }
  const task = options.task ? { task: options.task, reason: 'set with --task' } : inferTask(columnCells(table, labelIndex), label, options.labelType);
  const excluded: DefaultSpec['excluded'] = [];
  table.columns.forEach((column, index) => {
    if (index === labelIndex) return;
    const reason = unsuitable(columnCells(table, index));
    if (reason) excluded.push({ column, reason });
  });
  if (excluded.length === table.columns.length - 1) {
    throw trainDataError('no column can serve as a feature', 'add feature columns, or write a spec that names them', { excluded });
  }
  const spec = resolveTrainSpec(
    { label, exclude: excluded.map((entry) => entry.column), ...(options.seed !== undefined ? { seed: options.seed } : {}) },
    { task: task.task, rows: table.rows.length },
  );
  return { spec, task, excluded };
}
