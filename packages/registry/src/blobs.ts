import { constants, createReadStream, createWriteStream } from 'node:fs';
import { copyFile, open, readFile, readdir, rename, stat, unlink } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  ErrorCode,
  ExitCode,
  MlshipError,
  createSha256,
  digestFile,
  fsyncDir,
  isDigest,
  tempPathFor,
  TEMP_PREFIX,
  type Digest,
} from '@mlship/core';
import { blobPath, registryPaths } from './layout.js';
import { holdBlobs } from './lock.js';

/** Chunk size for streaming blobs: large enough for throughput, small enough for bounded memory. */
const CHUNK = 1 << 22;
/** Manifests and configs are read whole; anything bigger is not one of them. */
export const MAX_DOCUMENT_BYTES = 16 << 20;

export function integrityError(digest: string, actual: string, where: string): MlshipError {
  return new MlshipError(ErrorCode.integrity, `integrity check failed for blob ${digest} (${where}): content hashes to ${actual}`, {
    hint: 'the stored bytes are corrupt; run `mlship registry verify`, then restore the artifact from an export or a remote',
    exitCode: ExitCode.runtime,
    details: { digest, actual },
  });
}

export function missingBlobError(digest: string): MlshipError {
  return new MlshipError(ErrorCode.registryCorrupt, `blob ${digest} is missing from the registry`, {
    hint: 'run `mlship registry verify`; restore the artifact from an export or a remote',
    exitCode: ExitCode.runtime,
    details: { digest },
  });
}

export type BlobSource = string | Uint8Array | Readable | AsyncIterable<Uint8Array>;

export interface WrittenBlob {
  digest: Digest;
  size: number;
}

/**
 * Stores content as a blob: streamed to a temp file while hashed, fsynced, then renamed to its digest.
 * With `expected`, content that hashes otherwise is refused and nothing is stored.
 * A blob already present is replaced by the new, verified copy (healing a corrupt one).
 */
