/** Which task a label column implies when the spec does not say. */
import { isMissing, parseTyped, type Cell, type ColumnType } from '@mlship/data';
import { trainDataError } from '../errors.js';
import type { TrainTask } from './train-spec.js';

/** An integer label with at most this many distinct values is a class label; with more, a quantity. */
export const MAX_INTEGER_CLASSES = 20;

export interface TaskInference {
  task: TrainTask;
  /** Why, in words (recorded with the model and shown by the CLI). */
  reason: string;
}

/**
 * The task a label implies:
 * - a declared type (from a data schema) of category, string or boolean → classification; number → regression;
 * - any value that is not a number (text, true/false) → classification;
 * - integers only, with at most MAX_INTEGER_CLASSES distinct values → classification;
 * - otherwise (fractions, or many distinct integers) → regression.
 * Missing cells are ignored; a label with no values at all is MLSHIP_E_TRAIN_DATA.
 */
export function inferTask(cells: readonly Cell[], label: string, declaredType?: ColumnType): TaskInference {
  if (declaredType === 'category' || declaredType === 'string' || declaredType === 'boolean') {
    return { task: 'classification', reason: `the data schema declares ${label} as ${declaredType}` };
  }
  if (declaredType === 'number') return { task: 'regression', reason: `the data schema declares ${label} as number` };
  if (declaredType === 'datetime') {
    throw trainDataError(`label ${label} is a datetime column`, 'choose a category or numeric label column', { label });
  }
  const distinct = new Set<number>();
  let integers = true;
  let present = 0;
  for (const cell of cells) {
    if (isMissing(cell)) continue;
    present += 1;
    const value = typeof cell === 'boolean' ? undefined : parseTyped(cell!, 'number');
    if (typeof value !== 'number') {
      return { task: 'classification', reason: `${label} holds non-numeric values such as ${JSON.stringify(String(cell))}` };
    }
    if (!Number.isInteger(value)) integers = false;
    if (distinct.size <= MAX_INTEGER_CLASSES) distinct.add(value);
  }
  if (present === 0) throw trainDataError(`label ${label} has no values`, 'check the --label column name and the data', { label });
  if (integers && distinct.size <= MAX_INTEGER_CLASSES) {
    return { task: 'classification', reason: `${label} holds integers with ${distinct.size} distinct values (at most ${MAX_INTEGER_CLASSES} count as classes)` };
  }
  return {
    task: 'regression',
    reason: integers ? `${label} holds integers with more than ${MAX_INTEGER_CLASSES} distinct values` : `${label} holds fractional numbers`,
  };
}
