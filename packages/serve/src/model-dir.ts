/**
 * A model directory (docs/serve.md): `model.onnx`, `signature.json` (mlship.signature.v1; optional,
 * ONNX Runtime's own description of the inputs is used without it) and `model.json` (`name`,
 * `version`, `ref`, `digest`; optional: the directory's name and version 1 without it).
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ErrorCode, ExitCode, isMlshipError, MlshipError } from '@mlship/core';
import { encodingProblems, type DatetimePart } from '@mlship/onnx/feature-row';
import { MODEL_FILES, SERVED_MODEL_FILE } from '@mlship/onnx/model-files';
import { isTensorType } from './datatypes.js';
import { LABEL_TYPES, labelTypeProblem, type LabelType } from './label-type.js';
import { ServeErrorCode, serveError } from './errors.js';
import { createSession, type ModelSession, type SessionOptions, type ValueSpec } from './session.js';

/** How values are read (see @mlship/onnx's NumericFeature): `impute` lets a missing value through as NaN; `derive` reads a datetime part of another field. */
export interface NumericFeatureSpec {
  name: string;
  kind: 'numeric';
  mean?: number;
  std?: number;
  impute?: number;
  missingIndicator?: boolean;
  derive?: { from: string; part: DatetimePart };
}

/** See @mlship/onnx's CategoryFeature: `impute` for a missing value, `values: 'boolean'`, the `unknown` policy. */
export interface CategoryFeatureSpec {
  name: string;
  kind: 'category';
  categories: string[];
  encoding?: string;
  /** Hashed column: the raw input is the value's bucket (core's hashToBucket); `categories` are the bucket numbers. */
  hashBuckets?: number;
  impute?: string;
  values?: 'boolean';
  unknown?: 'unknown' | 'error';
}

export type FeatureSpec = NumericFeatureSpec | CategoryFeatureSpec;

/** What the server reads from signature.json (a subset of @mlship/onnx's Signature). */
export interface ModelSignature {
  format?: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  /** Tabular models: the columns of the single `features` input, in order, raw values. */
  features?: FeatureSpec[];
  /** Classifiers: class names in the order of the output's last axis. */
  labels?: string[];
  /** The type of the label column's values: answers give labels in it (absent: text). */
  labelType?: LabelType;
}

export interface ModelDir {
  /** Absolute path of the directory. */
  dir: string;
  name: string;
  version: number;
  /** Registry ref and manifest digest from model.json, for logs and provenance. */
  ref?: string;
  digest?: string;
  /** sha256 of model.onnx. */
  onnxDigest: string;
  bytes: Uint8Array;
  signature?: ModelSignature;
  /** A new ONNX Runtime session for this model. */
  createSession(options?: SessionOptions): Promise<ModelSession>;
}

