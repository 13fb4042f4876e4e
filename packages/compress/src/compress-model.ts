/**
 * `compressModel`: what `mlship compress` does. Compress a stored model with one method, judge the
 * result on the same rows as the source (held-out split or --eval-data), measure both side by side
 * (size, parameters, metrics, ONNX Runtime latency), and store it as a new model version whose parent
 * is the source. A failed gate stores the version marked failed and moves no alias. Never prints.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, ExitCode, MlshipError, captureEnvironment, isValidAlias, parseArtifactName, type Digest } from '@mlship/core';
import { encodeModel, loadOnnxRuntime, MODEL_FILES, openOnnxSession } from '@mlship/onnx';
import type { ArtifactFile } from '@mlship/registry';
import { classificationInput, evaluatePredictions, mostProbableClasses, scalarMetricsOf, storeVersion, type EvaluationMetrics, type Promotion } from '@mlship/train';
import { registerBuiltinMethods } from './builtin-methods.js';
import { compressedModelVersion } from './compressed-model-version.js';
import { compressDataError, compressFailed, compressOptionsError } from './errors.js';
import { loadCalibrationRows, loadEvaluationData, type EvaluationData, type InputRows } from './evaluation-data.js';
import { measureLatency, measureModelSize } from './measure/index.js';
import { compressionMethod, registeredCompressionMethods, type CompressionMethod, type CompressSettings, type EpochProgress } from './methods.js';
import { buildReport, judgeGate, type CompressionReport, type GateResult } from './report.js';
import { loadSourceModel, type SourceModel } from './source-model.js';
import { loadTrainingContext, type TrainingContext } from './training-context.js';

export const DEFAULT_MAX_ACCURACY_DROP = 0.01;
export const DEFAULT_CALIBRATION_ROWS = 256;
export const DEFAULT_LATENCY_CALLS = 1000;

export type CompressStage = 'load' | 'compress' | 'evaluate' | 'measure' | 'store';

export interface CompressModelOptions {
  registry: string;
  /** The source model, `models/NAME[:N|@alias]`. */
  ref: string;
  method: string;
  /** Default `<source name>-<method>`. */
  name?: string;
  /** Largest allowed drop of accuracy (r2 for regression), absolute; default 0.01. */
  maxAccuracyDrop?: number;
  promote?: string;
  /** Key=value pairs (`--meta`), stored as the metadata's `labels`. */
  metadataLabels?: Record<string, string>;
  /** The training data when it moved (its digest must equal the recorded one). */
  data?: string;
  /** Judge on this file or dataset (needed for imported models), with `label`. */
  evalData?: string;
  label?: string;
  settings?: Partial<CompressSettings>;
  calibration?: string;
  calibrationRows?: number;
  /** Calls per batch-1 latency measurement (batch 64 gets a quarter); 0 skips nothing but measures briefly. */
  latencyCalls?: number;
  backend?: string;
  /**
   * Compress a source marked failed (refused otherwise, `MLSHIP_E_VERSION_FAILED`); the result is then
   * stored failed, whatever its own gate says.
   */
  allowFailed?: boolean;
  /** Store a new version even when the latest one of the name holds the same model (see `storeVersion`). */
  newVersion?: boolean;
  onStage?: (stage: CompressStage) => void;
  onEpoch?: (event: EpochProgress) => void;
}

export interface CompressModelResult {
  ref: string;
  name: string;
  version: number;
  digest: Digest;
  /** `failed` when the gate failed, or the source is marked failed (`failedSource`). */
  status: 'ok' | 'failed';
  /** True when the source is marked failed (compressed with `allowFailed`): the result is failed too. */
  failedSource: boolean;
  /** True when the latest version of the name already held this model and was returned (no version added). */
  reused: boolean;
  method: string;
  source: { ref: string; digest: Digest };
  report: CompressionReport;
  /** Every metric of the new version on the evaluation rows (its metrics.json); `mlship compress --json` leaves it out. */
  evaluation: EvaluationMetrics;
  promoted: Promotion | null;
  files: ArtifactFile[];
  warnings: string[];
}

const DEFAULT_SETTINGS: CompressSettings = {
  seed: 0,
  perChannel: 'auto',
  format: 'qdq',
  calibrationMethod: 'minmax',
  percentile: 99.999,
  fp16Mode: 'weights',
  schedule: { initialSparsity: 0, finalSparsity: 0.8, beginStep: 0, frequency: 10 },
  temperature: 4,
  alpha: 0.1,
};

