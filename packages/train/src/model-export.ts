/**
 * `exportModel`: what `mlship model export` does. Writes a stored model's files out in one format:
 * `onnx` (model.onnx and signature.json) or `tfjs` (model.json and weights.bin, the tfjs layers
 * format). Every file is checked against its digest while it streams to a temp file beside the
 * target and renamed into place only then. Returns data; never prints.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fromFsError, isMlshipError, makeDirectory, type Digest } from '@mlship/core';
import { MODEL_FILES, TFJS_MODEL_FILE, TFJS_WEIGHTS_FILE } from '@mlship/onnx';
import { ModelErrorCode, modelFileError } from './errors.js';
import { resolveModelRef, writeStoredFile } from './store/stored-model.js';

export const EXPORT_FORMATS = ['onnx', 'tfjs'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportModelOptions {
  registry: string;
  ref: string;
  /** Default `onnx`. */
  format?: ExportFormat;
  /**
   * `onnx`: a directory (model.onnx and signature.json go in it) or a file path ending in `.onnx`
   * (the signature goes beside it as `<stem>.signature.json`). `tfjs`: a directory.
   */
  out: string;
}

export interface ExportModelResult {
  ref: string;
  digest: Digest;
  format: ExportFormat;
  files: Array<{ name: string; path: string; digest: Digest; size: number }>;
}

/** Stored file name → target path, for each file of the format. */
export function exportPlan(format: ExportFormat, out: string, outIsDirectory: boolean): Array<{ name: string; path: string }> {
  const target = resolve(out);
  if (format === 'tfjs') {
    return [
      { name: TFJS_MODEL_FILE, path: join(target, basename(TFJS_MODEL_FILE)) },
      { name: TFJS_WEIGHTS_FILE, path: join(target, basename(TFJS_WEIGHTS_FILE)) },
    ];
  }
  if (!outIsDirectory && target.toLowerCase().endsWith('.onnx')) {
    return [
      { name: MODEL_FILES.onnx, path: target },
      { name: MODEL_FILES.signature, path: join(dirname(target), `${basename(target).slice(0, -'.onnx'.length)}.signature.json`) },
    ];
  }
  return [
    { name: MODEL_FILES.onnx, path: join(target, MODEL_FILES.onnx) },
    { name: MODEL_FILES.signature, path: join(target, MODEL_FILES.signature) },
  ];
}

export async function exportModel(options: ExportModelOptions): Promise<ExportModelResult> {
  const format = options.format ?? 'onnx';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw modelFileError(ModelErrorCode.format, `unknown export format "${String(format)}"`, `choose one of: ${EXPORT_FORMATS.join(', ')}`);
  }
  const artifact = await resolveModelRef(options.registry, options.ref);
  const outIsDirectory = await stat(options.out).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
  const plan = exportPlan(format, options.out, outIsDirectory);
  const files = plan.map((entry) => ({ ...entry, file: artifact.files.find((file) => file.name === entry.name) }));
  const missing = files.filter((entry) => entry.file === undefined).map((entry) => entry.name);
  if (missing.length > 0) {
    const why = artifact.metadata.extra?.source === 'imported' ? 'it is an imported ONNX model' : `missing ${missing.join(', ')}`;
    throw modelFileError(ModelErrorCode.format, `${artifact.ref} has no ${format} files: ${why}`, format === 'tfjs' ? 'export it with --format onnx' : 'store models with `mlship train` or `mlship model import`');
  }
  const written: ExportModelResult['files'] = [];
  for (const { path, file } of files) {
    await makeDirectory(dirname(path)).catch((error: unknown) => {
      throw isMlshipError(error) ? error : fromFsError(error, dirname(path), 'cannot create the output directory');
    });
    await writeStoredFile(options.registry, artifact, file!, path);
    written.push({ name: file!.name, path, digest: file!.digest, size: file!.size });
  }
  return { ref: artifact.ref, digest: artifact.digest, format, files: written };
}
