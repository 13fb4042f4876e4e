import { realpath } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { ErrorCode, ExitCode, MlshipError, fromFsError, makeDirectory, writeStreamAtomic } from '@mlship/core';
import { fileNamesProblem } from './file-names.js';
import { openBlobStream } from './blobs.js';
import { ImageErrorCode } from './image-version.js';
import { resolveRef } from './resolve.js';
import type { ArtifactFile, ArtifactVersion } from './types.js';

function unsafePath(message: string): MlshipError {
  return new MlshipError(ErrorCode.unsafeArchive, message, {
    hint: 'choose an output directory without symbolic links, or check where the artifact came from',
    exitCode: ExitCode.usage,
  });
}

function pickFile(artifact: ArtifactVersion, name: string): ArtifactFile {
  const file = artifact.files.find((f) => f.name === name);
  if (!file) {
    throw new MlshipError(ErrorCode.fileNotFound, `${artifact.ref} has no file "${name}"`, {
      hint: `its files: ${artifact.files.map((f) => f.name).join(', ')}`,
      exitCode: ExitCode.usage,
    });
  }
  return file;
}

/**
 * Streams one file of an artifact out. The stream fails with MLSHIP_E_INTEGRITY at its end when the
 * stored bytes are corrupt, so a consumer must discard what it read on error.
 */
export async function openArtifactFile(
  root: string,
  ref: string | ArtifactVersion,
  name: string,
): Promise<{ file: ArtifactFile; stream: Readable }> {
  const artifact = typeof ref === 'string' ? await resolveRef(root, ref) : ref;
  const file = pickFile(artifact, name);
  return { file, stream: await openBlobStream(root, file.digest, file.size) };
}

/**
 * Writes an artifact's files (or the named ones) into `outDir`. Each goes to a temp file and is
 * renamed into place only once its digest checks out: corrupt bytes never reach the target path.
 */
export async function extractArtifact(options: {
  registry: string;
  ref: string;
  outDir: string;
  files?: string[];
}): Promise<{ ref: string; digest: string; files: Array<ArtifactFile & { path: string }> }> {
  const artifact = await resolveRef(options.registry, options.ref);
  if (artifact.format === 'image') {
    // Layers are tarballs for a container runtime, not files; writing them out would mislead.
    throw new MlshipError(ImageErrorCode.unsupported, `${artifact.ref} is a container image, not a set of files`, {
      hint: `run it with \`podman run oci:${options.registry}:${artifact.ref}\`, copy it with \`skopeo copy oci:${options.registry}:${artifact.ref} …\`, or write an image tarball with \`mlship package --out\``,
      exitCode: ExitCode.usage,
    });
  }
  const chosen = options.files && options.files.length > 0 ? options.files.map((n) => pickFile(artifact, n)) : artifact.files;
  const unsafe = fileNamesProblem(chosen.map((file) => file.name));
  if (unsafe) throw unsafePath(`${artifact.ref} cannot be written out: ${unsafe}`);
  const outDir = resolve(options.outDir);
  await makeDirectory(outDir).catch((error: unknown) => {
    throw fromFsError(error, outDir, 'cannot create the output directory');
  });
  const realOut = await realpath(outDir);
  const written: Array<ArtifactFile & { path: string }> = [];
  for (const file of chosen) {
    const target = join(outDir, file.name);
    await makeDirectory(dirname(target)).catch((error: unknown) => {
      throw fromFsError(error, dirname(target), 'cannot create a folder for the file');
    });
    // A symlink inside the output directory must not carry the file elsewhere.
    const realParent = await realpath(dirname(target));
    if (realParent !== realOut && !realParent.startsWith(realOut + sep)) {
      throw unsafePath(`${file.name} would be written outside ${outDir} (through a symbolic link)`);
    }
    await writeStreamAtomic(target, await openBlobStream(options.registry, file.digest, file.size));
    written.push({ ...file, path: target });
  }
  return { ref: artifact.ref, digest: artifact.digest, files: written };
}