/** Settings with defaults filled in; a value out of range is MLSHIP_E_COMPRESS_OPTIONS. */
export function resolveSettings(given: Partial<CompressSettings> = {}): CompressSettings {
  const settings: CompressSettings = { ...DEFAULT_SETTINGS, ...given, schedule: { ...DEFAULT_SETTINGS.schedule, ...given.schedule } };
  const { schedule } = settings;
  const problems: Array<[boolean, string, string]> = [
    [schedule.initialSparsity >= 0 && schedule.initialSparsity < 1, `--initial-sparsity ${schedule.initialSparsity}`, 'a fraction in [0, 1)'],
    [schedule.finalSparsity > 0 && schedule.finalSparsity < 1, `--final-sparsity ${schedule.finalSparsity}`, 'a fraction in (0, 1)'],
    [schedule.finalSparsity >= schedule.initialSparsity, `--final-sparsity ${schedule.finalSparsity} below --initial-sparsity ${schedule.initialSparsity}`, 'the final sparsity at least the initial one'],
    [Number.isInteger(schedule.beginStep) && schedule.beginStep >= 0, `--begin-step ${schedule.beginStep}`, 'a whole number ≥ 0'],
    [schedule.endStep === undefined || (Number.isInteger(schedule.endStep) && schedule.endStep > schedule.beginStep), `--end-step ${String(schedule.endStep)}`, 'a whole number after --begin-step'],
    [Number.isInteger(schedule.frequency) && schedule.frequency >= 1, `--frequency ${schedule.frequency}`, 'a whole number of steps ≥ 1'],
    [settings.temperature > 0 && Number.isFinite(settings.temperature), `--temperature ${settings.temperature}`, 'a number > 0 (1 is plain softmax; 2–8 is usual)'],
    [settings.alpha >= 0 && settings.alpha <= 1, `--alpha ${settings.alpha}`, 'a weight in [0, 1] for the true labels\' loss'],
    [settings.percentile > 50 && settings.percentile <= 100, `--percentile ${settings.percentile}`, 'a percentile in (50, 100], e.g. 99.99'],
    [settings.epochs === undefined || (Number.isInteger(settings.epochs) && settings.epochs >= 1), `--epochs ${String(settings.epochs)}`, 'a whole number ≥ 1'],
    [settings.learningRate === undefined || settings.learningRate > 0, `--learning-rate ${String(settings.learningRate)}`, 'a number > 0'],
  ];
  const bad = problems.find(([ok]) => !ok);
  if (bad) throw compressOptionsError(`${bad[1]} is out of range`, `give ${bad[2]}`);
  return settings;
}

function defaultName(source: SourceModel, method: string): string {
  return `${source.artifact.name}-${method}`;
}

