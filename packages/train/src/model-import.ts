/**
 * `importModel`: what `mlship model import` does. Reads an ONNX file trained elsewhere, loads it in
 * ONNX Runtime, builds its signature from the graph (or checks a given one against it) and stores it
 * as the next `models/NAME:N` with `model.onnx` and `signature.json`. Returns data; never prints.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ExitCode, MlshipError, digestOf, fromFsError, parseArtifactName, type Digest } from '@mlship/core';
import { MODEL_FILES, OnnxErrorCode, SIGNATURE_FORMAT, buildSignature, decodeModel, loadOnnxModel, type OnnxModel, type OnnxValueInfo, type Signature } from '@mlship/onnx';
import type { ArtifactFile } from '@mlship/registry';
import { ModelErrorCode, modelFileError } from './errors.js';
import { storeVersion } from './store/store-version.js';

export interface ImportModelOptions {
  registry: string;
  /** The ONNX file. */
  file: string;
  /** The model name (`models/NAME:N`). */
  name: string;
  /** A `signature.json` to store instead of the one read from the graph; checked against the graph. */
  signature?: string;
  /** Class names in the order of the first output's last axis (stored as the signature's `labels`). */
  classes?: string[];
  /** Key=value pairs (`--meta`), stored as the metadata's `labels`. */
  metadataLabels?: Record<string, string>;
  /** Store a new version even when the latest one holds the same model (see `storeVersion`). */
  newVersion?: boolean;
}

export interface ImportModelResult {
  ref: string;
  name: string;
  version: number;
  digest: Digest;
  contentDigest: Digest;
  /** True when the latest version of the name already held this model and was returned instead of a new one. */
  reused: boolean;
  source: { file: string; digest: Digest; size: number };
  onnx: { irVersion: number; opset: number; producer: { name: string; version: string } };
  /** Where the stored signature came from. */
  signatureSource: 'graph' | 'file';
  signature: Signature;
  files: ArtifactFile[];
}

const IMPORT_HINT = 'mlship model import takes an ONNX model file, e.g. one written by torch.onnx.export or skl2onnx';

function notOnnx(file: string, reason: string, cause?: unknown): MlshipError {
  return new MlshipError(OnnxErrorCode.invalidModel, `cannot import ${file}: ${reason.split('\n')[0]}`, {
    hint: IMPORT_HINT,
    exitCode: ExitCode.usage,
    cause,
  });
}

/** The `ai.onnx` opset the model imports. */
export function defaultOpsetOf(model: OnnxModel): number | undefined {
  return model.opsetImports.find((opset) => opset.domain === '' || opset.domain === 'ai.onnx')?.version;
}

/** The graph's real inputs (older writers list initializers among the inputs) and outputs. */
export function graphInterface(model: OnnxModel): { inputs: OnnxValueInfo[]; outputs: OnnxValueInfo[] } {
  const initializers = new Set(model.graph.initializers.map((tensor) => tensor.name));
  return { inputs: model.graph.inputs.filter((input) => !initializers.has(input.name)), outputs: model.graph.outputs };
}

/** Problems of a given signature's inputs or outputs against the graph's: names (in order), element types, ranks. */
export function signatureProblems(signature: unknown, graph: { inputs: OnnxValueInfo[]; outputs: OnnxValueInfo[] }): string[] {
  if (typeof signature !== 'object' || signature === null || Array.isArray(signature)) return ['the signature is not a JSON object'];
  const record = signature as Record<string, unknown>;
  const problems: string[] = [];
  if (record.format !== SIGNATURE_FORMAT) problems.push(`format is ${JSON.stringify(record.format)}, expected "${SIGNATURE_FORMAT}"`);
  for (const side of ['inputs', 'outputs'] as const) {
    const given = record[side];
    const actual = graph[side];
    if (!Array.isArray(given)) {
      problems.push(`${side} is not a list`);
      continue;
    }
    const names = given.map((value: { name?: unknown }) => String(value?.name));
    if (names.join('\u0000') !== actual.map((value) => value.name).join('\u0000')) {
      problems.push(`${side} are [${names.join(', ')}], the graph has [${actual.map((value) => value.name).join(', ')}]`);
      continue;
    }
    actual.forEach((value, i) => {
      const entry = given[i] as { dataType?: unknown; shape?: unknown };
      if (entry.dataType !== value.dataType) problems.push(`${side.slice(0, -1)} ${value.name}: type ${String(entry.dataType)}, the graph has ${value.dataType}`);
      const rank = Array.isArray(entry.shape) ? entry.shape.length : undefined;
      if (rank !== value.shape?.length) problems.push(`${side.slice(0, -1)} ${value.name}: rank ${rank ?? 'unknown'}, the graph has ${value.shape?.length ?? 'unknown'}`);
    });
  }
  return problems;
}

