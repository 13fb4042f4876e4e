/**
 * Per-class precision, recall, F1 and support from a confusion matrix, and their macro and weighted
 * means, defined as scikit-learn's precision_recall_fscore_support with zero_division=0.
 */
import { sumOf } from './compensated-sum.js';
import type { ClassScores } from './evaluation-types.js';

export interface AveragedScores {
  precision: number;
  recall: number;
  f1: number;
}

export interface ClassScoreSummary {
  /** In class-index order. */
  perClass: ClassScores[];
  macro: AveragedScores;
  weighted: AveragedScores;
  /** Conventions applied, keyed by metric path (`per_class.<name>.precision`). */
  notes: Array<[string, string]>;
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

/**
 * `matrix[actual][predicted]`. Macro means average the classes that occur among the true or the
 * predicted labels; a declared class seen in neither is left out, as scikit-learn's default labels are.
 */
export function classScores(matrix: readonly (readonly number[])[], classNames: readonly string[]): ClassScoreSummary {
  const k = matrix.length;
  const notes: Array<[string, string]> = [];
  const perClass: ClassScores[] = [];
  const present: number[] = [];
  let total = 0;
  for (let c = 0; c < k; c++) {
    const tp = matrix[c]![c]!;
    let support = 0;
    let predictedCount = 0;
    for (let j = 0; j < k; j++) {
      support += matrix[c]![j]!;
      predictedCount += matrix[j]![c]!;
    }
    total += support;
    if (support > 0 || predictedCount > 0) present.push(c);
    const name = classNames[c]!;
    if (predictedCount === 0 && support > 0) notes.push([`per_class.${name}.precision`, 'the class is never predicted: precision is 0 by convention (zero_division=0)']);
    if (support === 0 && predictedCount > 0) notes.push([`per_class.${name}.recall`, 'the class has no rows: recall is 0 by convention (zero_division=0)']);
    if (support === 0 && predictedCount === 0) notes.push([`per_class.${name}`, 'the class is neither present nor predicted: its scores are 0 and it is left out of the macro means']);
    perClass.push({
      precision: ratio(tp, predictedCount),
      recall: ratio(tp, support),
      f1: ratio(2 * tp, support + predictedCount),
      support,
    });
  }
  const mean = (key: keyof AveragedScores): number => sumOf(present.length, (i) => perClass[present[i]!]![key]) / present.length;
  const weightedMean = (key: keyof AveragedScores): number => sumOf(k, (c) => perClass[c]![key] * perClass[c]!.support) / total;
  return {
    perClass,
    macro: { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') },
    weighted: { precision: weightedMean('precision'), recall: weightedMean('recall'), f1: weightedMean('f1') },
    notes,
  };
}
