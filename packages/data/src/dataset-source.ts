/**
 * What a "file or dataset" argument names, resolved in one place: a path on disk, or a stored dataset
 * (`datasets/NAME[:N|@alias]`) and its files as `data register` stores them. For drift, a table
 * profile from a data file (profiled now), a profile JSON file (`data profile --out`) or a stored
 * dataset's profile.json; for training and evaluation, the data file itself.
 */
import { createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ErrorCode, ExitCode, MlshipError, digestFile, parseRef, readAll } from '@mlship/core';
import type { ArtifactVersion } from '@mlship/registry';
import { profileFile } from './profile-file.js';
import type { ProfileTableOptions } from './profile/index.js';
import type { ReadTableOptions } from './readers/index.js';

/** The files of a stored dataset beside its data file (see `registerDataset`): its profile, schema and validation report. */
export const DATASET_PROFILE_FILE = 'profile.json';
export const DATASET_SCHEMA_FILE = 'schema.yaml';
export const DATASET_REPORT_FILE = 'validation.json';
const DATASET_SIDE_FILES: ReadonlySet<string> = new Set([DATASET_SCHEMA_FILE, DATASET_PROFILE_FILE, DATASET_REPORT_FILE]);

/** A "file or dataset" argument: an existing file, or a dataset ref (its syntax checked). */
type DataArgument = { type: 'file'; path: string } | { type: 'dataset'; ref: string };

/**
 * An existing file wins over a ref; then, where `refs` allows them, a `datasets/` ref; anything else is
 * MLSHIP_E_FILE_NOT_FOUND with `hint` (what the argument may be). A malformed ref is MLSHIP_E_REF_INVALID.
 */
async function classifyDataArgument(text: string, options: { refs: boolean; hint: string }): Promise<DataArgument> {
  const isFile = await stat(text).then(
    (stats) => stats.isFile(),
    () => false,
  );
  if (isFile) return { type: 'file', path: text };
  if (options.refs && text.startsWith('datasets/')) {
    parseRef(text);
    return { type: 'dataset', ref: text };
  }
  throw new MlshipError(ErrorCode.fileNotFound, `no such file or dataset: ${text}`, { hint: options.hint, exitCode: ExitCode.usage });
}

/**
 * The data file of a stored dataset: the one its metadata names (`extra.dataset.file`), else its only
 * file beside the side files. A dataset without exactly one is a usage error.
 */
export function datasetDataFile(artifact: ArtifactVersion): string {
  const declared = (artifact.metadata.extra?.dataset as { file?: unknown } | undefined)?.file;
  const candidates = typeof declared === 'string' ? [declared] : artifact.files.map((file) => file.name).filter((name) => !DATASET_SIDE_FILES.has(name));
  const name = candidates[0];
  if (candidates.length !== 1 || name === undefined || !artifact.files.some((file) => file.name === name)) {
    throw new MlshipError(ErrorCode.usage, `${artifact.ref} does not hold exactly one data file (files: ${artifact.files.map((file) => file.name).join(', ')})`, {
      hint: 'store datasets with `mlship data register`, or pass the data file itself',
      exitCode: ExitCode.usage,
    });
  }
  return name;
}

/** A data file to read, from a path or a stored dataset. */
export interface DataFile {
  /** A readable path to the data file (inside `workDir` for a stored dataset). */
  path: string;
  /** sha256 of the data file's bytes. */
  digest: string;
  /** The stored dataset's canonical version ref and manifest digest; null for a plain file. */
  dataset: { ref: string; digest: string } | null;
  /** The file name (a stored dataset's file name, or the path as given). */
  file: string;
}

export interface ResolveDataFileOptions {
  /** Where a stored dataset's data file is copied. */
  workDir: string;
  /** The registry root, asked for only when the argument is a dataset ref. */
  registry: () => Promise<string>;
  /** The hint of MLSHIP_E_FILE_NOT_FOUND: what the argument may be. */
  hint?: string;
}

/**
 * A data file named by a path or a stored dataset ref. An existing path wins over a ref and is hashed;
 * a dataset's data file is resolved in `registry()` and copied into `workDir` (its stream checks the
 * digest). FILE_NOT_FOUND for anything else.
 */