async function readSignatureFile(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw fromFsError(error, path, 'cannot read the signature');
  });
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw modelFileError(ModelErrorCode.signature, `${path} is not JSON: ${(error as Error).message}`, 'give a signature.json as mlship writes it (format mlship.signature.v1)');
  }
}

function checkClasses(classes: string[] | undefined, output: OnnxValueInfo | undefined): void {
  if (!classes) return;
  if (classes.length < 2 || new Set(classes).size !== classes.length || classes.some((name) => name === '')) {
    throw modelFileError(ModelErrorCode.signature, `label names must be two or more distinct names, got ${classes.length}`, 'e.g. --label-names setosa,versicolor,virginica');
  }
  const last = output?.shape?.[output.shape.length - 1];
  if (typeof last === 'number' && last !== classes.length && !(last === 1 && classes.length === 2)) {
    throw modelFileError(ModelErrorCode.signature, `${classes.length} label names for an output ${output!.name} of ${last} classes`, 'give one name per class, in the order of the output');
  }
}

export async function importModel(options: ImportModelOptions): Promise<ImportModelResult> {
  parseArtifactName(`models/${options.name}`);
  const bytes = await readFile(options.file).catch((error: unknown) => {
    throw fromFsError(error, options.file, 'cannot read the model');
  });
  let model: OnnxModel;
  try {
    model = decodeModel(bytes);
  } catch (error) {
    throw notOnnx(options.file, (error as Error).message, error);
  }
  const opset = defaultOpsetOf(model);
  if (opset === undefined) throw notOnnx(options.file, 'it imports no ai.onnx opset');
  try {
    await loadOnnxModel(bytes);
  } catch (error) {
    throw notOnnx(options.file, `ONNX Runtime cannot load it: ${(error as Error).message}`, error);
  }
  const graph = graphInterface(model);
  if (graph.inputs.length === 0 || graph.outputs.length === 0) throw notOnnx(options.file, 'the graph has no inputs or no outputs');

  let signature: Signature;
  const modelFacts = { file: MODEL_FILES.onnx, irVersion: model.irVersion, opset };
  if (options.signature !== undefined) {
    const given = await readSignatureFile(options.signature);
    const problems = signatureProblems(given, graph);
    if (problems.length > 0) {
      throw modelFileError(ModelErrorCode.signature, `${options.signature} does not match ${basename(options.file)}: ${problems.join('; ')}`, 'fix the signature, or leave out --signature to read it from the graph', { problems });
    }
    signature = { ...(given as Signature), model: modelFacts };
    if (options.classes) signature.labels = options.classes;
  } else {
    signature = buildSignature({ ...modelFacts, inputs: graph.inputs, outputs: graph.outputs, ...(options.classes ? { labels: options.classes } : {}) });
  }
  checkClasses(signature.labels, graph.outputs[0]);

  const digest = digestOf(bytes);
  const producer = { name: model.producerName, version: model.producerVersion };
  const onnx = { irVersion: model.irVersion, opset, producer };
  const source = { file: basename(options.file), digest, size: bytes.length };
  const stored = await storeVersion({
    registry: options.registry,
    name: options.name,
    files: [
      { name: MODEL_FILES.onnx, data: bytes },
      { name: MODEL_FILES.signature, data: `${JSON.stringify(signature, null, 2)}\n` },
    ],
    ...(options.metadataLabels ? { metadataLabels: options.metadataLabels } : {}),
    ...(options.newVersion ? { newVersion: true } : {}),
    params: { source: 'imported' },
    extra: {
      source: 'imported',
      import: source,
      model: {
        task: signature.labels ? 'classification' : null,
        label: null,
        features: signature.features?.map((feature) => feature.name) ?? null,
        classes: signature.labels ?? null,
      },
      onnx: { ...onnx, digest },
    },
  });
  return {
    ref: stored.ref,
    name: options.name,
    version: stored.version,
    digest: stored.digest,
    contentDigest: stored.contentDigest,
    reused: stored.reused,
    source,
    onnx,
    signatureSource: options.signature !== undefined ? 'file' : 'graph',
    signature,
    files: stored.files,
  };
}
