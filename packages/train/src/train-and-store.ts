/**
 * `trainAndStore`: what `mlship train` does. Train from a spec (or the data and label alone),
 * evaluate on the held-out rows, export to ONNX and check the export, judge the gates, and store
 * everything as the next `models/NAME:N` with its lineage. Returns data; never prints.
 *
 * In stages, each in its own file under `store/`: check the options (`checkTrainOptions`); read the
 * data (and a stored dataset's schema); train (`trainModel`) and check what needed the model
 * (`checkTrainedModel`); evaluate on the test rows and judge the gates (`judgeTrainedModel`);
 * cross-validate a small data set (`crossValidate`); export and check (`exportTrainedModel`); store what
 * `trainedModelVersion` lists with `storeVersion`, which moves the alias only when the gates passed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Digest } from '@mlship/core';
import type { ArtifactFile } from '@mlship/registry';
import { crossValidate, crossValidationDue, type CrossValidationResult } from './cross-validate.js';
import { loadTable } from './dataset/load-table.js';
import type { ColumnUse } from './dataset/plan-columns.js';
import type { GateReport } from './evaluate/gate-evaluate.js';
import type { EvaluationMetrics } from './evaluate/evaluation-types.js';
import type { GroupMetrics } from './evaluate/group-metrics.js';
import type { PermutationImportance } from './evaluate/permutation-importance.js';
import type { BatchEvent, EpochEvent } from './fit/fit-epochs.js';
import { checkTrainOptions } from './store/check-train-options.js';
import { checkTrainedModel } from './store/check-trained-model.js';
import { exportTrainedModel } from './store/export-trained-model.js';
import { judgeTrainedModel } from './store/judge-trained-model.js';
import { datasetSchema } from './store/dataset-schema.js';
import { modelName } from './store/model-name.js';
import { storeVersion, type Promotion } from './store/store-version.js';
import { trainedModelVersion, type TrainingFacts } from './store/trained-model-version.js';
import { resolveTrainingData } from './store/training-data.js';
import { loadTfjs } from './tfjs.js';
import { trainModel, type TrainModelResult } from './train-model.js';

export interface TrainAndStoreOptions {
  /** The registry root. */
  registry: string;
  /** A data file, or a stored dataset ref `datasets/NAME[:N|@alias]`. */
  data: string;
  /** A train spec file (YAML or JSON); without one the default spec for the data and label is used. */
  spec?: string;
  label?: string;
  /** The task (`--task`): classification or regression, instead of inferring it from the label. */
  task?: 'classification' | 'regression';
  seed?: number;
  epochs?: number;
  backend?: string;
  /** The model name (`models/NAME:N`); default: the spec file's or data file's name without extension, or the dataset's name. */
  name?: string;
  /** A sensitive column: per-group metrics and gaps on the held-out rows. */
  groupBy?: string;
  /** Gate expressions, added to the spec's `gates`. */
  gates?: string[];
  /** A stored model whose metrics this one may not fall below by more than `maxRegression`. */
  compareTo?: string;
  /** Default 0. */
  maxRegression?: number;
  /** An alias to move to the new version when every gate passes. */
  promote?: string;
  /** Shuffles per feature for permutation importance (default 3). */
  importanceRepeats?: number;
  /** Key=value pairs (`--meta`), stored as the metadata's `labels`. */
  metadataLabels?: Record<string, string>;
  /** Store a new version even when the latest one holds the same model (see `storeVersion`). */
  newVersion?: boolean;
  onEpoch?: (event: EpochEvent) => void | Promise<void>;
  onBatch?: (event: BatchEvent) => void | Promise<void>;
  /** Called when a stage starts: what the CLI shows between epochs and the end. */
  onStage?: (stage: 'data' | 'train' | 'evaluate' | 'cross-validate' | 'export' | 'store') => void;
  /** Cross-validation: called before each fold trains. */
  onFold?: (fold: number, folds: number) => void;
  onStoreProgress?: (event: { file: string; bytes: number; totalBytes: number | undefined }) => void;
}

/**
 * Named and ordered as `mlship train --json` prints it, which leaves out `name` and `version` (both
 * in `ref`) and the training's `durations` and `history`.
 */
export interface TrainAndStoreResult {
  ref: string;
  name: string;
  version: number;
  /** The version's manifest digest. */
  digest: Digest;
  contentDigest: Digest;
  /** `failed` when a gate failed, or the dataset is marked failed; the version is stored either way. */
  status: 'ok' | 'failed';
  /** True when the latest version of the name already held this model (same bytes, parents, status) and was returned instead of a new one. */
  reused: boolean;
  /** The scalar metrics, as the version's metadata records them. */
  metrics: Record<string, number>;
  gates: GateReport;
  backend: TrainModelResult['backend'];
  weightsDigest: Digest;
  onnx: { file: string; digest: Digest; opset: number; irVersion: number; maxAbsError: number };
  dataset: { ref: string | null; file: string; digest: string };
  promoted: Promotion | null;
  task: { task: 'classification' | 'regression'; reason: string };
  label: string;
  features: string[];
  classes: string[] | null;
  /** How each column of the data was used (feature, derived from a datetime, excluded), and why. */
  columns: ColumnUse[];
  /** Every metric, on the test rows (the validation rows when there is no test part): the version's metrics.json. */
  evaluation: EvaluationMetrics;
  /** k-fold figures over the training and validation rows, for small data sets; null when not run. */
  crossValidation: CrossValidationResult | null;
  groups: GroupMetrics | null;
  importance: PermutationImportance;
  training: TrainingFacts;
  files: ArtifactFile[];
  warnings: string[];
}

