/** The stored model a bundle serves: resolving its ref, its lineage facts, and writing its files out verified. */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parseRef, withoutCredentials } from '@mlship/core';
import { MODEL_FILES } from '@mlship/onnx/model-files';
import { openArtifactFile, resolveRef, type ArtifactVersion } from '@mlship/registry';
import { BundleErrorCode, bundleError } from './errors.js';
import type { BundleGitFacts, BundleModelFacts } from './types.js';

/** Files the server needs; a model without them cannot be served. */
export const REQUIRED_MODEL_FILES = [MODEL_FILES.onnx, MODEL_FILES.signature] as const;
/** Files copied when the model has them. */
export const OPTIONAL_MODEL_FILES = [MODEL_FILES.cardMarkdown, MODEL_FILES.cardJson] as const;

/** Resolves `ref`, which must name a model holding model.onnx and signature.json. */
export async function resolveModel(registry: string, ref: string): Promise<ArtifactVersion> {
  if (parseRef(ref).kind !== 'models') {
    throw bundleError(BundleErrorCode.notModel, `${ref} is not a model`, 'give a model ref such as models/iris:1 or models/iris@production');
  }
  const model = await resolveRef(registry, ref);
  const missing = REQUIRED_MODEL_FILES.filter((name) => !model.files.some((file) => file.name === name));
  if (missing.length > 0) {
    throw bundleError(
      BundleErrorCode.modelIncomplete,
      `${model.ref} has no ${missing.join(' or ')}: there is nothing to serve`,
      'store the model with `mlship train` or `mlship model import`, which write model.onnx and signature.json',
      { ref: model.ref, missing },
    );
  }
  return model;
}

/**
 * The model version's git facts; the remote without credentials again, since labels and provenance
 * are published with the image and a version may have been recorded by an older mlship or another tool.
 */
function gitFacts(model: ArtifactVersion): BundleGitFacts | null {
  const git = model.metadata.git as (BundleGitFacts & Record<string, unknown>) | null | undefined;
  if (!git) return null;
  const remote = typeof git.remote === 'string' ? withoutCredentials(git.remote) : undefined;
  return { commit: git.commit, branch: git.branch, dirty: git.dirty, ...(remote ? { remote } : {}) };
}

export function modelFacts(model: ArtifactVersion): BundleModelFacts {
  return {
    ref: model.ref,
    digest: model.digest,
    name: model.name,
    version: model.version,
    created: model.metadata.created,
    datasetParents: model.metadata.parents.filter((parent) => parent.ref.startsWith('datasets/')),
    git: gitFacts(model),
  };
}

/** The model files the bundle carries (required ones first, then those the model has). */
export function modelFileNames(model: ArtifactVersion): string[] {
  return [...REQUIRED_MODEL_FILES, ...OPTIONAL_MODEL_FILES.filter((name) => model.files.some((file) => file.name === name))];
}

/** Writes one stored file to `target`; the registry stream fails with MLSHIP_E_INTEGRITY on corrupt bytes. */
export async function writeModelFile(registry: string, model: ArtifactVersion, name: string, target: string): Promise<void> {
  const { stream } = await openArtifactFile(registry, model, name);
  await pipeline(stream, createWriteStream(target, { flags: 'wx', mode: 0o644 }));
}

/** `model/model.json`: what the server exposes (name, version) and what logs and provenance cite (ref, digest). */
export function modelJson(facts: BundleModelFacts): string {
  return `${JSON.stringify({ name: facts.name, version: facts.version, ref: facts.ref, digest: facts.digest }, null, 2)}\n`;
}
