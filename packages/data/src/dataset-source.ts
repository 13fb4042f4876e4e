/**
 * Where a table profile comes from: a data file (profiled now), a profile JSON file (`data
 * profile --out`), or a stored dataset (`datasets/NAME[:N|@alias]`, its profile.json).
 */
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { ErrorCode, ExitCode, MlshipError, parseRef } from '@mlship/core';
import { profileFile } from './profile-file.js';
import type { ProfileTableOptions } from './profile/index.js';
import type { ReadTableOptions } from './readers/index.js';

/** The file of a stored dataset that holds its profile (see `registerDataset`). */
export const DATASET_PROFILE_FILE = 'profile.json';

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
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  let profile: unknown;
  try {
    profile = JSON.parse(Buffer.concat(chunks).toString('utf8'));
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
  const isFile = await stat(text).then(
    (stats) => stats.isFile(),
    () => false,
  );
  if (isFile) {
    if (extname(text).toLowerCase() === '.json') return { type: 'profile', name: text, profile: await readProfileJson(text) };
    const profile = await profileFile({ file: text, ...options.read, ...(options.profile ? { profile: options.profile } : {}) });
    return { type: 'file', name: text, profile };
  }
  if (text.startsWith('datasets/') && options.registry) {
    parseRef(text);
    return storedProfile(text, options.registry);
  }
  throw new MlshipError(ErrorCode.fileNotFound, `no such file or dataset: ${text}`, {
    hint: 'give a data file, a profile JSON file, or a dataset ref such as datasets/iris:1',
    exitCode: ExitCode.usage,
  });
}