/** V2 model names travel in URL paths: keep them to a safe alphabet. */
export const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** The largest model.onnx read (protobuf's own limit; larger models keep their weights in external data, which is not served). */
export const MAX_MODEL_BYTES = 2 * 1024 ** 3;
/** The largest signature.json or model.json read. */
const MAX_JSON_BYTES = 64 * 1024 * 1024;
/** How long reading a directory's files may take (a hung network or FUSE file system) before the load fails. */
const READ_TIMEOUT_MS = 60_000;

/**
 * Reads and checks a model directory. Its files must be regular files (a FIFO or a device is never
 * opened for a blocking read) within the size limits, read within a time limit. Failures to reach a
 * file are coded errors whose `details.access` is true: callers that must not tell which paths exist
 * (the admin API) answer all of them alike.
 */
export async function loadModelDir(dir: string): Promise<ModelDir> {
  const path = resolve(dir);
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new MlshipError(ErrorCode.fileNotFound, `no such model directory: ${dir}`, { hint: 'give a directory holding model.onnx, signature.json and model.json, or a ref such as models/iris', exitCode: ExitCode.usage, details: { access: true } });
    }
    throw unreachable(dir, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (!info.isDirectory()) throw unreachable(dir, 'is not a directory');
  const [bytes, signatureBytes, metaBytes] = await withTimeout(
    (async () => [await readRegular(dir, MODEL_FILES.onnx, MAX_MODEL_BYTES), await readRegular(dir, MODEL_FILES.signature, MAX_JSON_BYTES), await readRegular(dir, SERVED_MODEL_FILE, MAX_JSON_BYTES)] as const)(),
    READ_TIMEOUT_MS,
    () => unreachable(dir, `was not read within ${READ_TIMEOUT_MS / 1000} s`),
  );
  if (!bytes) throw unreachable(dir, 'has no model.onnx', 'export the model with `mlship model export` or `mlship registry get`');
  const signature = signatureBytes ? parseSignature(dir, parseJson(dir, MODEL_FILES.signature, signatureBytes)) : undefined;
  const meta = metaBytes ? parseMeta(dir, parseJson(dir, SERVED_MODEL_FILE, metaBytes)) : {};
  const name = meta.name ?? (basename(path).replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[^A-Za-z0-9]+/, '') || 'model');
  if (!MODEL_NAME.test(name)) throw invalid(dir, `gives no usable model name ("${name}")`, 'write a model.json with {"name": "iris", "version": 1}');
  const onnxDigest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  return {
    dir: path,
    name,
    version: meta.version ?? 1,
    ...(meta.ref !== undefined ? { ref: meta.ref } : {}),
    ...(meta.digest !== undefined ? { digest: meta.digest } : {}),
    onnxDigest,
    bytes,
    ...(signature ? { signature } : {}),
    createSession: (options) => createSession(bytes, options),
  };
}

function invalid(dir: string, problem: string, hint: string): MlshipError {
  return serveError(ServeErrorCode.modelDir, `model directory ${dir} ${problem}`, hint);
}

/** A file of the directory that could not be reached or read (details.access: see loadModelDir). */
function unreachable(dir: string, problem: string, hint = 'give a directory holding model.onnx, signature.json and model.json'): MlshipError {
  return new MlshipError(ServeErrorCode.modelDir, `model directory ${dir} ${problem}`, { hint, exitCode: ExitCode.usage, details: { access: true } });
}

/** True for an error about reaching a model directory's files rather than their content. */
export function isAccessError(error: unknown): boolean {
  return isMlshipError(error) && error.details?.access === true;
}

/**
 * A regular file of the directory, or undefined when there is none. Opened without blocking (a FIFO
 * would wait for a writer forever) and checked on the open handle, so a swap after the check cannot
 * slip anything else in; read up to `max` bytes.
 */
