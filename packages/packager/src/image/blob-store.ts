import { stat, utimes } from 'node:fs/promises';
import { ErrorCode, ExitCode, MlshipError, digestOf, type Digest } from '@mlship/core';
import { blobPath, hasBlob, writeBlob, MAX_DOCUMENT_BYTES, type BlobSource } from '@mlship/registry';
import type { ImageDescriptor, ImageProgress } from './types.js';

/**
 * Marks a reused blob as recently written, so that a `registry gc` running meanwhile (which spares
 * blobs written after the oldest live writer started) cannot remove it before the image is indexed.
 */
export async function touchBlob(root: string, digest: Digest): Promise<void> {
  const now = new Date();
  await utimes(blobPath(root, digest), now, now).catch(() => undefined);
}

/** True when the store holds the blob with the expected size (a reused blob is touched, see `touchBlob`). */
export async function reuseBlob(root: string, digest: Digest, size?: number): Promise<boolean> {
  if (!(await hasBlob(root, digest))) return false;
  if (size !== undefined) {
    const info = await stat(blobPath(root, digest)).catch(() => undefined);
    if (info?.size !== size) return false;
  }
  await touchBlob(root, digest);
  return true;
}

/** Stores a small document (manifest, index, config) unless present; its digest must match. */
export async function storeDocument(root: string, bytes: Uint8Array, digest: Digest = digestOf(bytes)): Promise<Digest> {
  if (!(await reuseBlob(root, digest, bytes.length))) await writeBlob(root, bytes, { expected: digest });
  return digest;
}

/**
 * Stores one base blob from `open()` unless the store has it, verified against the descriptor's digest
 * and size; progress is reported per blob.
 */
export async function ensureBlob(
  root: string,
  descriptor: ImageDescriptor,
  open: () => Promise<BlobSource>,
  onProgress?: (event: ImageProgress) => void,
): Promise<boolean> {
  const { digest, size } = descriptor;
  if (await reuseBlob(root, digest, size)) {
    onProgress?.({ phase: 'base', digest, size, bytes: size, done: true, cached: true });
    return false;
  }
  const written = await writeBlob(root, await open(), {
    expected: digest,
    onBytes: (bytes) => onProgress?.({ phase: 'base', digest, size, bytes, done: false, cached: false }),
  });
  if (written.size !== size) {
    throw new MlshipError(ErrorCode.integrity, `blob ${digest} is ${written.size} bytes, its descriptor says ${size}`, {
      hint: 'the base image is damaged',
      exitCode: ExitCode.runtime,
    });
  }
  onProgress?.({ phase: 'base', digest, size, bytes: size, done: true, cached: false });
  return true;
}

export function documentTooLarge(what: string, size: number): MlshipError {
  return new MlshipError(ErrorCode.usage, `${what} is ${size} bytes, more than a manifest or config may be (${MAX_DOCUMENT_BYTES})`, {
    hint: 'the base image is damaged or not a container image',
    exitCode: ExitCode.usage,
  });
}

/** Checks bytes against a digest; a mismatch is an integrity error naming where they came from. */
export function verifyBytes(bytes: Uint8Array, digest: Digest, where: string): void {
  const actual = digestOf(bytes);
  if (actual !== digest) {
    throw new MlshipError(ErrorCode.integrity, `integrity check failed for ${digest} (${where}): content hashes to ${actual}`, {
      hint: 'the base image is damaged; fetch it again',
      exitCode: ExitCode.runtime,
      details: { digest, actual },
    });
  }
}
