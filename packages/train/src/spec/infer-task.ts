/** Which task a label column implies when the spec (or `--task`) does not say. */
import { quoteDataValue } from '@mlship/core';
import { isMissing, parseTyped, type Cell, type ColumnType } from '@mlship/data';
import { labelError, trainDataError } from '../errors.js';
import { DEFAULTS, type TrainTask } from './train-spec.js';

/** An integer label with at most this many distinct values can be a class label; with more, a quantity. */
export const MAX_INTEGER_CLASSES = 20;
/** A run of distinct integers this long or longer, one per row, reads as a row id rather than a label. */
export const MIN_ID_RUN = 20;

export interface TaskInference {
  task: TrainTask;
  /** Why, in words (recorded with the model and shown by the CLI; never quotes personal data). */
  reason: string;
}

export interface InferTaskOptions {
  /** The classification guard: classes may number at most this share of the labelled rows (default 0.5). */
  maxClassShare?: number;
}

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;

/**
 * The task a label implies:
 * - a declared type (from a data schema) of category, string or boolean → classification; number → regression;
 * - any value that is not a number (text, true/false) → classification;
 * - integers only, with at most MAX_INTEGER_CLASSES distinct values that are also at most
 *   `maxClassShare` of the rows → classification (linnerud's Weight, 16 values in 20 rows, is a quantity);
 * - a run of distinct integers, one per row (MIN_ID_RUN rows or more) → MLSHIP_E_TRAIN_LABEL: a row id;
 * - otherwise (fractions, or many distinct integers) → regression.
 * Missing cells are ignored; a label with no values at all is MLSHIP_E_TRAIN_DATA.
 */
export function inferTask(cells: readonly Cell[], label: string, declaredType?: ColumnType, options: InferTaskOptions = {}): TaskInference {
  if (declaredType === 'category' || declaredType === 'string' || declaredType === 'boolean') {
    return { task: 'classification', reason: `the data schema declares ${label} as ${declaredType}` };
  }
  if (declaredType === 'number') return { task: 'regression', reason: `the data schema declares ${label} as number` };
  if (declaredType === 'datetime') {
    throw trainDataError(`label ${label} is a datetime column`, 'choose a category or numeric label column', { label });
  }
  const maxShare = options.maxClassShare ?? DEFAULTS.maxClassShare;
  const distinct = new Set<number>();
  let integers = true;
  let present = 0;
  for (const cell of cells) {
    if (isMissing(cell)) continue;
    present += 1;
    const value = typeof cell === 'boolean' ? undefined : parseTyped(cell!, 'number');
    if (typeof value !== 'number') {
      return { task: 'classification', reason: `${label} holds non-numeric values such as ${quoteDataValue(cell)}` };
    }
    if (!Number.isInteger(value)) integers = false;
    distinct.add(value);
  }
  if (present === 0) throw trainDataError(`label ${label} has no values`, 'check the --label column name and the data', { label });
  if (!integers) return { task: 'regression', reason: `${label} holds fractional numbers` };
  const count = distinct.size;
  if (count <= MAX_INTEGER_CLASSES && count <= maxShare * present) {
    return { task: 'classification', reason: `${label} holds integers with ${count} distinct values in ${present} rows (classes: at most ${MAX_INTEGER_CLASSES}, and at most ${percent(maxShare)} of the rows)` };
  }
  if (count === present && present >= MIN_ID_RUN) {
    let min = Infinity;
    let max = -Infinity;
    for (const value of distinct) {
      if (value < min) min = value;
      if (value > max) max = value;
    }
    if (max - min + 1 === present) {
      throw labelError(
        `label ${label} holds a different integer in every one of its ${present} rows, a run without gaps: it looks like a row id, not a label`,
        `choose another --label; if ${label} really is a quantity to predict, pass --task regression`,
        { label, rows: present },
      );
    }
  }
  return {
    task: 'regression',
    reason:
      count > MAX_INTEGER_CLASSES
        ? `${label} holds integers with more than ${MAX_INTEGER_CLASSES} distinct values`
        : `${label} holds integers with ${count} distinct values in ${present} rows: more than ${percent(maxShare)} of the rows, so a quantity rather than classes (pass --task classification, and raise guards.maxClassShare, for classes)`,
  };
}