async function readRegular(dir: string, file: string, max: number): Promise<Buffer | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(resolve(dir, file), constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unreachable(dir, `has a ${file} that cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw unreachable(dir, `has a ${file} that is not a regular file`);
    if (info.size > max) throw unreachable(dir, `has a ${file} of ${info.size} bytes; the limit is ${max}`);
    const bytes = await readAtMost(handle, info.size, max);
    if (!bytes) throw unreachable(dir, `has a ${file} of more than ${max} bytes`);
    return bytes;
  } catch (error) {
    if (isMlshipError(error)) throw error;
    throw unreachable(dir, `has a ${file} that cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** The file's bytes: `size` of them as stat saw it, or for files that report no size (procfs), chunks up to `max`; undefined past `max`. */
async function readAtMost(handle: FileHandle, size: number, max: number): Promise<Buffer | undefined> {
  if (size > 0) {
    const buffer = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const { bytesRead } = await handle.read(buffer, filled, size - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) return Buffer.concat(chunks, total);
    total += bytesRead;
    if (total > max) return undefined;
    chunks.push(chunk.subarray(0, bytesRead));
  }
}

/** `work`, or the error `onTimeout` makes once `ms` passed first (the work itself goes on, unobserved). */
function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function parseJson(dir: string, file: string, bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw invalid(dir, `has a ${file} that does not parse: ${(error as Error).message}`, `fix ${file}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseMeta(dir: string, value: unknown): { name?: string; version?: number; ref?: string; digest?: string } {
  if (!isObject(value)) throw invalid(dir, 'has a model.json that is not an object', 'write {"name": "iris", "version": 1}');
  const result: { name?: string; version?: number; ref?: string; digest?: string } = {};
  if (value.name !== undefined) {
    if (typeof value.name !== 'string' || !MODEL_NAME.test(value.name)) {
      throw invalid(dir, `has a bad model name ${JSON.stringify(value.name)} in model.json`, 'use letters, digits, _ . and -, starting with a letter or digit');
    }
    result.name = value.name;
  }
  if (value.version !== undefined) {
    const version = typeof value.version === 'string' && /^\d+$/.test(value.version) ? Number(value.version) : value.version;
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
      throw invalid(dir, `has a bad version ${JSON.stringify(value.version)} in model.json`, 'versions are integers from 1');
    }
    result.version = version;
  }
  if (typeof value.ref === 'string') result.ref = value.ref;
  if (typeof value.digest === 'string') result.digest = value.digest;
  return result;
}

function parseValues(dir: string, value: unknown, key: string): ValueSpec[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid(dir, `has a signature.json without ${key}`, 'write the signature with `mlship model import`');
  return value.map((item, position) => {
    const spec = item as { name?: unknown; dataType?: unknown; shape?: unknown };
    if (!isObject(item) || typeof spec.name !== 'string' || !isTensorType(spec.dataType)) {
      throw invalid(dir, `has a signature.json whose ${key}[${position}] needs a name and a dataType`, 'write the signature with `mlship model import`');
    }
    const shape = spec.shape;
    if (shape !== undefined && (!Array.isArray(shape) || !shape.every((dim) => dim === null || typeof dim === 'string' || (Number.isInteger(dim) && (dim as number) >= 0)))) {
      throw invalid(dir, `has a signature.json whose ${key}[${position}].shape is not a list of sizes and names`, 'write the signature with `mlship model import`');
    }
    return { name: spec.name, dataType: spec.dataType, ...(shape !== undefined ? { shape: shape as ValueSpec['shape'] } : {}) };
  });
}

function parseSignature(dir: string, value: unknown): ModelSignature {
  if (!isObject(value)) throw invalid(dir, 'has a signature.json that is not an object', 'write the signature with `mlship model import`');
  const signature: ModelSignature = {
    inputs: parseValues(dir, value.inputs, 'inputs'),
    outputs: parseValues(dir, value.outputs, 'outputs'),
  };
  if (typeof value.format === 'string') signature.format = value.format;
  if (value.labels !== undefined) {
    if (!Array.isArray(value.labels) || !value.labels.every((label) => typeof label === 'string')) {
      throw invalid(dir, 'has a signature.json whose labels are not a list of strings', 'write the signature with `mlship model import`');
    }
    signature.labels = value.labels as string[];
  }
  if (value.labelType !== undefined) {
    if (!LABEL_TYPES.includes(value.labelType as LabelType)) {
      throw invalid(dir, `has a signature.json whose labelType is not one of ${LABEL_TYPES.join(', ')}`, 'write the signature with `mlship model import`');
    }
    const problem = signature.labels && labelTypeProblem(signature.labels, value.labelType as LabelType);
    if (problem) throw invalid(dir, `has a signature.json whose labels do not fit its labelType: ${problem}`, 'write the signature with `mlship model import`');
    signature.labelType = value.labelType as LabelType;
  }
  if (value.features !== undefined) {
    const features = value.features;
    const ok =
      Array.isArray(features) &&
      features.length > 0 &&
      features.every(
        (feature) =>
          isObject(feature) &&
          typeof feature.name === 'string' &&
          (feature.kind === 'numeric' ||
            (feature.kind === 'category' &&
              Array.isArray(feature.categories) &&
              feature.categories.every((c) => typeof c === 'string') &&
              (feature.hashBuckets === undefined || (Number.isInteger(feature.hashBuckets) && feature.hashBuckets === feature.categories.length)))),
      );
    if (!ok) throw invalid(dir, 'has a signature.json with malformed features', 'each feature needs a name and kind numeric, or kind category with categories');
    const problems = (features as FeatureSpec[]).flatMap(encodingProblems);
    if (problems.length > 0) throw invalid(dir, `has a signature.json with malformed features: ${problems.join('; ')}`, 'write the signature with `mlship model import`');
    signature.features = features as FeatureSpec[];
  }
  return signature;
}
