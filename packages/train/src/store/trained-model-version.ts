/**
 * What `trainAndStore` stores for a trained model, computed from the stages' results: the files (in
 * memory, in the order they are stored), the model card (made under the registry lock, where it
 * learns its own version), the dataset as parent, and the metadata. Nothing is written here.
 */
import { basename } from 'node:path';
import { captureEnvironment } from '@mlship/core';
import { MODEL_FILES } from '@mlship/onnx';
import type { GateReport } from '../evaluate/gate-evaluate.js';
import { buildModelCard, renderModelCardJson } from '../evaluate/model-card.js';
import { renderModelCardMarkdown } from '../evaluate/model-card-markdown.js';
import { scalarMetricsOf } from '../evaluate/scalar-metrics.js';
import type { CrossValidationResult } from '../cross-validate.js';
import { splitPlanOf } from '../spec/resolve-train-spec.js';
import type { ResolvedTrainSpec } from '../spec/train-spec.js';
import type { HeldOut, TrainModelResult } from '../train-model.js';
import type { HeldOutEvaluation } from './evaluate-held-out.js';
import type { ExportedModel } from './export-trained-model.js';
import type { StoreVersionOptions } from './store-version.js';

/** The training facts recorded with the version and returned by `trainAndStore`. */
export interface TrainingFacts {
  epochs: number;
  early: boolean;
  bestEpoch: number | null;
  split: TrainModelResult['split'];
  durations: TrainModelResult['durations'];
  history: TrainModelResult['history'];
}

export interface TrainedModelFacts {
  name: string;
  trained: Pick<TrainModelResult, 'spec' | 'task' | 'classes' | 'labelType' | 'inputShape' | 'backend' | 'versions' | 'columns' | 'parts' | 'split' | 'tables'>;
  heldOut: HeldOut;
  /** The data file, and the dataset it came from (null for a plain file). */
  dataset: { ref: string | null; file: string; digest: string };
  /** The raw input columns, in order. */
  features: string[];
  training: TrainingFacts;
  evaluation: HeldOutEvaluation;
  gates: GateReport;
  exported: ExportedModel;
  crossValidation: CrossValidationResult | null;
}

export type TrainedModelVersion = Pick<StoreVersionOptions, 'files' | 'versionedFiles' | 'parents' | 'params' | 'environment' | 'extra'> & {
  /** `failed` when a gate failed. */
  status: 'ok' | 'failed';
  /** The scalar metrics. */
  metrics: Record<string, number>;
};

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

function splitDescription(spec: ResolvedTrainSpec, facts: TrainedModelFacts): string {
  const plan = splitPlanOf(spec);
  const { heldOut } = facts;
  const share = (value: number) => `${Math.round(value * 1000) / 10}%`;
  const how = `${plan.stratify && facts.trained.classes ? 'stratified, ' : ''}seed ${plan.seed}`;
  if (heldOut.part === 'validation') {
    const where = plan.validationData !== null ? `validation table ${basename(plan.validationData)}` : `validation split, ${share(plan.validation)}, ${how}`;
    return `${where}, ${heldOut.count} rows (no test part: the rows early stopping used)`;
  }
  const where = plan.testData !== null ? `test table ${basename(plan.testData)}` : `test split, ${share(plan.test)}, ${how}`;
  return `${where}, ${heldOut.count} rows never seen by training or early stopping`;
}

