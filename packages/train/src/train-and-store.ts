/**
 * `trainAndStore`: what `mlship train` does. Train from a spec (or the data and label alone),
 * evaluate on the held-out rows, export to ONNX and check the export, judge the gates, and store
 * everything as the next `models/NAME:N` with its lineage. Returns data; never prints.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { ErrorCode, ExitCode, MlshipError, captureEnvironment, digestOf, isValidAlias, parseArtifactName, readAll, type Digest } from '@mlship/core';
import { exportLayersModel, MODEL_FILES, verifyExport } from '@mlship/onnx';
import type { ArtifactFile, ArtifactVersion } from '@mlship/registry';
import { columnCells, loadTable, type Table } from './dataset/load-table.js';
import { trainDataError } from './errors.js';
import { evaluateGates, type GateReport } from './evaluate/gate-evaluate.js';
import { planGates, type GatePlan } from './evaluate/gate-plan.js';
import type { EvaluationMetrics } from './evaluate/evaluation-types.js';
import type { GroupMetrics } from './evaluate/group-metrics.js';
import { buildModelCard, renderModelCardJson } from './evaluate/model-card.js';
import { renderModelCardMarkdown } from './evaluate/model-card-markdown.js';
import type { PermutationImportance } from './evaluate/permutation-importance.js';
import type { BatchEvent, EpochEvent } from './fit/fit-epochs.js';
import { loadTrainSpec, requireTrainSpec } from './spec/load-train-spec.js';
import type { ResolvedTrainSpec, TrainSpec } from './spec/train-spec.js';
import { evaluateHeldOut } from './store/evaluate-held-out.js';
import { saveLayersModel } from './store/save-tfjs-model.js';
import { resolveTrainingData } from './store/training-data.js';
import { loadTfjs } from './tfjs.js';
import { trainModel, type TrainModelResult } from './train-model.js';
import { weightsDigest } from './weights-digest.js';

export interface TrainAndStoreOptions {
  /** The registry root. */
  registry: string;
  /** A data file, or a stored dataset ref `datasets/NAME[:N|@alias]`. */
  data: string;
  /** A train spec file (YAML or JSON); without one the default spec for the data and label is used. */
  spec?: string;
  label?: string;
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
  /** Labels recorded on the version. */
  labels?: Record<string, string>;
  onEpoch?: (event: EpochEvent) => void | Promise<void>;
  onBatch?: (event: BatchEvent) => void | Promise<void>;
  /** Called when a stage starts: what the CLI shows between epochs and the end. */
  onStage?: (stage: 'data' | 'train' | 'evaluate' | 'export' | 'store') => void;
  onStoreProgress?: (event: { file: string; bytes: number; totalBytes: number | undefined }) => void;
}

export interface TrainAndStoreResult {
  ref: string;
  name: string;
  version: number;
  /** The version's manifest digest. */
  digest: Digest;
  contentDigest: Digest;
  /** `failed` when a gate failed; the version is stored either way. */
  status: 'ok' | 'failed';
  task: { task: 'classification' | 'regression'; reason: string };
  label: string;
  features: string[];
  classes: string[] | null;
  metrics: EvaluationMetrics;
  /** The scalar metrics recorded in the version's metadata. */
  scalarMetrics: Record<string, number>;
  groups: GroupMetrics | null;
  importance: PermutationImportance;
  gates: GateReport;
  backend: TrainModelResult['backend'];
  dataset: { ref: string | null; file: string; digest: string };
  weightsDigest: Digest;
  onnx: { file: string; digest: Digest; opset: number; irVersion: number; maxAbsError: number };
  training: {
    epochs: number;
    early: boolean;
    bestEpoch: number | null;
    split: TrainModelResult['split'];
    durations: TrainModelResult['durations'];
    history: TrainModelResult['history'];
  };
  promoted: { alias: string; ref: string; previous: string | null } | null;
  files: ArtifactFile[];
  warnings: string[];
}