/** Runs `bytes` on every evaluation row (in chunks) and returns the first output, row-major. */
async function predict(bytes: Uint8Array, input: InputRows, output: string): Promise<Float32Array> {
  const chunk = 4096;
  const width = input.rowDims.reduce((product, dim) => product * dim, 1);
  const parts: Float32Array[] = [];
  const session = await openOnnxSession(bytes);
  try {
    for (let start = 0; start < input.count; start += chunk) {
      const count = Math.min(chunk, input.count - start);
      const data = input.data.subarray(start * width, (start + count) * width);
      const results = await session.run({ [input.name]: { data, dims: [count, ...input.rowDims] } }, [output]);
      parts.push(results[output]!.data);
    }
  } finally {
    await session.release();
  }
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function metricsOf(evaluation: EvaluationData, outputs: Float32Array, notes: string[]): EvaluationMetrics {
  const count = evaluation.input.count;
  if (evaluation.classes) return evaluatePredictions(classificationInput(evaluation.classes, evaluation.actual, outputs, count, notes));
  if (outputs.length !== count) {
    throw compressDataError(`the model gives ${outputs.length / count} values per row, and without class names it is judged as a regression model`, 'store a classifier with `mlship model import --label-names a,b,c`');
  }
  return evaluatePredictions({ task: 'regression', actual: evaluation.actual, predicted: outputs });
}

/** As `classificationInput` reads them: one output is a probability (threshold 0.5) when every value lies in [0, 1], else a score (threshold 0). */
function predictedClasses(evaluation: EvaluationData, outputs: Float32Array): number[] {
  const width = outputs.length / evaluation.input.count;
  if (width !== 1) return mostProbableClasses(outputs, evaluation.input.count, width);
  const threshold = outputs.every((value) => value >= 0 && value <= 1) ? 0.5 : 0;
  return Array.from(outputs, (score) => (score > threshold ? 1 : 0));
}

/** Pruning and distillation fine-tune the tfjs model on the training rows: refuse what lacks them before loading any data. */
function checkTrainable(source: SourceModel, options: CompressModelOptions): void {
  if (!source.hasTfjs || !source.spec) {
    throw compressOptionsError(
      `${options.method} needs the tfjs model \`mlship train\` stores; ${source.artifact.ref} has none (an imported or already compressed model)`,
      'use --method int8, int8-static or fp16 on it, or compress the model it came from',
    );
  }
  if (options.evalData !== undefined) {
    throw compressOptionsError(`${options.method} fine-tunes on the training data and is judged on its held-out split; --eval-data would replace it`, 'drop --eval-data');
  }
}

/** A name that already holds a model with other inputs or outputs is refused: its latest version would change meaning. */
async function checkNameFree(registry: string, name: string, source: SourceModel): Promise<void> {
  const { resolveRef } = await import('@mlship/registry');
  const existing = await resolveRef(registry, `models/${name}`).catch(() => null);
  if (!existing || existing.digest === source.artifact.digest) return;
  const { readStoredFile } = await import('@mlship/train');
  const text = await readStoredFile(registry, existing, MODEL_FILES.signature).then(
    (bytes) => bytes.toString('utf8'),
    () => null,
  );
  const shape = (signature: { inputs?: unknown; outputs?: unknown; labels?: unknown }) => JSON.stringify([signature.inputs, signature.outputs, signature.labels ?? null]);
  if (text === null || shape(JSON.parse(text) as object) !== shape(source.signature)) {
    throw compressOptionsError(`models/${name} already holds a model with other inputs, outputs or labels than ${source.artifact.ref}`, 'choose another --name');
  }
}

/**
 * The source judged on its own held-out rows must score what training recorded (to a row, as ONNX
 * Runtime and tfjs may part on a near tie): otherwise the rows are not the ones it was judged on.
 */
function checkBefore(source: SourceModel, metric: string, before: number | undefined, evaluation: EvaluationData, evalData: boolean): void {
  if (before === undefined || !Number.isFinite(before)) {
    throw compressDataError(`${metric} is undefined on these rows (a constant label?), so no gate can judge the result`, 'judge on other rows with --eval-data FILE');
  }
  const recorded = source.artifact.metadata.metrics?.[metric];
  if (evalData || typeof recorded !== 'number') return;
  const tolerance = metric === 'accuracy' ? 1.5 / evaluation.input.count : 1e-3;
  if (Math.abs(recorded - before) > tolerance) {
    throw compressDataError(
      `${source.artifact.ref} scores ${metric} ${before.toFixed(4)} on the rows found, but recorded ${recorded.toFixed(4)} on its held-out rows: the data is not what it was judged on`,
      'pass --data with the data it was trained on, or judge on other rows with --eval-data FILE',
    );
  }
}

/** Over the pairs where both are finite (non-finite outputs are counted by the gate). */
function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const difference = Math.abs(a[i]! - b[i]!);
    if (Number.isFinite(difference)) max = Math.max(max, difference);
  }
  return max;
}

/** The first stage: every option checked before the source is read (exit 2). */
function checkCompressOptions(options: CompressModelOptions): { method: CompressionMethod; maxDrop: number; calibrationRows: number; settings: CompressSettings } {
  registerBuiltinMethods();
  const method = compressionMethod(options.method);
  if (!method) throw compressOptionsError(`unknown compression method ${JSON.stringify(options.method)}`, `choose one of: ${registeredCompressionMethods().join(', ')}`);
  if (options.promote !== undefined && !isValidAlias(options.promote)) {
    throw new MlshipError(ErrorCode.invalidRef, `bad alias "${options.promote}"`, { hint: 'an alias starts with a letter, then letters, digits, ".", "_" or "-"', exitCode: ExitCode.usage });
  }
  const maxDrop = options.maxAccuracyDrop ?? DEFAULT_MAX_ACCURACY_DROP;
  if (!(maxDrop >= 0 && maxDrop <= 1)) throw compressOptionsError(`--max-accuracy-drop ${maxDrop} is out of range`, 'give an absolute drop in [0, 1], e.g. 0.01 for one point');
  const calibrationRows = options.calibrationRows ?? DEFAULT_CALIBRATION_ROWS;
  if (!(Number.isInteger(calibrationRows) && calibrationRows >= 1)) throw compressOptionsError(`--calibration-rows ${calibrationRows} is out of range`, 'give a whole number ≥ 1, e.g. 256');
  return { method, maxDrop, calibrationRows, settings: resolveSettings(options.settings) };
}