export function trainedModelVersion(facts: TrainedModelFacts): TrainedModelVersion {
  const { trained, heldOut, evaluation, gates, exported } = facts;
  const { spec, classes, backend } = trained;
  const libraries: Record<string, string> = {
    ...Object.fromEntries(Object.entries(trained.versions).map(([key, value]) => [key.startsWith('tfjs') ? key : `tfjs-${key}`, String(value)])),
    backend: backend.detail ? `${backend.name} (${backend.detail})` : backend.name,
  };
  const environment = captureEnvironment(libraries);
  const { onnx } = exported;
  const card = buildModelCard({
    model: { name: facts.name },
    task: trained.task.task,
    label: spec.label,
    features: facts.features,
    dataset: { ref: facts.dataset.ref ?? facts.dataset.file, digest: facts.dataset.digest, evaluation: splitDescription(spec, facts) },
    metrics: evaluation.metrics,
    columns: trained.columns,
    split: {
      rows: trained.tables.data.rows.length,
      withoutLabel: trained.split.dropped.missingLabel,
      missingFeature: trained.split.dropped.missingFeature,
      unseenClass: trained.split.dropped.unseenClass,
      train: trained.split.train,
      validation: trained.split.validation,
      test: trained.split.test,
      metricsFrom: heldOut.part,
    },
    ...(facts.crossValidation ? { crossValidation: facts.crossValidation } : {}),
    ...(evaluation.groups ? { groups: [evaluation.groups] } : {}),
    importance: evaluation.importance,
    gates,
    training: {
      seed: spec.seed,
      epochs: facts.training.epochs,
      epochsPlanned: spec.epochs,
      batchSize: spec.batchSize,
      optimizer: spec.optimizer,
      loss: spec.loss,
      model: spec.model,
      backend: `${backend.name}: ${backend.reason}`,
      weightsDigest: exported.weightsDigest,
      onnx: `${MODEL_FILES.onnx} opset ${onnx.opset}, IR ${onnx.irVersion}, max |onnx − tfjs| ${onnx.maxAbsError.toExponential(2)}`,
    },
    environment: { ...environment },
  });
  // `part` and `table` say which rows these are (a version without them held its validation rows, of
  // the validation table when its spec named one, else of the data); `parts` records the rest of the split.
  const predictions = {
    part: heldOut.part,
    table: heldOut.source,
    rows: heldOut.rows,
    actual: classes ? Array.from(heldOut.actual, (index) => classes[index]) : Array.from(heldOut.actual),
    predicted: classes ? evaluation.predicted.map((index) => classes[index]) : evaluation.predicted,
    parts: {
      train: { table: trained.parts.train.source, rows: trained.parts.train.rows },
      validation: trained.parts.validation ? { table: trained.parts.validation.source, rows: trained.parts.validation.rows } : null,
    },
  };
  const { training } = facts;
  return {
    files: [
      ...exported.tfjsFiles,
      { name: MODEL_FILES.onnx, data: exported.bytes },
      { name: MODEL_FILES.signature, data: json(exported.signature) },
      { name: MODEL_FILES.metrics, data: json(evaluation.metrics) },
      { name: MODEL_FILES.predictions, data: json(predictions) },
      { name: MODEL_FILES.spec, data: json(spec) },
    ],
    // The card names its own version, so it is made under the registry lock once the number is taken.
    versionedFiles: ({ version, ref, created, filesDigest }) => {
      const named = { ...card, model: { ...card.model, version, ref, digest: filesDigest, created } };
      return [
        { name: MODEL_FILES.cardMarkdown, data: renderModelCardMarkdown(named) },
        { name: MODEL_FILES.cardJson, data: renderModelCardJson(named) },
      ];
    },
    ...(facts.dataset.ref !== null ? { parents: [facts.dataset.ref] } : {}),
    status: gates.passed ? 'ok' : 'failed',
    params: { spec, seed: spec.seed, backend: { name: backend.name, reason: backend.reason } },
    metrics: scalarMetricsOf(evaluation.metrics),
    environment,
    extra: {
      model: { task: trained.task, label: spec.label, features: facts.features, classes, ...(trained.labelType ? { labelType: trained.labelType } : {}), inputShape: trained.inputShape },
      columns: trained.columns,
      dataset: facts.dataset,
      onnx: { opset: onnx.opset, irVersion: onnx.irVersion, maxAbsError: onnx.maxAbsError, digest: onnx.digest },
      weightsDigest: exported.weightsDigest,
      gates,
      training: { epochs: training.epochs, early: training.early, bestEpoch: training.bestEpoch, split: training.split, metricsFrom: heldOut.part },
      ...(facts.crossValidation ? { crossValidation: facts.crossValidation } : {}),
      backend,
    },
  };
}