export async function resolveDataFile(text: string, options: ResolveDataFileOptions): Promise<DataFile> {
  const argument = await classifyDataArgument(text, { refs: true, hint: options.hint ?? 'give a data file (CSV, JSONL, Parquet) or a stored dataset such as datasets/iris:1' });
  if (argument.type === 'file') {
    const { digest } = await digestFile(argument.path);
    return { path: argument.path, digest, dataset: null, file: argument.path };
  }
  const { resolveRef, openArtifactFile } = await import('@mlship/registry');
  const root = await options.registry();
  const artifact = await resolveRef(root, argument.ref);
  const name = datasetDataFile(artifact);
  const { file, stream } = await openArtifactFile(root, artifact, name);
  const path = join(options.workDir, name.replaceAll('/', '_'));
  await pipeline(stream, createWriteStream(path));
  return { path, digest: file.digest, dataset: { ref: artifact.ref, digest: artifact.digest }, file: name };
}

export interface ProfileSource {
  /** What the argument named. */
  type: 'file' | 'profile' | 'dataset';
  /** The path, or the dataset's canonical version ref. */
  name: string;
  /** The stored dataset's manifest digest. */
  digest?: string;
  /** The table profile as plain JSON (not yet checked; `tableProfileFromJSON` checks it). */
  profile: unknown;
}

export interface LoadProfileSourceOptions {
  read?: ReadTableOptions;
  /** Profiler options for data files. */
  profile?: ProfileTableOptions;
  /** The registry root, asked for only when the argument is a dataset ref. */
  registry?: () => Promise<string>;
}

const isProfileShaped = (json: unknown): boolean =>
  typeof json === 'object' && json !== null && 'version' in json && 'rowCount' in json && 'columns' in json;

async function readProfileJson(path: string): Promise<unknown> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new MlshipError('MLSHIP_E_PROFILE_INVALID', `${path} is not JSON: ${(error as Error).message}`, {
      hint: 'give a profile written by `mlship data profile --out`, or a data file',
      exitCode: ExitCode.usage,
    });
  }
  if (!isProfileShaped(json)) {
    throw new MlshipError('MLSHIP_E_PROFILE_INVALID', `${path} is JSON but not a table profile (no version, rowCount and columns)`, {
      hint: 'give a profile written by `mlship data profile --out`, or a data file',
      exitCode: ExitCode.usage,
    });
  }
  return json;
}

async function storedProfile(text: string, registry: () => Promise<string>): Promise<ProfileSource> {
  const { resolveRef, openArtifactFile } = await import('@mlship/registry');
  const root = await registry();
  const artifact = await resolveRef(root, text);
  if (!artifact.files.some((file) => file.name === DATASET_PROFILE_FILE)) {
    throw new MlshipError(ErrorCode.usage, `${artifact.ref} has no ${DATASET_PROFILE_FILE}`, {
      hint: 'store datasets with `mlship data register`, which profiles them',
      exitCode: ExitCode.usage,
    });
  }
  const { stream } = await openArtifactFile(root, artifact, DATASET_PROFILE_FILE);
  const bytes = await readAll(stream);
  let profile: unknown;
  try {
    profile = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new MlshipError('MLSHIP_E_PROFILE_INVALID', `${artifact.ref}: ${DATASET_PROFILE_FILE} is not JSON`, {
      hint: 'register the dataset again',
      exitCode: ExitCode.usage,
    });
  }
  return { type: 'dataset', name: artifact.ref, digest: artifact.digest, profile };
}

/**
 * Loads a profile from a path or a dataset ref. An existing path wins over a ref; a `.json` path is
 * a profile, any other path a data file. Coded errors: FILE_NOT_FOUND for a missing path that is not
 * a ref, PROFILE_INVALID for JSON that is not a profile, the registry's errors for refs.
 */
export async function loadProfileSource(text: string, options: LoadProfileSourceOptions = {}): Promise<ProfileSource> {
  const argument = await classifyDataArgument(text, {
    refs: options.registry !== undefined,
    hint: 'give a data file, a profile JSON file, or a dataset ref such as datasets/iris:1',
  });
  if (argument.type === 'dataset') return storedProfile(argument.ref, options.registry!);
  if (extname(text).toLowerCase() === '.json') return { type: 'profile', name: text, profile: await readProfileJson(text) };
  const profile = await profileFile({ file: text, ...options.read, ...(options.profile ? { profile: options.profile } : {}) });
  return { type: 'file', name: text, profile };
}