export async function writeBlob(
  root: string,
  source: BlobSource,
  options: { expected?: Digest; onBytes?: (bytes: number) => void } = {},
): Promise<WrittenBlob> {
  const dir = registryPaths(root).blobs;
  const temp = tempPathFor(`${dir}/blob`);
  let digest: Digest;
  let size: number;
  try {
    ({ digest, size } = typeof source === 'string' ? await copyFileIn(source, temp, options.onBytes) : await streamIn(source, temp, options.onBytes));
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  if (options.expected !== undefined && options.expected !== digest) {
    await unlink(temp).catch(() => undefined);
    throw integrityError(options.expected, digest, 'received content');
  }
  // Renaming over an existing blob is atomic and replaces a corrupt copy with good bytes.
  await rename(temp, blobPath(root, digest));
  await fsyncDir(dir);
  return { digest, size };
}

/**
 * A file on disk: the kernel copies it (copy_file_range or sendfile; a reflink where the file system
 * has them), then the copy itself is hashed, with one reused buffer, while it is flushed to disk. The
 * digest names exactly the stored bytes, even if the source changes meanwhile. (Measured here: faster
 * than reading, hashing and writing in one pass through user space, where hashing is the bottleneck.)
 */
async function copyFileIn(source: string, temp: string, onBytes?: (bytes: number) => void): Promise<WrittenBlob> {
  await copyFile(source, temp, constants.COPYFILE_EXCL);
  const [hashed] = await Promise.all([digestFile(temp, onBytes), syncFile(temp)]);
  return hashed;
}

/** Bytes or a stream: hashed on the way to the temp file, then flushed to disk. */
async function streamIn(source: Exclude<BlobSource, string>, temp: string, onBytes?: (bytes: number) => void): Promise<WrittenBlob> {
  const hashing = hashingTransform(onBytes);
  const input = source instanceof Uint8Array ? Readable.from([source]) : source;
  await pipeline(input, hashing, createWriteStream(temp, { flags: 'wx', highWaterMark: CHUNK }));
  await syncFile(temp);
  return hashing.result();
}

/**
 * A pass-through stream that hashes what flows through it. `check`, given the final digest and size,
 * may return an error to fail the stream at its end.
 */
function hashingTransform(
  onBytes?: (bytes: number) => void,
  check?: (actual: WrittenBlob) => Error | undefined,
): Transform & { result(): WrittenBlob } {
  const hash = createSha256();
  let size = 0;
  let final: WrittenBlob | undefined;
  const result = (): WrittenBlob => (final ??= { digest: `sha256:${hash.digest('hex')}`, size });
  const stream = new Transform({
    highWaterMark: CHUNK,
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      hash.update(chunk);
      size += chunk.length;
      onBytes?.(size);
      done(null, chunk);
    },
    flush(done: TransformCallback) {
      done(check?.(result()) ?? null);
    },
  });
  return Object.assign(stream, { result });
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function hasBlob(root: string, digest: Digest): Promise<boolean> {
  return (await stat(blobPath(root, digest)).catch(() => undefined))?.isFile() === true;
}

/** The first `length` bytes of a stored blob (fewer for a shorter one), unverified: for telling its format (gzip or not). */
export async function readBlobHead(root: string, digest: Digest, length: number): Promise<Buffer> {
  const handle = await open(blobPath(root, digest), 'r');
  try {
    const head = Buffer.alloc(length);
    const { bytesRead } = await handle.read(head, 0, length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * Whether the store holds the blob (with `size` bytes, when given), for a writer in progress that will
 * reference it instead of writing it again. It is held first (`holdBlobs`), so a `registry gc` that
 * starts after this call keeps it until the writer ends.
 */
export async function reuseBlob(root: string, digest: Digest, size?: number): Promise<boolean> {
  await holdBlobs(root, [digest]);
  const info = await stat(blobPath(root, digest)).catch(() => undefined);
  return info?.isFile() === true && (size === undefined || info.size === size);
}

/** Reads a small blob whole and checks its digest; a mismatch is an integrity error. */
export async function readBlobVerified(root: string, digest: Digest, maxBytes = MAX_DOCUMENT_BYTES): Promise<Buffer> {
  const path = blobPath(root, digest);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw missingBlobError(digest);
  if (info.size > maxBytes) {
    throw new MlshipError(ErrorCode.registryCorrupt, `blob ${digest} is ${info.size} bytes, too large for a manifest or config`, {
      hint: 'run `mlship registry verify`',
      exitCode: ExitCode.runtime,
    });
  }
  const bytes = await readFile(path);
  const actual: Digest = `sha256:${createSha256().update(bytes).digest('hex')}`;
  if (actual !== digest) throw integrityError(digest, actual, path);
  return bytes;
}

/**
 * Streams a blob out, hashing as it goes; the stream errors with MLSHIP_E_INTEGRITY at its end when the
 * bytes do not match the digest. Consumers must treat what they got as invalid on any error (see
 * `extractArtifact`, which writes to a temp file and renames only verified content).
 */
export async function openBlobStream(root: string, digest: Digest, expectedSize?: number): Promise<Readable> {
  const path = blobPath(root, digest);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw missingBlobError(digest);
  const verify = hashingTransform(undefined, (actual) =>
    actual.digest !== digest || (expectedSize !== undefined && actual.size !== expectedSize) ? integrityError(digest, actual.digest, path) : undefined,
  );
  const input = createReadStream(path, { highWaterMark: CHUNK });
  input.on('error', (error) => verify.destroy(error));
  return input.pipe(verify);
}

export interface BlobFile {
  digest: Digest;
  path: string;
  size: number;
  mtimeMs: number;
}

/** Lists stored blobs; temp files and stray names are reported apart. */
export async function listBlobs(root: string): Promise<{ blobs: BlobFile[]; temps: BlobFile[]; strays: string[] }> {
  const dir = registryPaths(root).blobs;
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const blobs: BlobFile[] = [];
  const temps: BlobFile[] = [];
  const strays: string[] = [];
  for (const name of names) {
    const path = `${dir}/${name}`;
    const info = await stat(path).catch(() => undefined);
    if (!info) continue; // removed meanwhile
    const digest = `sha256:${name}`;
    if (name.startsWith(TEMP_PREFIX)) temps.push({ digest: digest as Digest, path, size: info.size, mtimeMs: info.mtimeMs });
    else if (isDigest(digest) && info.isFile()) blobs.push({ digest, path, size: info.size, mtimeMs: info.mtimeMs });
    else strays.push(path);
  }
  return { blobs, temps, strays };
}

/** Re-hashes one stored blob. */
export async function hashStoredBlob(path: string, onBytes?: (bytes: number) => void): Promise<Digest> {
  let last = 0;
  const { digest } = await digestFile(path, (total) => {
    onBytes?.(total - last);
    last = total;
  });
  return digest;
}
