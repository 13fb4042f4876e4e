/**
 * k-fold cross-validation figures for small data sets, beside the test figures: the model is trained
 * again once per fold, as the spec says (same epochs, early stopping on a validation share of the
 * fold's training rows), and scored on the fold. The folds are drawn from the training and validation
 * rows only: the test part stays unseen by everything but the final model's evaluation.
 */
import type { Tensor } from '@tensorflow/tfjs';
import { textOfCell } from './dataset/cells.js';
import type { Table } from './dataset/load-table.js';
import type { SchemaColumn } from './dataset/plan-columns.js';
import { prepareData } from './dataset/prepare-data.js';
import { foldRows, splitParts } from './dataset/split-rows.js';
import { meanAndStd } from './dataset/fit-preprocessing.js';
import { evaluatePredictions } from './evaluate/evaluate-predictions.js';
import { distinctSorted } from './evaluate/label-order.js';
import { splitPlanOf } from './spec/resolve-train-spec.js';
import type { ResolvedTrainSpec } from './spec/train-spec.js';
import type { Tf } from './tfjs.js';
import { fitPrepared } from './train-model.js';

/** The metrics summarised over the folds. */
export const CROSS_VALIDATION_METRICS = { classification: ['accuracy', 'f1_macro', 'log_loss'], regression: ['rmse', 'mae', 'r2'] } as const;

export interface CrossValidationResult {
  folds: number;
  /** Rows the folds were drawn from (the training and validation rows of the data). */
  rows: number;
  /** Per metric: mean and population standard deviation over the folds (null when no fold defines it), and each fold's value. */
  metrics: Record<string, { mean: number | null; std: number | null; folds: Array<number | null> }>;
  /** Epochs each fold trained. */
  epochs: number[];
  durationMs: number;
}

export interface CrossValidateOptions {
  tf: Tf;
  spec: ResolvedTrainSpec;
  /** The data. */
  table: Table;
  /** Rows of `table` to draw the folds from: the final model's training and validation rows. */
  rows: readonly number[];
  /** The spec's separate validation table: each fold stops early on it instead of a share of the fold's rows. */
  validationTable?: Table;
  schema?: Readonly<Record<string, SchemaColumn>>;
  /** Called before each fold trains (1-based). */
  onFold?: (fold: number, folds: number) => void;
}

/** Whether the spec asks for cross-validation of data with `labelled` rows. */
export function crossValidationDue(spec: Pick<ResolvedTrainSpec, 'crossValidation'>, labelled: number): boolean {
  const cv = spec.crossValidation;
  return !!cv && (cv.rowsBelow === null || labelled < cv.rowsBelow);
}

export async function crossValidate(options: CrossValidateOptions): Promise<CrossValidationResult> {
  const started = performance.now();
  const { tf, spec, table } = options;
  const folds = spec.crossValidation?.folds ?? 5;
  const plan = splitPlanOf(spec);
  const rows = [...options.rows];
  const classification = spec.task === 'classification';
  let strata: Int32Array | undefined;
  if (classification && plan.stratify) {
    const index = table.columns.indexOf(spec.label);
    const names = rows.map((row) => textOfCell(table.rows[row]![index]) ?? '');
    const position = new Map(distinctSorted(names).map((name, c) => [name, c]));
    strata = Int32Array.from(names, (name) => position.get(name)!);
  }
  const fold = foldRows(rows.length, { folds, seed: plan.seed, ...(strata ? { classes: strata } : {}) });
  // The validation share of a fold's training rows: the spec's share of the rows that are not test rows.
  const innerShare = options.validationTable ? 0 : plan.validation / (1 - plan.test);
  const foldSpec: ResolvedTrainSpec = { ...spec, validation: { ...splitPlanOfSpec(spec), testData: null } };
  const names = CROSS_VALIDATION_METRICS[spec.task];
  const values: Record<string, Array<number | null>> = Object.fromEntries(names.map((name) => [name, []]));
  const epochs: number[] = [];
  for (let f = 0; f < folds; f++) {
    options.onFold?.(f + 1, folds);
    const test = rows.filter((_, i) => fold[i] === f);
    const rest = rows.filter((_, i) => fold[i] !== f);
    const restStrata = strata ? Int32Array.from(rows.map((_, i) => i).filter((i) => fold[i] !== f), (i) => strata![i]!) : undefined;
    const inner = splitParts(rest.length, { validation: innerShare, test: 0, seed: plan.seed + 1 + f, ...(restStrata ? { classes: restStrata } : {}) });
    const prepared = prepareData({
      table,
      spec: foldSpec,
      parts: { train: inner.train.map((i) => rest[i]!), validation: inner.validation.map((i) => rest[i]!), test },
      ...(options.validationTable ? { validationTable: options.validationTable } : {}),
      ...(options.schema ? { schema: options.schema } : {}),
    });
    if (!prepared.test) {
      for (const name of names) values[name]!.push(null);
      continue;
    }
    const early = spec.earlyStopping && spec.earlyStopping.monitor.startsWith('val_') && !prepared.validation ? { ...spec.earlyStopping, monitor: spec.earlyStopping.monitor.slice(4) } : spec.earlyStopping;
    const { model, fitted } = await fitPrepared({ tf, spec: { ...foldSpec, earlyStopping: early }, prepared });
    epochs.push(fitted.epochs);
    const part = prepared.test;
    const input = tf.tensor(part.x, [part.count, ...prepared.inputShape]);
    const output = model.predict(input) as Tensor;
    let outputs: Float32Array;
    try {
      outputs = Float32Array.from(await output.data());
    } finally {
      tf.dispose([input, output]);
      model.dispose();
    }
    const metrics = prepared.classes
      ? evaluatePredictions({ task: 'classification', classes: prepared.classes, actual: part.labels, probabilities: outputs })
      : evaluatePredictions({ task: 'regression', actual: part.labels, predicted: outputs });
    for (const name of names) {
      const value = (metrics as unknown as Record<string, unknown>)[name];
      values[name]!.push(typeof value === 'number' && Number.isFinite(value) ? value : null);
    }
  }
  const metrics: CrossValidationResult['metrics'] = {};
  for (const name of names) {
    const defined = values[name]!.filter((value): value is number => value !== null);
    const { mean, std } = meanAndStd(defined);
    metrics[name] = { mean: defined.length > 0 ? mean : null, std: defined.length > 0 ? std : null, folds: values[name]! };
  }
  return { folds, rows: rows.length, metrics, epochs, durationMs: performance.now() - started };
}

/** The spec's validation settings in the current shape (a spec stored before the test part had another). */
function splitPlanOfSpec(spec: ResolvedTrainSpec): ResolvedTrainSpec['validation'] {
  const plan = splitPlanOf(spec);
  return { split: plan.validation, test: plan.test, stratify: plan.stratify, seed: plan.seed, data: plan.validationData, testData: plan.testData };
}
