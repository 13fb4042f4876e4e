/** Class names to class indices, for models and data that carry labels as names. */
import { checkClasses } from './check-input.js';
import { invalidEvaluationInput } from './evaluate-errors.js';
import { distinctSorted } from './label-order.js';

export interface EncodedLabels {
  classes: string[];
  /** Index into `classes` of each value. */
  indices: number[];
}

type Label = string | number | boolean | bigint;

function isMissing(value: unknown): boolean {
  return value === null || value === undefined || value === '' || (typeof value === 'number' && Number.isNaN(value));
}

/**
 * Maps label values to indices into `classes`. Without `classes` the classes are the distinct
 * values sorted as scikit-learn sorts them: numerically when every value is a number, otherwise by
 * UTF-16 code units of their text. Values are compared by their text (`String(value)`), so the number
 * 1 and the string "1" are one class. A missing value (null, undefined, "", NaN) or a value not in
 * `classes` throws MLSHIP_E_EVAL_INPUT.
 */
export function encodeLabels(values: ArrayLike<unknown>, classes?: readonly string[]): EncodedLabels {
  const missing: number[] = [];
  for (let i = 0; i < values.length && missing.length < 5; i++) if (isMissing(values[i])) missing.push(i);
  if (missing.length > 0) {
    throw invalidEvaluationInput(`labels are missing in rows ${missing.join(', ')}`, 'drop rows without a label before evaluating', { rows: missing });
  }
  const names = classes === undefined ? distinctSorted(Array.from(values)) : [...classes];
  checkClasses(names);
  const indexOf = new Map(names.map((name, index) => [name, index]));
  const indices = new Array<number>(values.length);
  const unknown = new Set<string>();
  for (let i = 0; i < values.length; i++) {
    const text = String(values[i] as Label);
    const index = indexOf.get(text);
    if (index === undefined) unknown.add(text);
    else indices[i] = index;
  }
  if (unknown.size > 0) {
    const shown = [...unknown].slice(0, 5).map((name) => JSON.stringify(name));
    throw invalidEvaluationInput(`labels ${shown.join(', ')}${unknown.size > 5 ? ' …' : ''} are not among the model's classes ${JSON.stringify(names)}`, 'evaluate on data with the classes the model was trained on', {
      unknown: [...unknown],
      classes: names,
    });
  }
  return { classes: names, indices };
}
