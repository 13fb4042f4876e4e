/** The five built-in methods, for the methods table (`registerBuiltinMethods`). */
import { decodeModel, exportLayersModel, verifyExport, type OnnxModel } from '@mlship/onnx';
import { foldLabelScaling, layersModelFiles, type ResolvedTrainSpec } from '@mlship/train';
import type { LayersModel } from '@tensorflow/tfjs';
import { distillLayersModel } from './distill/index.js';
import { compressOptionsError } from './errors.js';
import { compressionMethod, registerCompressionMethod, type CompressionMethod, type MethodContext, type MethodResult } from './methods.js';
import { encodeSparseWeights, pruneLayersModel, type PruningSchedule } from './prune/index.js';
import { activationsToCalibrate, calibrateRanges, convertToFloat16, quantizeDynamic, quantizeStatic } from './quantize/index.js';
import type { TrainingContext } from './training-context.js';
import type { GraphPassResult } from './types.js';

/** Student epochs when --epochs is not given: students learn slowly from soft targets (measured on digits: 20 epochs lost 2.2 points, 100 lost 0.8). */
export const DEFAULT_DISTILL_EPOCHS = 100;
/** The student's learning rate, as a multiple of the teacher's, when --learning-rate is not given. */
export const DISTILL_LEARNING_RATE_FACTOR = 3;
/** Fine-tuning epochs of pruning when --epochs is not given. */
export const DEFAULT_PRUNE_EPOCHS = 10;
/** Pruning reaches its final sparsity at this fraction of the fine-tuning steps, then trains with the mask fixed. */
export const PRUNE_END_FRACTION = 0.7;

function nothingToCompress() {
  return compressOptionsError('the model has no float32 MatMul, Gemm or Conv weights to compress', 'is it compressed already? compress the model it came from');
}

function passResult(pass: GraphPassResult, details: Record<string, unknown>): MethodResult {
  if (pass.weights.length === 0) throw nothingToCompress();
  return { model: pass.model, details: { ...details, weights: pass.weights, skipped: pass.skipped } };
}

/**
 * The exported ONNX model of a tfjs model in training units (see `loadSourceModel`), checked against
 * tfjs on the held-out rows. A regression model's label scaling is folded back in first.
 */
async function exportChecked(training: TrainingContext, model: LayersModel): Promise<{ model: OnnxModel; maxAbsError: number }> {
  const { prepared } = training;
  if (prepared.labelScaling) foldLabelScaling(training.tf, model, prepared.labelScaling);
  const exported = exportLayersModel({ model, preprocessing: prepared.preprocessing, ...(prepared.classes ? { classes: prepared.classes } : {}) });
  const checked = prepared.heldOut!.data;
  const check = await verifyExport({ model, exported, input: checked.raw, rows: checked.count });
  return { model: decodeModel(exported.bytes), maxAbsError: check.maxAbsError };
}

function stepsPerEpoch(training: TrainingContext): number {
  return Math.ceil(training.prepared.train.count / training.spec.batchSize);
}

async function prune(context: MethodContext): Promise<MethodResult> {
  const training = await context.training();
  const { tf, spec, prepared } = training;
  const epochs = context.settings.epochs ?? DEFAULT_PRUNE_EPOCHS;
  const steps = epochs * stepsPerEpoch(training);
  const given = context.settings.schedule;
  const schedule: PruningSchedule = { ...given, endStep: given.endStep ?? Math.max(given.beginStep + 1, Math.round(steps * PRUNE_END_FRACTION)) };
  if (schedule.endStep > steps) throw compressOptionsError(`--end-step ${schedule.endStep} is past the last fine-tuning step (${steps} = ${epochs} epochs × ${stepsPerEpoch(training)} steps)`, 'lower --end-step or raise --epochs');
  const model = await training.loadSourceModel();
  try {
    const pruned = await pruneLayersModel({
      tf,
      model,
      train: prepared.train,
      ...(prepared.validation ? { validation: prepared.validation } : {}),
      inputShape: prepared.inputShape,
      schedule,
      epochs,
      batchSize: spec.batchSize,
      seed: context.settings.seed,
      optimizer: { name: spec.optimizer.name, learningRate: context.settings.learningRate ?? spec.optimizer.learningRate },
      loss: spec.loss,
      ...(context.onEpoch ? { onEpoch: (event) => context.onEpoch!(event) } : {}),
    });
    const exported = await exportChecked(training, model);
    const encoded = encodeSparseWeights(exported.model);
    return {
      model: encoded.model,
      details: {
        schedule,
        epochs,
        steps: pruned.steps,
        backend: training.backend.name,
        layers: pruned.layers,
        sparseWeights: encoded.weights,
        exportMaxAbsError: exported.maxAbsError,
      },
    };
  } finally {
    model.dispose();
  }
}