/** The load stage: the source, whether the method can take it, and the name of the result (checked here, once, and free). */
async function loadSource(options: CompressModelOptions, method: CompressionMethod): Promise<{ source: SourceModel; name: string }> {
  const source = await loadSourceModel(options.registry, options.ref);
  const { assertUsable } = await import('@mlship/registry');
  assertUsable(source.artifact, { action: 'compress', ...(options.allowFailed ? { allowFailed: true } : {}) });
  if (method.trains) checkTrainable(source, options);
  const name = options.name ?? defaultName(source, options.method);
  parseArtifactName(`models/${name}`);
  await checkNameFree(options.registry, name, source);
  return { source, name };
}

/** The source on the evaluation rows: wrong rows fail here, before any compression work. */
async function judgeSource(source: SourceModel, evaluation: EvaluationData, evalData: boolean): Promise<{ outputs: Float32Array; metric: string; scalars: Record<string, number>; notes: string[] }> {
  const outputs = await predict(source.bytes, evaluation.input, source.signature.outputs[0]!.name);
  const notes: string[] = [];
  const metric = evaluation.classes ? 'accuracy' : 'r2';
  const scalars = scalarMetricsOf(metricsOf(evaluation, outputs, notes));
  checkBefore(source, metric, scalars[metric], evaluation, evalData);
  return { outputs, metric, scalars, notes };
}

/** The evaluate stage: the compressed model on the same rows, the gate, and how often it predicts the class the source predicts. */
async function judgeCompressed(
  options: CompressModelOptions,
  source: SourceModel,
  evaluation: EvaluationData,
  before: { outputs: Float32Array; metric: string; scalars: Record<string, number> },
  bytes: Uint8Array,
  maxDrop: number,
): Promise<{ metrics: EvaluationMetrics; scalars: Record<string, number>; outputs: Float32Array; classes: number[] | null; gate: GateResult; agreement: number | null }> {
  let outputs: Float32Array;
  try {
    outputs = await predict(bytes, evaluation.input, source.signature.outputs[0]!.name);
  } catch (error) {
    throw compressFailed(`the ${options.method} model does not run in ONNX Runtime: ${(error as Error).message.split('\n')[0]}`, 'report this as a bug, with the source model', error);
  }
  const metrics = metricsOf(evaluation, outputs, []);
  const scalars = scalarMetricsOf(metrics);
  const nonFinite = outputs.reduce((count, value) => count + (Number.isFinite(value) ? 0 : 1), 0);
  const gate = judgeGate(before.metric, before.scalars[before.metric] ?? Number.NaN, scalars[before.metric] ?? Number.NaN, maxDrop, nonFinite);
  let agreement: number | null = null;
  const classes = evaluation.classes ? predictedClasses(evaluation, outputs) : null;
  if (classes) {
    const beforeClasses = predictedClasses(evaluation, before.outputs);
    agreement = beforeClasses.filter((value, i) => value === classes[i]).length / beforeClasses.length;
  }
  return { metrics, scalars, outputs, classes, gate, agreement };
}