/** Moves `alias` to a new version whose gates passed; null when no alias was asked for or a gate failed. */
export async function promoteIfPassed(registry: string, ref: string, alias: string | undefined, passed: boolean): Promise<{ alias: string; ref: string; previous: string | null } | null> {
  if (alias === undefined || !passed) return null;
  const { tagArtifact } = await import('@mlship/registry');
  const tagged = await tagArtifact({ registry, ref, alias });
  return { alias: tagged.alias, ref: tagged.ref, previous: tagged.previous };
}

/** Numbers only: what gates and `registry list` compare across versions. */
export function scalarMetricsOf(metrics: EvaluationMetrics): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1])));
}

function defaultName(options: TrainAndStoreOptions, datasetRef: string | null): string {
  if (options.name !== undefined) return options.name;
  if (datasetRef) return datasetRef.slice('datasets/'.length).replace(/[:@].*$/, '');
  const source = options.spec ?? options.data;
  let stem = basename(source);
  while (extname(stem) !== '') stem = stem.slice(0, -extname(stem).length);
  const name = stem.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return name === '' ? 'model' : name;
}

/** The baseline's full metrics (its metrics.json) when it has them, else the scalars of its metadata. */
async function baselineMetrics(root: string, baseline: ArtifactVersion): Promise<unknown> {
  if (baseline.files.some((file) => file.name === MODEL_FILES.metrics)) {
    const { openArtifactFile } = await import('@mlship/registry');
    const { stream } = await openArtifactFile(root, baseline, MODEL_FILES.metrics);
    const bytes = await readAll(stream);
    try {
      return JSON.parse(bytes.toString('utf8')) as unknown;
    } catch {
      // fall back to the metadata
    }
  }
  return baseline.metadata.metrics ?? {};
}

function groupValues(table: Table, column: string, rows: readonly number[]): unknown[] {
  const index = table.columns.indexOf(column);
  if (index < 0) throw trainDataError(`--group-by ${JSON.stringify(column)}: no such column in the data`, `choose one of: ${table.columns.join(', ')}`);
  const cells = columnCells(table, index);
  return rows.map((row) => cells[row] ?? null);
}

function splitDescription(spec: ResolvedTrainSpec, trained: TrainModelResult): string {
  if ('data' in spec.validation) return `validation table ${basename(spec.validation.data)}, ${trained.split.validation} rows`;
  const { split, stratify, seed } = spec.validation;
  return `held-out split, ${Math.round(split * 1000) / 10}%${stratify && trained.labels ? ', stratified' : ''}, seed ${seed}, ${trained.split.validation} rows`;
}

/**
 * Trains, evaluates, exports and stores one model version. Bad gates, refs and alias names fail
 * before training (exit 2). A gate that fails does not throw: the version is stored with
 * `status: failed` and `promote` is skipped; the caller decides the exit code.
 */
