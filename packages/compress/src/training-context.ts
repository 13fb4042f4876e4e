/**
 * What pruning and distillation need: tfjs on a training backend, the source model's tfjs model,
 * and its training data prepared exactly as `mlship train` prepared it (same spec, same data, same
 * split, the model's own preprocessing), checked against the held-out rows the source recorded.
 */
import type { LayersModel } from '@tensorflow/tfjs';
import {
  buildModel,
  compileModel,
  loadTfjs,
  prepareData,
  readStoredFile,
  resolveBackend,
  trialStep,
  unfoldLabelScaling,
  TFJS_MODEL_FILE,
  TFJS_WEIGHTS_FILE,
  type BackendChoice,
  type PreparedData,
  type ResolvedTrainSpec,
  type Tf,
} from '@mlship/train';
import { compressDataError, compressOptionsError } from './errors.js';
import type { EvaluationData } from './evaluation-data.js';
import type { SourceModel } from './source-model.js';

export interface TrainingContext {
  tf: Tf;
  spec: ResolvedTrainSpec;
  prepared: PreparedData;
  backend: BackendChoice;
  /**
   * A fresh copy of the source's tfjs model (the caller disposes it), in training units: a regression
   * model predicts the standardised label again (`mlship train` folded the scaling into its output
   * layer), so it fits `prepared.train.y`. `exportChecked` folds it back.
   */
  loadSourceModel(): Promise<LayersModel>;
}

export async function loadTrainingContext(options: {
  registry: string;
  source: SourceModel;
  evaluation: EvaluationData;
  method: string;
  backend?: string;
}): Promise<TrainingContext> {
  const { source, evaluation } = options;
  const spec = source.spec;
  // compressModel checks these first (checkTrainable); kept for other callers.
  if (!source.hasTfjs || !spec || !evaluation.training || !evaluation.heldOutTable) {
    throw compressOptionsError(`${options.method} needs a model \`mlship train\` stored, judged on its own held-out split`, 'use --method int8, int8-static or fp16, without --eval-data for this one');
  }
  const tf = await loadTfjs();
  // The model's own preprocessing and classes (of whichever mlship version stored it), on the same split.
  const { signature } = source;
  const prepared = prepareData({
    table: evaluation.training.table,
    spec,
    ...(evaluation.tables.validation ? { validationTable: evaluation.tables.validation } : {}),
    ...(evaluation.tables.test ? { testTable: evaluation.tables.test } : {}),
    fixed: {
      preprocessing: signature.image ? { image: signature.image } : { features: signature.features ?? [] },
      classes: signature.labels ?? null,
      ...(signature.labelType ? { labelType: signature.labelType } : {}),
    },
  });
  const rows = prepared.heldOut?.data.rows ?? [];
  if (rows.length !== source.heldOutRows?.length || rows.some((row, i) => row !== source.heldOutRows![i])) {
    throw compressDataError(`the split of the data no longer matches the one ${source.artifact.ref} recorded`, 'compress a model trained by this version of mlship, or pass --eval-data');
  }
  const outputUnits = prepared.classes?.length ?? 1;
  const build = () => {
    const model = buildModel({ tf, model: spec.model, inputShape: prepared.inputShape, outputUnits, outputActivation: prepared.classes ? 'softmax' : 'linear', seed: spec.seed });
    compileModel(tf, model, spec);
    return model;
  };
  const backend = await resolveBackend({ tf, requested: options.backend ?? spec.backend, trial: () => trialStep(tf, build, prepared.inputShape, outputUnits) });
  const topology = JSON.parse((await readStoredFile(options.registry, source.artifact, TFJS_MODEL_FILE)).toString('utf8')) as {
    modelTopology: object;
    weightsManifest: Array<{ weights: Parameters<Tf['io']['fromMemory']>[1] }>;
  };
  const weights = await readStoredFile(options.registry, source.artifact, TFJS_WEIGHTS_FILE);
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  return {
    tf,
    spec,
    prepared,
    backend,
    loadSourceModel: async () => {
      const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: topology.modelTopology, weightSpecs: topology.weightsManifest.flatMap((group) => group.weights as never[]), weightData }));
      if (prepared.labelScaling) unfoldLabelScaling(tf, model, prepared.labelScaling);
      return model;
    },
  };
}
