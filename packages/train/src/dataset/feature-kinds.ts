/** Whether each feature column is numeric or a category: from the spec's overrides, else from the training rows. */
import type { ResolvedTrainSpec, Scaling } from '../spec/train-spec.js';
import { trainDataError } from '../errors.js';
import { numberOfCell, textOfCell } from './cells.js';
import type { Table } from './load-table.js';

export type FeatureKind =
  | { name: string; kind: 'numeric'; scaling: Scaling }
  | { name: string; kind: 'category'; encoding: 'onehot' | 'index'; categories?: string[]; hashBuckets?: number };

/**
 * A column is numeric when every present training cell holds a number (text that parses as one
 * counts), a category otherwise (text, true/false). `preprocessing.columns` overrides that; with
 * `preprocessing.image` every feature is a numeric pixel. A column with no values in the training
 * rows is MLSHIP_E_TRAIN_DATA.
 */
export function settleFeatureKinds(table: Table, features: string[], trainRows: readonly number[], pre: ResolvedTrainSpec['preprocessing']): FeatureKind[] {
  return features.map((name) => {
    if (pre.image) return { name, kind: 'numeric', scaling: 'none' };
    const override = Object.hasOwn(pre.columns, name) ? pre.columns[name] : undefined;
    if (override?.type === 'numeric') return { name, kind: 'numeric', scaling: override.scaling ?? pre.numeric };
    if (override?.type === 'category') {
      return {
        name,
        kind: 'category',
        encoding: override.encoding ?? pre.categories,
        ...(override.categories ? { categories: override.categories } : {}),
        ...(override.hashBuckets !== undefined ? { hashBuckets: override.hashBuckets } : {}),
      };
    }
    const index = table.columns.indexOf(name);
    let present = 0;
    let numeric = true;
    for (const row of trainRows) {
      const cell = table.rows[row]![index];
      if (textOfCell(cell) === undefined) continue;
      present += 1;
      if (numberOfCell(cell) === undefined) {
        numeric = false;
        break;
      }
    }
    if (present === 0) {
      throw trainDataError(`feature ${JSON.stringify(name)} has no values in the training rows`, 'leave the column out (features or exclude in the spec)', { column: name });
    }
    return numeric ? { name, kind: 'numeric', scaling: pre.numeric } : { name, kind: 'category', encoding: pre.categories };
  });
}