async function distill(context: MethodContext): Promise<MethodResult> {
  const training = await context.training();
  const { tf, spec, prepared } = training;
  if (!prepared.classes) throw compressOptionsError('distillation trains on the teacher\'s class probabilities; this model is a regression model', 'use prune, int8 or fp16 for regression models');
  const student = context.settings.student ?? DEFAULT_STUDENT;
  const epochs = context.settings.epochs ?? DEFAULT_DISTILL_EPOCHS;
  const optimizer = { name: spec.optimizer.name, learningRate: context.settings.learningRate ?? spec.optimizer.learningRate * DISTILL_LEARNING_RATE_FACTOR };
  const teacher = await training.loadSourceModel();
  let trained: LayersModel | undefined;
  try {
    const result = await distillLayersModel({
      tf,
      teacher,
      student,
      inputShape: prepared.inputShape,
      classes: prepared.classes.length,
      train: prepared.train,
      ...(prepared.validation ? { validation: prepared.validation } : {}),
      temperature: context.settings.temperature,
      alpha: context.settings.alpha,
      epochs,
      batchSize: spec.batchSize,
      seed: context.settings.seed,
      optimizer,
      // No early stopping: the best validation epoch was the last in every measured run.
      earlyStopping: null,
      ...(context.onEpoch ? { onEpoch: (event) => context.onEpoch!(event) } : {}),
    });
    trained = result.student;
    const exported = await exportChecked(training, trained);
    const studentSpec: ResolvedTrainSpec = { ...spec, model: student, epochs, optimizer: { ...spec.optimizer, learningRate: optimizer.learningRate } };
    return {
      model: exported.model,
      details: {
        student,
        parameters: result.parameters,
        reduction: result.parameters.teacher / result.parameters.student,
        temperature: context.settings.temperature,
        alpha: context.settings.alpha,
        epochs,
        history: result.history,
        backend: training.backend.name,
        exportMaxAbsError: exported.maxAbsError,
      },
      files: await layersModelFiles(tf, trained),
      spec: studentSpec,
    };
  } finally {
    teacher.dispose();
    trained?.dispose();
  }
}

/** The student when neither --student nor --student-layers is given: one hidden layer of 32 units. */
export const DEFAULT_STUDENT: ResolvedTrainSpec['model'] = { mlp: [32] } as ResolvedTrainSpec['model'];

const BUILTIN_METHODS: Record<string, CompressionMethod> = {
  int8: {
    summary: 'int8 weights, activations quantized at run time (dynamic quantization)',
    settings: ['perChannel'],
    compress: async ({ source, settings }) => passResult(quantizeDynamic(source.onnx, { perChannel: settings.perChannel }), { perChannel: settings.perChannel }),
  },
  'int8-static': {
    summary: 'int8 weights and activations, ranges calibrated on data (QDQ or QOperator)',
    settings: ['perChannel', 'format', 'calibrationMethod', 'percentile', 'seed'],
    compress: async ({ source, settings, calibration }) => {
      const rows = await calibration();
      const values = activationsToCalibrate(source.onnx, undefined, settings.format);
      if (values.length === 0) throw nothingToCompress();
      const ranges = await calibrateRanges({
        model: source.onnx,
        input: { name: rows.input.name, data: rows.input.data, rowDims: rows.input.rowDims, count: rows.input.count },
        values,
        method: settings.calibrationMethod,
        ...(settings.calibrationMethod === 'percentile' ? { percentile: settings.percentile } : {}),
      });
      const pass = quantizeStatic(source.onnx, { ranges, perChannel: settings.perChannel, format: settings.format });
      return passResult(pass, {
        format: settings.format,
        perChannel: settings.perChannel,
        calibration: { method: settings.calibrationMethod, ...(settings.calibrationMethod === 'percentile' ? { percentile: settings.percentile } : {}), rows: rows.input.count, source: rows.description },
      });
    },
  },
  fp16: {
    summary: 'float16 weights (cast to float32 for CPU), or the whole graph in float16 for GPU',
    settings: ['fp16Mode'],
    compress: async ({ source, settings }) => passResult(convertToFloat16(source.onnx, { mode: settings.fp16Mode }), { mode: settings.fp16Mode }),
  },
  prune: {
    summary: 'magnitude pruning with fine-tuning on a polynomial-decay schedule; zeros stored compactly',
    settings: ['schedule', 'epochs', 'learningRate', 'seed'],
    trains: true,
    compress: prune,
  },
  distill: {
    summary: 'a smaller student trained on the teacher\'s soft targets and the true labels',
    settings: ['student', 'temperature', 'alpha', 'epochs', 'learningRate', 'seed'],
    trains: true,
    compress: distill,
  },
};

/** Registers the built-in methods (once; a method registered under the same name before wins). */
export function registerBuiltinMethods(): void {
  for (const [name, method] of Object.entries(BUILTIN_METHODS)) if (!compressionMethod(name)) registerCompressionMethod(name, method);
}