/**
 * Trains, evaluates, exports and stores one model version. Bad gates, refs and alias names fail
 * before training (exit 2). A gate that fails does not throw: the version is stored with
 * `status: failed` and `promote` is skipped; the caller decides the exit code.
 */
export async function trainAndStore(options: TrainAndStoreOptions): Promise<TrainAndStoreResult> {
  const checked = await checkTrainOptions(options);
  const workDir = await mkdtemp(join(tmpdir(), 'mlship-train-'));
  let trained: TrainModelResult | undefined;
  try {
    options.onStage?.('data');
    const data = await resolveTrainingData(options.data, { workDir, registry: async () => options.registry });
    const name = modelName(options, data.dataset?.ref ?? null);
    const table = await loadTable(data.path);
    const schema = data.dataset ? await datasetSchema(options.registry, data.dataset.ref) : undefined;

    options.onStage?.('train');
    trained = await trainModel({
      data: table,
      ...(checked.spec ? { spec: checked.spec } : {}),
      ...(schema ? { schema } : {}),
      ...(options.label !== undefined ? { label: options.label } : {}),
      ...(options.task !== undefined ? { task: options.task } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
      ...(options.backend !== undefined ? { backend: options.backend } : {}),
      ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
      ...(options.onBatch ? { onBatch: options.onBatch } : {}),
    });
    const heldOut = checkTrainedModel(trained, checked.gates, options.groupBy);
    const tf = await loadTfjs();

    options.onStage?.('evaluate');
    const { evaluation, gates } = await judgeTrainedModel({
      registry: options.registry,
      tf,
      trained,
      heldOut,
      gates: checked.gates,
      ...(options.groupBy !== undefined ? { groupBy: options.groupBy } : {}),
      baseline: checked.baseline,
      maxRegression: checked.maxRegression,
      ...(options.importanceRepeats !== undefined ? { importanceRepeats: options.importanceRepeats } : {}),
    });

    let crossValidation: CrossValidationResult | null = null;
    if (crossValidationDue(trained.spec, trained.split.labelled)) {
      options.onStage?.('cross-validate');
      const development = [...trained.parts.train.rows, ...(trained.parts.validation?.source === 'data' ? trained.parts.validation.rows : [])].sort((a, b) => a - b);
      crossValidation = await crossValidate({
        tf,
        spec: trained.spec,
        table,
        rows: development,
        ...(trained.tables.validation ? { validationTable: trained.tables.validation } : {}),
        ...(schema ? { schema } : {}),
        ...(options.onFold ? { onFold: options.onFold } : {}),
      });
    }

    options.onStage?.('export');
    const exported = await exportTrainedModel(tf, trained, heldOut);

    options.onStage?.('store');
    const dataset = { ref: data.dataset?.ref ?? null, file: data.file, digest: data.digest };
    const features = trained.rawColumns.map((column) => column.name);
    const { stopped, split, durations, history } = trained;
    const training = { epochs: stopped.epochs, early: stopped.early, bestEpoch: stopped.bestEpoch, split, durations, history };
    const version = trainedModelVersion({ name, trained, heldOut, dataset, features, training, evaluation, gates, exported, crossValidation });
    const stored = await storeVersion({
      registry: options.registry,
      name,
      ...version,
      ...(options.promote !== undefined ? { promote: options.promote } : {}),
      ...(options.metadataLabels ? { metadataLabels: options.metadataLabels } : {}),
      ...(options.onStoreProgress ? { onProgress: options.onStoreProgress } : {}),
      ...(options.newVersion ? { newVersion: true } : {}),
    });
    return {
      ref: stored.ref,
      name,
      version: stored.version,
      digest: stored.digest,
      contentDigest: stored.contentDigest,
      // What derives from a failed dataset is failed (putArtifact marks it).
      status: stored.status ?? version.status,
      reused: stored.reused,
      metrics: version.metrics,
      gates,
      backend: trained.backend,
      weightsDigest: exported.weightsDigest,
      onnx: exported.onnx,
      dataset,
      promoted: stored.promoted,
      task: trained.task,
      label: trained.spec.label,
      features,
      classes: trained.classes,
      columns: trained.columns,
      evaluation: evaluation.metrics,
      crossValidation,
      groups: evaluation.groups,
      importance: evaluation.importance,
      training,
      files: stored.files,
      warnings: trained.warnings,
    };
  } finally {
    trained?.model.dispose();
    await rm(workDir, { recursive: true, force: true });
  }
}
