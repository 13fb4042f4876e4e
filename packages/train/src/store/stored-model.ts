/**
 * Reading a stored model version through the registry API: resolving a models/ ref, a file's bytes
 * in memory (checked against its digest), and a file written out atomically (temp file, fsync, rename).
 */
import { parseRef, readAll, writeStreamAtomic } from '@mlship/core';
import { MODEL_FILES, type Signature } from '@mlship/onnx';
import type { ArtifactFile, ArtifactVersion } from '@mlship/registry';
import { ModelErrorCode, modelFileError } from '../errors.js';

/** Resolves `ref`, which must name a model (`models/NAME[:N|@alias|@sha256:…]`). */
export async function resolveModelRef(registry: string, ref: string): Promise<ArtifactVersion> {
  const parsed = parseRef(ref);
  if (parsed.kind !== 'models') {
    throw modelFileError(ModelErrorCode.format, `${ref} is not a model`, 'give a model ref such as models/iris:1 or models/iris@production');
  }
  const { resolveRef } = await import('@mlship/registry');
  return resolveRef(registry, ref);
}

/** The bytes of one stored file; the registry stream fails with MLSHIP_E_INTEGRITY on corrupt bytes. */
export async function readStoredFile(registry: string, artifact: ArtifactVersion, name: string): Promise<Buffer> {
  const { openArtifactFile } = await import('@mlship/registry');
  const { stream } = await openArtifactFile(registry, artifact, name);
  return readAll(stream);
}

/** A stored model's `model.onnx` and `signature.json`. */
export async function readStoredOnnx(registry: string, artifact: ArtifactVersion): Promise<{ bytes: Buffer; signature: Signature }> {
  for (const name of [MODEL_FILES.onnx, MODEL_FILES.signature]) {
    if (!artifact.files.some((file) => file.name === name)) {
      throw modelFileError(ModelErrorCode.format, `${artifact.ref} has no ${name}`, 'store models with `mlship train` or `mlship model import`');
    }
  }
  const bytes = await readStoredFile(registry, artifact, MODEL_FILES.onnx);
  const text = (await readStoredFile(registry, artifact, MODEL_FILES.signature)).toString('utf8');
  let signature: Signature;
  try {
    signature = JSON.parse(text) as Signature;
  } catch (error) {
    throw modelFileError(ModelErrorCode.signature, `${artifact.ref}: ${MODEL_FILES.signature} does not parse: ${(error as Error).message}`, 'store the model again with a valid signature');
  }
  return { bytes, signature };
}

/**
 * Writes one stored file to `target`: a temp file beside it, checked against its digest while
 * streaming, fsynced and renamed into place, so the target holds the old content or the verified new one.
 */
export async function writeStoredFile(registry: string, artifact: ArtifactVersion, file: ArtifactFile, target: string): Promise<void> {
  const { openArtifactFile } = await import('@mlship/registry');
  const { stream } = await openArtifactFile(registry, artifact, file.name);
  await writeStreamAtomic(target, stream);
}
