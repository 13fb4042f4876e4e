/**
 * Where `mlship train --data` points: a data file on disk, or a stored dataset
 * (`datasets/NAME[:N|@alias]`) whose data file is read through the registry API.
 */
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ErrorCode, ExitCode, MlshipError, digestFile, parseRef } from '@mlship/core';

/** The files `data register` stores beside the data file. */
const DATASET_SIDE_FILES = new Set(['schema.yaml', 'profile.json', 'validation.json']);

export interface TrainingData {
  /** A readable path to the data file (inside `workDir` for a stored dataset). */
  path: string;
  /** sha256 of the data file's bytes. */
  digest: string;
  /** The stored dataset's canonical version ref and manifest digest; null for a plain file. */
  dataset: { ref: string; digest: string } | null;
  /** The file name (a stored dataset's file name, or the path as given). */
  file: string;
}

/**
 * An existing path wins over a ref. A dataset ref is resolved in `registry()` and its data file is
 * copied into `workDir` (its stream checks the digest). FILE_NOT_FOUND for anything else.
 */
export async function resolveTrainingData(data: string, options: { workDir: string; registry: () => Promise<string> }): Promise<TrainingData> {
  const isFile = await stat(data).then(
    (stats) => stats.isFile(),
    () => false,
  );
  if (isFile) {
    const { digest } = await digestFile(data);
    return { path: data, digest, dataset: null, file: data };
  }
  if (!data.startsWith('datasets/')) {
    throw new MlshipError(ErrorCode.fileNotFound, `no such file or dataset: ${data}`, {
      hint: 'give a data file (CSV, JSONL, Parquet) or a stored dataset such as datasets/iris:1',
      exitCode: ExitCode.usage,
    });
  }
  parseRef(data);
  const { resolveRef, openArtifactFile } = await import('@mlship/registry');
  const root = await options.registry();
  const artifact = await resolveRef(root, data);
  const declared = (artifact.metadata.extra?.dataset as { file?: unknown } | undefined)?.file;
  const candidates = typeof declared === 'string' ? [declared] : artifact.files.map((file) => file.name).filter((name) => !DATASET_SIDE_FILES.has(name));
  const name = candidates[0];
  if (candidates.length !== 1 || name === undefined || !artifact.files.some((file) => file.name === name)) {
    throw new MlshipError(ErrorCode.usage, `${artifact.ref} does not hold exactly one data file (files: ${artifact.files.map((file) => file.name).join(', ')})`, {
      hint: 'store datasets with `mlship data register`, or pass the data file itself',
      exitCode: ExitCode.usage,
    });
  }
  const { file, stream } = await openArtifactFile(root, artifact, name);
  const path = join(options.workDir, name.replaceAll('/', '_'));
  await pipeline(stream, createWriteStream(path));
  return { path, digest: file.digest, dataset: { ref: artifact.ref, digest: artifact.digest }, file: name };
}