export async function trainAndStore(options: TrainAndStoreOptions): Promise<TrainAndStoreResult> {
  const registry = async () => options.registry;
  const { resolveRef, putArtifact } = await import('@mlship/registry');
  if (options.promote !== undefined && !isValidAlias(options.promote)) {
    throw new MlshipError(ErrorCode.invalidRef, `bad alias "${options.promote}"`, {
      hint: 'an alias starts with a letter, then letters, digits, ".", "_" or "-" (e.g. production)',
      exitCode: ExitCode.usage,
    });
  }
  let spec: TrainSpec | undefined;
  if (options.spec !== undefined) spec = requireTrainSpec(await loadTrainSpec(options.spec), options.spec);
  const expressions = [...(spec?.gates ?? []), ...(options.gates ?? [])];
  planGates(expressions); // syntax and metric names, before any training
  const baseline = options.compareTo !== undefined ? await resolveRef(options.registry, options.compareTo) : null;
  const maxRegression = options.maxRegression ?? 0;

  const workDir = await mkdtemp(join(tmpdir(), 'mlship-train-'));
  let trained: TrainModelResult | undefined;
  try {
    options.onStage?.('data');
    const data = await resolveTrainingData(options.data, { workDir, registry });
    const name = defaultName(options, data.dataset?.ref ?? null);
    parseArtifactName(`models/${name}`);
    const table = await loadTable(data.path);

    options.onStage?.('train');
    trained = await trainModel({
      data: table,
      ...(spec ? { spec } : {}),
      ...(options.label !== undefined ? { label: options.label } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
      ...(options.backend !== undefined ? { backend: options.backend } : {}),
      ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
      ...(options.onBatch ? { onBatch: options.onBatch } : {}),
    });
    const { heldOut } = trained;
    if (!heldOut || heldOut.count === 0) {
      throw trainDataError('no held-out rows to evaluate the model on', 'hold out rows with validation.split > 0 in the spec, or give validation.data');
    }
    const tf = await loadTfjs();
    const classes = trained.labels;
    const task = trained.task.task;
    const plan: GatePlan = planGates(expressions, { task, ...(classes ? { classes } : {}) });
    if (plan.gates.some((gate) => gate.ref.kind === 'group_gap') && options.groupBy === undefined) {
      throw new MlshipError('MLSHIP_E_GATE_UNKNOWN_METRIC', 'group_gap gates need per-group metrics', { hint: 'pass --group-by COLUMN', exitCode: ExitCode.usage });
    }

    options.onStage?.('evaluate');
    let group: { column: string; values: unknown[] } | undefined;
    if (options.groupBy !== undefined) {
      const source = 'data' in trained.spec.validation ? await loadTable(trained.spec.validation.data) : table;
      group = { column: options.groupBy, values: groupValues(source, options.groupBy, heldOut.rows) };
    }
    const evaluation = await evaluateHeldOut({
      tf,
      trained,
      heldOut,
      ...(group ? { group } : {}),
      ...(options.importanceRepeats !== undefined ? { importanceRepeats: options.importanceRepeats } : {}),
    });
    const scalarMetrics = scalarMetricsOf(evaluation.metrics);
    const gates = evaluateGates(plan, evaluation.metrics, {
      ...(evaluation.groups ? { groups: evaluation.groups } : {}),
      ...(baseline ? { baseline: { ref: baseline.ref, metrics: await baselineMetrics(options.registry, baseline), maxRegression } } : {}),
    });
    const status = gates.passed ? 'ok' : 'failed';

    options.onStage?.('export');
    const exported = exportLayersModel({ model: trained.model, preprocessing: trained.preprocessing, ...(classes ? { labels: classes } : {}) });
    const check = await verifyExport({ model: trained.model, exported, input: heldOut.raw, rows: heldOut.count });
    const digest = await weightsDigest(trained.model);
    const onnx = {
      file: MODEL_FILES.onnx,
      digest: digestOf(exported.bytes),
      opset: exported.signature.model.opset,
      irVersion: exported.signature.model.irVersion,
      maxAbsError: check.maxAbsError,
    };

    const outDir = join(workDir, 'model');
    await mkdir(join(outDir, 'tfjs'), { recursive: true });
    const saved = await saveLayersModel(tf, trained.model, outDir);
    const backend = trained.backend;
    const libraries: Record<string, string> = {
      ...Object.fromEntries(Object.entries(trained.versions).map(([key, value]) => [key.startsWith('tfjs') ? key : `tfjs-${key}`, String(value)])),
      backend: backend.detail ? `${backend.name} (${backend.detail})` : backend.name,
    };
    const environment = captureEnvironment(libraries);
    const datasetFacts = { ref: data.dataset?.ref ?? null, file: data.file, digest: data.digest };
    const features = trained.rawColumns.map((column) => column.name);
    const training = {
      epochs: trained.stopped.epochs,
      early: trained.stopped.early,
      bestEpoch: trained.stopped.bestEpoch,
      split: trained.split,
      durations: trained.durations,
      history: trained.history,
    };
    const card = buildModelCard({
      model: { name },
      task,
      label: trained.spec.label,
      features,
      dataset: { ref: data.dataset?.ref ?? data.file, digest: data.digest, evaluation: splitDescription(trained.spec, trained) },
      metrics: evaluation.metrics,
      ...(evaluation.groups ? { groups: [evaluation.groups] } : {}),
      importance: evaluation.importance,
      gates,
      training: {
        seed: trained.spec.seed,
        epochs: trained.stopped.epochs,
        epochsPlanned: trained.spec.epochs,
        batchSize: trained.spec.batchSize,
        optimizer: trained.spec.optimizer,
        loss: trained.spec.loss,
        model: trained.spec.model,
        backend: `${backend.name}: ${backend.reason}`,
        weightsDigest: digest,
        onnx: `${MODEL_FILES.onnx} opset ${onnx.opset}, IR ${onnx.irVersion}, max |onnx − tfjs| ${check.maxAbsError.toExponential(2)}`,
      },
      environment: { ...environment },
    });
    const predictions = {
      rows: heldOut.rows,
      actual: classes ? Array.from(heldOut.actual, (index) => classes[index]) : Array.from(heldOut.actual),
      predicted: classes ? evaluation.predicted.map((index) => classes[index]) : evaluation.predicted,
    };
    const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
    await writeFile(join(outDir, MODEL_FILES.onnx), exported.bytes);
    await writeFile(join(outDir, MODEL_FILES.signature), json(exported.signature));
    await writeFile(join(outDir, MODEL_FILES.metrics), json(evaluation.metrics));
    await writeFile(join(outDir, MODEL_FILES.predictions), json(predictions));
    await writeFile(join(outDir, MODEL_FILES.spec), json(trained.spec));

    options.onStage?.('store');
    // The card names its own version, so it is made under the registry lock once the number is taken.
    const cardFiles = new Set<string>([MODEL_FILES.cardMarkdown, MODEL_FILES.cardJson]);
    const fileNames = [...saved.files, ...Object.values(MODEL_FILES).filter((file) => !cardFiles.has(file))];
    const stored = await putArtifact({
      registry: options.registry,
      kind: 'models',
      name,
      files: fileNames.map((file) => ({ path: join(outDir, file), name: file })),
      versionedFiles: ({ version, ref, created, filesDigest }) => {
        const named = { ...card, model: { ...card.model, version, ref, digest: filesDigest, created } };
        return [
          { name: MODEL_FILES.cardMarkdown, data: renderModelCardMarkdown(named) },
          { name: MODEL_FILES.cardJson, data: renderModelCardJson(named) },
        ];
      },
      ...(data.dataset ? { parents: [data.dataset.ref] } : {}),
      ...(options.labels ? { labels: options.labels } : {}),
      status,
      params: { spec: trained.spec, seed: trained.spec.seed, backend: { name: backend.name, reason: backend.reason } },
      metrics: scalarMetrics,
      environment,
      extra: {
        model: { task: trained.task, label: trained.spec.label, features, classes, inputShape: trained.inputShape },
        dataset: datasetFacts,
        onnx: { opset: onnx.opset, irVersion: onnx.irVersion, maxAbsError: onnx.maxAbsError, digest: onnx.digest },
        weightsDigest: digest,
        gates,
        training: { epochs: training.epochs, early: training.early, bestEpoch: training.bestEpoch, split: training.split },
        backend,
      },
      ...(options.onStoreProgress ? { onProgress: options.onStoreProgress } : {}),
    });
    const promoted = await promoteIfPassed(options.registry, stored.ref, options.promote, gates.passed);
    return {
      ref: stored.ref,
      name,
      version: stored.version,
      digest: stored.digest,
      contentDigest: stored.contentDigest,
      status,
      task: trained.task,
      label: trained.spec.label,
      features,
      classes,
      metrics: evaluation.metrics,
      scalarMetrics,
      groups: evaluation.groups,
      importance: evaluation.importance,
      gates,
      backend,
      dataset: datasetFacts,
      weightsDigest: digest,
      onnx,
      training,
      promoted,
      files: stored.files,
      warnings: trained.warnings,
    };
  } finally {
    trained?.model.dispose();
    await rm(workDir, { recursive: true, force: true });
  }
}
