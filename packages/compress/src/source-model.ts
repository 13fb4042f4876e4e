/** The model a compression starts from, read through the registry API: its ONNX bytes and graph, signature, facts and train spec. */
import { decodeModel, MODEL_FILES, TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE, type OnnxModel, type Signature } from '@mlship/onnx';
import type { ArtifactVersion } from '@mlship/registry';
import { readStoredFile, readStoredOnnx, resolveModelRef, splitPlanOf, type PartSource, type ResolvedTrainSpec } from '@mlship/train';

/** What `mlship train` records in a version's `extra.model`. */
export interface ModelFactsRecord {
  task?: { task: 'classification' | 'regression'; reason: string };
  label?: string;
  features?: string[];
  classes?: string[] | null;
  inputShape?: number[];
}

export interface SourceModel {
  artifact: ArtifactVersion;
  bytes: Uint8Array;
  /** The decoded graph of `bytes`. */
  onnx: OnnxModel;
  signature: Signature;
  facts: ModelFactsRecord;
  /** The stored train spec (`train-spec.json`); null for an imported model. */
  spec: ResolvedTrainSpec | null;
  /** Held-out row indices recorded at training time (`predictions.json`); null when absent. */
  heldOutRows: number[] | null;
  /**
   * Which rows those are: the test part (`mlship train` now), or the validation part (a version stored
   * before the test part existed, whose predictions.json names no part), and the table they index.
   */
  heldOut: { part: 'test' | 'validation'; table: PartSource } | null;
  /** The training rows (of the data) recorded at training time; null for a version that did not record them. */
  trainRows: number[] | null;
  /** The dataset facts recorded at training time: a stored dataset ref, or the file and its digest. */
  dataset: { ref: string | null; file: string; digest: string } | null;
  /** The stored model has tfjs files (a model `mlship train` made): pruning and distillation need them. */
  hasTfjs: boolean;
}

async function readJson<T>(registry: string, artifact: ArtifactVersion, name: string): Promise<T | null> {
  if (!artifact.files.some((file) => file.name === name)) return null;
  return JSON.parse((await readStoredFile(registry, artifact, name)).toString('utf8')) as T;
}

export async function loadSourceModel(registry: string, ref: string): Promise<SourceModel> {
  const artifact = await resolveModelRef(registry, ref);
  const { bytes, signature } = await readStoredOnnx(registry, artifact);
  const extra = artifact.metadata.extra ?? {};
  const predictions = await readJson<{ rows?: unknown; part?: unknown; table?: unknown; parts?: { train?: { rows?: unknown } } }>(registry, artifact, MODEL_FILES.predictions);
  const integers = (value: unknown): number[] | null => (Array.isArray(value) && value.every((row) => Number.isInteger(row)) ? (value as number[]) : null);
  const rows = integers(predictions?.rows);
  const spec = await readJson<ResolvedTrainSpec>(registry, artifact, MODEL_FILES.spec);
  const tables: readonly PartSource[] = ['data', 'validation-data', 'test-data'];
  let heldOut: SourceModel['heldOut'] = null;
  if (rows && predictions?.part === 'test' && tables.includes(predictions.table as PartSource)) heldOut = { part: 'test', table: predictions.table as PartSource };
  else if (rows && predictions?.part === 'validation' && tables.includes(predictions.table as PartSource)) heldOut = { part: 'validation', table: predictions.table as PartSource };
  else if (rows && predictions?.part === undefined) heldOut = { part: 'validation', table: spec && splitPlanOf(spec).validationData !== null ? 'validation-data' : 'data' };
  const dataset = extra.dataset as SourceModel['dataset'] | undefined;
  return {
    artifact,
    bytes,
    onnx: decodeModel(bytes),
    signature,
    facts: (extra.model ?? {}) as ModelFactsRecord,
    spec,
    heldOutRows: heldOut ? rows : null,
    heldOut,
    trainRows: integers(predictions?.parts?.train?.rows),
    dataset: dataset && typeof dataset.file === 'string' && typeof dataset.digest === 'string' ? dataset : null,
    hasTfjs: [TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE].every((name) => artifact.files.some((file) => file.name === name)),
  };
}
