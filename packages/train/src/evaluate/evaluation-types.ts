/**
 * Inputs and results of evaluation. Results are plain JSON: metric keys are the names gates use
 * (`accuracy`, `f1_macro`, `per_class.setosa.recall`, `rmse`), so what `--json` shows is what a
 * gate can name.
 */

export type Task = 'classification' | 'regression';

export interface ClassificationInput {
  /** Class names; a class's index is its position. At least two, all distinct. */
  classes: readonly string[];
  /** The true class of each row, as an index into `classes` (see `encodeLabels` for names). */
  actual: ArrayLike<number>;
  /** The predicted class of each row, as an index. Default: the most probable class (the first on ties). */
  predicted?: ArrayLike<number>;
  /**
   * Predicted probabilities, one of: n·k numbers row-major (a tfjs n×k output's `dataSync()`),
   * n rows of k numbers, or, with two classes only, n numbers, each the probability of `classes[1]`
   * (a sigmoid output). Values must lie in [0, 1]; rows are not renormalised.
   */
  probabilities?: ArrayLike<number> | readonly ArrayLike<number>[];
}

export interface RegressionInput {
  actual: ArrayLike<number>;
  predicted: ArrayLike<number>;
}

export type EvaluationInput = ({ task: 'classification' } & ClassificationInput) | ({ task: 'regression' } & RegressionInput);

/** Scores of one class, one-vs-rest. */
export interface ClassScores {
  /** tp / (tp + fp); 0 when the class is never predicted (scikit-learn's zero_division=0). */
  precision: number;
  /** tp / (tp + fn); 0 when the class has no rows. */
  recall: number;
  /** 2·tp / (2·tp + fp + fn); 0 when the class is neither present nor predicted. */
  f1: number;
  /** Rows whose true class this is. */
  support: number;
}

export interface ConfusionMatrix {
  /** Class names, in class-index order: the order of both rows and columns. */
  labels: string[];
  /** `matrix[actual][predicted]`: rows are true classes, columns predicted ones. */
  matrix: number[][];
}

export interface ClassificationMetrics {
  task: 'classification';
  /** Rows evaluated. */
  count: number;
  accuracy: number;
  /**
   * Unweighted means over the classes present in the true or the predicted labels (scikit-learn's
   * default `labels=None`): a declared class that is neither present nor predicted does not count.
   */
  precision_macro: number;
  recall_macro: number;
  f1_macro: number;
  /** Means weighted by support. */
  precision_weighted: number;
  recall_weighted: number;
  f1_weighted: number;
  /**
   * Binary tasks with probabilities only: the area under the ROC curve of P(classes[1]), tied
   * scores counting one half (the Mann–Whitney U statistic). Null otherwise; `notes.roc_auc` says why.
   */
  roc_auc: number | null;
  /**
   * Mean −ln P(true class), P clipped to [2⁻⁵², 1 − 2⁻⁵²] as scikit-learn does; null without
   * probabilities.
   */
  log_loss: number | null;
  /** Keyed by class name, in class-index order. */
  per_class: Record<string, ClassScores>;
  confusion_matrix: ConfusionMatrix;
  /** Why a metric is null or was set by convention, keyed by metric name. Empty when nothing is. */
  notes: Record<string, string>;
}

export interface RegressionMetrics {
  task: 'regression';
  count: number;
  /** Mean absolute error. */
  mae: number;
  /** Mean squared error. */
  mse: number;
  /** √mse. */
  rmse: number;
  /** 1 − SS_res / SS_tot; null when the true values are constant (SS_tot = 0), `notes.r2` says so. */
  r2: number | null;
  /** Largest absolute error. */
  max_error: number;
  notes: Record<string, string>;
}

export type EvaluationMetrics = ClassificationMetrics | RegressionMetrics;
