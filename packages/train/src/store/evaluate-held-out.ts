/** Evaluation of a freshly trained model on its held-out rows: metrics, per-group metrics, permutation importance. */
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { encodeInputs } from '../dataset/encode-rows.js';
import { evaluateGroups, type GroupMetrics } from '../evaluate/group-metrics.js';
import { evaluatePredictions } from '../evaluate/evaluate-predictions.js';
import type { EvaluationInput, EvaluationMetrics } from '../evaluate/evaluation-types.js';
import { permutationImportance, type PermutationImportance } from '../evaluate/permutation-importance.js';
import { mostProbableClasses } from '../evaluate/probability-matrix.js';
import type { Tf } from '../tfjs.js';
import type { HeldOut, TrainModelResult } from '../train-model.js';

export const DEFAULT_STORE_IMPORTANCE_REPEATS = 3;

export interface HeldOutEvaluation {
  metrics: EvaluationMetrics;
  /** Class indices (classification) or values (regression), one per held-out row. */
  predicted: number[];
  groups: GroupMetrics | null;
  importance: PermutationImportance;
}

export interface EvaluateHeldOutOptions {
  tf: Tf;
  trained: Pick<TrainModelResult, 'model' | 'preprocessing' | 'rawColumns' | 'classes' | 'inputShape' | 'spec'>;
  heldOut: HeldOut;
  /** `--group-by`: the column's name and its value in each held-out row. */
  group?: { column: string; values: unknown[] };
  importanceRepeats?: number;
}

/** Model outputs for tfjs inputs of `count` rows: probabilities row-major, or one value per row. */
async function predictOutputs(tf: Tf, model: LayersModel, x: Float32Array, count: number, inputShape: number[]): Promise<Float32Array> {
  const input = tf.tensor(x, [count, ...inputShape], 'float32');
  const output = model.predict(input) as Tensor;
  try {
    return Float32Array.from(await output.data());
  } finally {
    input.dispose();
    output.dispose();
  }
}

export async function evaluateHeldOut(options: EvaluateHeldOutOptions): Promise<HeldOutEvaluation> {
  const { tf, trained, heldOut } = options;
  const { classes } = trained;
  const columns = trained.rawColumns.map((column) => column.name);
  const toPredictions = (outputs: Float32Array, count: number): number[] =>
    classes ? mostProbableClasses(outputs, count, classes.length) : Array.from(outputs);

  const outputs = await predictOutputs(tf, trained.model, heldOut.x, heldOut.count, trained.inputShape);
  const input: EvaluationInput = classes
    ? { task: 'classification', classes, actual: heldOut.actual, probabilities: outputs }
    : { task: 'regression', actual: heldOut.actual, predicted: outputs };
  const metrics = evaluatePredictions(input);
  const predicted = toPredictions(outputs, heldOut.count);
  const groups = options.group ? evaluateGroups(input, { column: options.group.column, values: options.group.values }) : null;

  // Permutation importance over the raw input columns (what the exported model takes).
  const width = columns.length;
  const rows = Array.from({ length: heldOut.count }, (_, r) => Object.fromEntries(columns.map((name, j) => [name, heldOut.raw[r * width + j]!])));
  const importance = await permutationImportance({
    task: classes ? 'classification' : 'regression',
    rows,
    features: columns,
    actual: heldOut.actual,
    seed: trained.spec.seed,
    repeats: options.importanceRepeats ?? DEFAULT_STORE_IMPORTANCE_REPEATS,
    predict: async (batch) => {
      const raw = new Float32Array(batch.length * width);
      batch.forEach((row, r) => columns.forEach((name, j) => (raw[r * width + j] = row[name] as number)));
      const x = encodeInputs(trained.preprocessing, raw, batch.length);
      return toPredictions(await predictOutputs(tf, trained.model, x, batch.length, trained.inputShape), batch.length);
    },
  });
  return { metrics, predicted, groups, importance };
}
