/**
 * `storeVersion`: how `train`, `compress` and `model import` store a model version. The version is
 * stored whether its gates passed or not (`status` records which); the alias moves only when they
 * passed. The registry is loaded here, lazily, as every use of it in this package is.
 */
import type { EnvironmentFacts } from '@mlship/core';
import { MODEL_FILES, TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE } from '@mlship/onnx';
import type { FileInput, PutOptions, PutResult } from '@mlship/registry';

/**
 * What makes two model versions the same model: the model's bytes (ONNX with its preprocessing,
 * its signature, the tfjs topology and weights). With the same parents and status as the latest
 * version of the name, a version holding the same bytes is that version: a seeded retrain returns
 * it instead of adding one. The reports (metrics, predictions, the spec, the model card) may differ
 * (times, versions) and are not compared.
 */
export const MODEL_IDENTITY_FILES = [MODEL_FILES.onnx, MODEL_FILES.signature, TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE] as const;

export interface StoreVersionOptions {
  registry: string;
  /** The model name: the version is stored as the next `models/NAME:N`. */
  name: string;
  /** The files, best as `{ name, data }` (no temp files); stored in this order. */
  files: FileInput[];
  /** Files that name the version itself (the model card), made under the registry lock: see `putArtifact`. */
  versionedFiles?: PutOptions['versionedFiles'];
  /** Refs of the versions this one derives from (its dataset, its source model). */
  parents?: string[];
  /** `failed` when a gate failed: stored all the same, and `promote` is skipped. Absent: no gates were judged. */
  status?: 'ok' | 'failed';
  /** An alias to move to the new version when `status` is not `failed`. */
  promote?: string;
  /** Key=value pairs (`--meta`), stored as the metadata's `labels`. */
  metadataLabels?: Record<string, string>;
  params?: Record<string, unknown>;
  /** The scalar metrics (see `scalarMetricsOf`). */
  metrics?: Record<string, number>;
  environment?: EnvironmentFacts;
  extra?: Record<string, unknown>;
  onProgress?: PutOptions['onProgress'];
  /** Store a new version even when the latest one holds the same model (`MODEL_IDENTITY_FILES`); by default that one is returned (`reused`). */
  newVersion?: boolean;
}

/** An alias moved to a new version: where it points now, and where it pointed before (null: it is new). */
export interface Promotion {
  alias: string;
  ref: string;
  previous: string | null;
}

export interface StoredVersion extends PutResult {
  /** Null when no alias was asked for, or the version is failed (a gate failed, or a parent is failed). */
  promoted: Promotion | null;
}

export async function storeVersion(options: StoreVersionOptions): Promise<StoredVersion> {
  const { putArtifact, tagArtifact } = await import('@mlship/registry');
  const stored = await putArtifact({
    registry: options.registry,
    kind: 'models',
    name: options.name,
    files: options.files,
    ...(options.versionedFiles ? { versionedFiles: options.versionedFiles } : {}),
    ...(options.parents ? { parents: options.parents } : {}),
    ...(options.metadataLabels ? { metadataLabels: options.metadataLabels } : {}),
    ...(options.status ? { status: options.status } : {}),
    ...(options.params ? { params: options.params } : {}),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.environment ? { environment: options.environment } : {}),
    ...(options.extra ? { extra: options.extra } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    reuse: options.newVersion ? false : { files: MODEL_IDENTITY_FILES },
  });
  let promoted: Promotion | null = null;
  // The stored status: a version with a failed parent is failed whatever its gates said.
  if (options.promote !== undefined && options.status !== 'failed' && stored.status !== 'failed') {
    const tagged = await tagArtifact({ registry: options.registry, ref: stored.ref, alias: options.promote });
    promoted = { alias: tagged.alias, ref: tagged.ref, previous: tagged.previous };
  }
  return { ...stored, promoted };
}
