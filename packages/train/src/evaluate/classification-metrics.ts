/** Classification metrics from true classes and predicted classes and/or probabilities. */
import { checkClasses, checkClassIndices, checkLength, checkNotEmpty } from './check-input.js';
import { classScores } from './class-scores.js';
import { confusionCounts } from './confusion-matrix.js';
import { invalidEvaluationInput } from './evaluate-errors.js';
import type { ClassificationInput, ClassificationMetrics } from './evaluation-types.js';
import { logLoss } from './log-loss.js';
import { countUnnormalisedRows, mostProbableClasses, toProbabilityMatrix } from './probability-matrix.js';
import { rocAuc } from './roc-auc.js';

/**
 * Accuracy, per-class and averaged precision/recall/F1, the confusion matrix, ROC AUC (binary
 * tasks with probabilities) and log loss (with probabilities). Needs `predicted` or
 * `probabilities`; throws MLSHIP_E_EVAL_INPUT for input of the wrong shape or range.
 */
export function evaluateClassification(input: ClassificationInput): ClassificationMetrics {
  const { classes, actual } = input;
  checkClasses(classes);
  const k = classes.length;
  const n = actual.length;
  checkNotEmpty('actual', n);
  checkClassIndices('actual', actual, k);
  if (input.predicted === undefined && input.probabilities === undefined) {
    throw invalidEvaluationInput('classification needs predicted classes or probabilities, got neither', 'pass `predicted` or `probabilities`');
  }
  const matrix = input.probabilities === undefined ? undefined : toProbabilityMatrix(input.probabilities, n, k);
  let predicted: ArrayLike<number>;
  if (input.predicted !== undefined) {
    checkLength('predicted', input.predicted.length, n);
    checkClassIndices('predicted', input.predicted, k);
    predicted = input.predicted;
  } else {
    predicted = mostProbableClasses(matrix!, n, k);
  }

  const counts = confusionCounts(actual, predicted, k);
  let correct = 0;
  for (let c = 0; c < k; c++) correct += counts[c]![c]!;
  const scores = classScores(counts, classes);
  const notes: Array<[string, string]> = [];

  let auc: number | null = null;
  if (matrix === undefined) {
    notes.push(['roc_auc', 'no probabilities were given']);
  } else if (k !== 2) {
    notes.push(['roc_auc', `computed for binary tasks only; this one has ${k} classes`]);
  } else {
    const result = rocAuc(
      Array.from(actual, (c) => c === 1),
      Array.from({ length: n }, (_, i) => matrix[2 * i + 1]!),
    );
    auc = result.value;
    if (result.reason !== undefined) notes.push(['roc_auc', result.reason]);
  }
  let loss: number | null = null;
  if (matrix === undefined) {
    notes.push(['log_loss', 'no probabilities were given']);
  } else {
    loss = logLoss(actual, matrix, k);
    const unnormalised = countUnnormalisedRows(matrix, n, k);
    if (unnormalised > 0) notes.push(['log_loss', `the probabilities of ${unnormalised} of ${n} rows do not sum to 1 (±0.001); they were used as given`]);
  }

  return {
    task: 'classification',
    count: n,
    accuracy: correct / n,
    precision_macro: scores.macro.precision,
    recall_macro: scores.macro.recall,
    f1_macro: scores.macro.f1,
    precision_weighted: scores.weighted.precision,
    recall_weighted: scores.weighted.recall,
    f1_weighted: scores.weighted.f1,
    roc_auc: auc,
    log_loss: loss,
    per_class: Object.fromEntries(classes.map((name, c) => [name, scores.perClass[c]!])),
    confusion_matrix: { labels: [...classes], matrix: counts },
    notes: Object.fromEntries([...notes, ...scores.notes]),
  };
}
