import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ErrorCode, ExitCode, MlshipError, digestOf, type Digest } from '@mlship/core';
import type { Descriptor } from '@mlship/oci';
import { reuseBlob, writeBlob, MAX_DOCUMENT_BYTES, type BlobSource } from '@mlship/registry';
import type { ImageProgress } from './types.js';

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
  descriptor: Descriptor,
  open: () => Promise<BlobSource>,
  onProgress?: (event: ImageProgress) => void,
): Promise<boolean> {
  const { digest, size } = descriptor;
  if (await reuseBlob(root, digest, size)) {
    onProgress?.({ phase: 'base', digest, size, bytes: size, done: true, cached: true });
    return false;
  }
  const source = await open();
  const written = await writeBlob(root, typeof source === 'string' || source instanceof Uint8Array ? source : limitedTo(source, descriptor), {
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

/** Passes a stream on, failing it as soon as more bytes come than the descriptor's size (a lying source). */
export function limitedTo(source: Readable | AsyncIterable<Uint8Array>, descriptor: Descriptor): Readable {
  let bytes = 0;
  const limit = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      bytes += chunk.length;
      if (bytes > descriptor.size) {
        done(
          new MlshipError(ErrorCode.integrity, `blob ${descriptor.digest} is more than the ${descriptor.size} bytes its descriptor says`, {
            hint: 'the base image or its registry is damaged',
            exitCode: ExitCode.runtime,
          }),
        );
        return;
      }
      done(null, chunk);
    },
  });
  const input = source instanceof Readable ? source : Readable.from(source);
  // pipeline, not pipe: a failure on either side destroys both (the HTTP body is cancelled).
  pipeline(input, limit).catch(() => undefined);
  return limit;
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