/** The measure stage: size and latency of both models side by side, in the report. */
async function measureAndReport(
  options: CompressModelOptions,
  source: SourceModel,
  evaluation: EvaluationData,
  before: { outputs: Float32Array; scalars: Record<string, number> },
  bytes: Uint8Array,
  after: { outputs: Float32Array; scalars: Record<string, number>; gate: GateResult; agreement: number | null },
  details: Record<string, unknown>,
): Promise<CompressionReport> {
  const latency = await measureLatency(
    [
      { id: 'before', bytes: source.bytes },
      { id: 'after', bytes },
    ],
    { name: evaluation.input.name, rows: evaluation.input.data, rowDims: evaluation.input.rowDims, count: evaluation.input.count },
    { calls: options.latencyCalls ?? DEFAULT_LATENCY_CALLS },
  );
  return buildReport({
    method: options.method,
    source: source.artifact.ref,
    evaluation: { rows: evaluation.input.count, description: evaluation.description },
    before: { ...measureModelSize(source.bytes), metrics: before.scalars, latency: latency.before! },
    after: { ...measureModelSize(bytes), metrics: after.scalars, latency: latency.after! },
    agreement: after.agreement,
    maxAbsDifference: maxAbsDifference(before.outputs, after.outputs),
    gate: after.gate,
    details,
  });
}

/**
 * In stages: check the options; load the source and check the name; judge the source on the
 * evaluation rows; compress; judge the result and its gate; measure both; store what
 * `compressedModelVersion` lists with `storeVersion`, which moves the alias only when the gate passed.
 */
export async function compressModel(options: CompressModelOptions): Promise<CompressModelResult> {
  const { method, maxDrop, calibrationRows, settings } = checkCompressOptions(options);

  options.onStage?.('load');
  const { source, name } = await loadSource(options, method);
  const workDir = await mkdtemp(join(tmpdir(), 'mlship-compress-'));
  try {
    const evaluation = await loadEvaluationData({
      registry: options.registry,
      source,
      workDir,
      ...(options.evalData !== undefined ? { evalData: options.evalData } : {}),
      ...(options.label !== undefined ? { label: options.label } : {}),
      ...(options.data !== undefined ? { data: options.data } : {}),
    });
    const before = await judgeSource(source, evaluation, options.evalData !== undefined);

    let training: Promise<TrainingContext> | undefined;
    options.onStage?.('compress');
    const result = await method.compress({
      source,
      evaluation,
      settings,
      training: () =>
        (training ??= loadTrainingContext({ registry: options.registry, source, evaluation, method: options.method, ...(options.backend !== undefined ? { backend: options.backend } : {}) })),
      calibration: () =>
        loadCalibrationRows({
          registry: options.registry,
          workDir,
          source,
          evaluation,
          ...(options.calibration !== undefined ? { calibration: options.calibration } : {}),
          rows: calibrationRows,
          seed: settings.seed,
        }),
      ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
    });
    // The method and source are recorded in the registry (metadata, lineage), not in the file: every byte counts here.
    const bytes = encodeModel(result.model);

    options.onStage?.('evaluate');
    const after = await judgeCompressed(options, source, evaluation, before, bytes, maxDrop);

    options.onStage?.('measure');
    const report = await measureAndReport(options, source, evaluation, before, bytes, after, result.details);

    options.onStage?.('store');
    const version = compressedModelVersion({
      name,
      method: options.method,
      settings: Object.fromEntries(method.settings.map((key) => [key, settings[key]])),
      maxDrop,
      ...(options.evalData !== undefined ? { evalData: options.evalData } : {}),
      source,
      evaluation,
      bytes,
      result,
      after,
      report,
      environment: captureEnvironment({ 'onnxruntime-node': await onnxRuntimeVersion() }),
    });
    // What derives from a failed version is failed (putArtifact would mark it so all the same).
    const failedSource = source.artifact.metadata.status === 'failed';
    const status = failedSource ? 'failed' : version.status;
    const stored = await storeVersion({
      registry: options.registry,
      name,
      ...version,
      status,
      ...(options.newVersion ? { newVersion: true } : {}),
      ...(options.promote !== undefined ? { promote: options.promote } : {}),
      ...(options.metadataLabels ? { metadataLabels: options.metadataLabels } : {}),
    });
    return {
      ref: stored.ref,
      name,
      version: stored.version,
      digest: stored.digest,
      status,
      failedSource,
      reused: stored.reused,
      method: options.method,
      source: { ref: source.artifact.ref, digest: source.artifact.digest },
      report,
      evaluation: after.metrics,
      promoted: stored.promoted,
      files: stored.files,
      warnings: [...before.notes, ...(result.warnings ?? [])],
    };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** onnxruntime-node's version, recorded in the environment facts. */
async function onnxRuntimeVersion(): Promise<string> {
  const ort = await loadOnnxRuntime();
  return ort.env.versions.node ?? ort.env.versions.common;
}
