import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import { ErrorCode, ExitCode, MlshipError, createSha256, hexOf, isDigest, writeFileAtomic, type Digest } from '@mlship/core';
import { openBlobStream, readBlobHead, reuseBlob, writeBlob } from '@mlship/registry';
import { ImageMediaType, canonicalBytes, type Descriptor, type OciManifest, type Platform } from '@mlship/oci';
import { ARCHIVE_ENTRY_LIMIT, ARCHIVE_MEMORY_BUDGET } from './base-archive.js';
import { checkConfigPlatform, malformedBase, parseConfig, parseJson, type BaseImage } from './base-documents.js';
import { storeDocument } from './blob-store.js';
import { layerCacheDir } from './layer.js';
import { parseRegistryReference, type DockerArchiveReference } from './reference.js';
import { ArchiveMemory, scanTar } from './tar-scan.js';
import type { ImageProgress } from './types.js';

interface DockerArchiveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

type Compression = 'gzip' | 'zstd' | 'none';

function compressionOf(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

/**
 * Passes a layer through unchanged while working out its diff_id: the digest of the uncompressed tar.
 * For a plain tar that is the blob's own digest (computed by writeBlob); a gzip layer is also inflated
 * on the side and hashed.
 */
export class DiffIdTap extends Transform {
  compression: Compression | undefined;
  private gunzip: Gunzip | undefined;
  private inflated: Promise<void> | undefined;
  private readonly hash = createSha256();
  /** The first bytes, held until there are enough (4) to tell the compression. */
  private head: Buffer[] = [];
  private headBytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.compression === undefined) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes < 4) return done();
      this.pass(Buffer.concat(this.head), done);
      this.head = [];
      return;
    }
    this.pass(chunk, done);
  }

  private pass(chunk: Buffer, done: TransformCallback): void {
    if (this.compression === undefined) {
      this.compression = compressionOf(chunk);
      if (this.compression === 'zstd') {
        done(new MlshipError(ErrorCode.usage, 'zstd-compressed layers in a docker-archive are not supported', {
          hint: 'save the base image with gzip or uncompressed layers',
          exitCode: ExitCode.usage,
        }));
        return;
      }
      if (this.compression === 'gzip') {
        const gunzip = createGunzip();
        this.gunzip = gunzip;
        gunzip.on('data', (data: Buffer) => this.hash.update(data));
        this.inflated = new Promise((ok, fail) => {
          gunzip.once('end', ok);
          gunzip.once('error', fail);
        });
        this.inflated.catch((error: Error) => this.destroy(error));
      }
    }
    if (this.gunzip && !this.gunzip.write(chunk)) this.gunzip.once('drain', () => done(null, chunk));
    else done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.compression === undefined && this.headBytes > 0) {
      // A layer of under 4 bytes: not a tar, but passed on for writeBlob's checks all the same.
      const head = Buffer.concat(this.head);
      this.head = [];
      this.pass(head, (error, data) => {
        if (error) return done(error);
        if (data) this.push(data);
        this.finish(done);
      });
      return;
    }
    this.finish(done);
  }

  private finish(done: TransformCallback): void {
    if (!this.gunzip) return done();
    this.gunzip.end();
    this.inflated!.then(() => done(), done);
  }

  /** The diff_id; `digest` is the blob's own digest (the diff_id of an uncompressed layer). */
  diffId(digest: Digest): Digest {
    return this.gunzip ? `sha256:${this.hash.digest('hex')}` : digest;
  }
}

async function storeLayer(
  root: string,
  source: Readable | Buffer,
  expected: Digest | undefined,
  /** Names the layer in progress events until its digest is known. */
  progress: { id: Digest; size: number },
  onProgress?: (event: ImageProgress) => void,
): Promise<{ descriptor: Descriptor; diffId: Digest }> {
  const tap = new DiffIdTap();
  if (Buffer.isBuffer(source)) tap.end(source);
  else {
    source.on('error', (error: Error) => tap.destroy(error));
    source.pipe(tap);
  }
  const written = await writeBlob(root, tap, {
    ...(expected ? { expected } : {}),
    onBytes: (bytes) => onProgress?.({ phase: 'base', digest: progress.id, size: progress.size, bytes, done: false, cached: false }),
  });
  onProgress?.({ phase: 'base', digest: written.digest, size: written.size, bytes: written.size, done: true, cached: false });
  const mediaType = tap.compression === 'gzip' ? ImageMediaType.ociLayerGzip : ImageMediaType.ociLayer;
  const diffId = tap.diffId(written.digest);
  if (tap.compression === 'gzip') await rememberDiffId(root, written.digest, diffId);
  return { descriptor: { mediaType, digest: written.digest, size: written.size }, diffId };
}

/** Where a stored gzip layer's diff_id is remembered once computed: `<layer cache>/diff-ids/<hex>`. */
const diffIdRecord = (root: string, digest: Digest) => join(layerCacheDir(root), 'diff-ids', hexOf(digest));

async function rememberDiffId(root: string, digest: Digest, diffId: Digest): Promise<void> {
  await mkdir(join(layerCacheDir(root), 'diff-ids'), { recursive: true });
  await writeFileAtomic(diffIdRecord(root, digest), `${diffId}\n`);
}

/**
 * The diff_id of a stored gzip layer: remembered when this module computed it, else computed now by
 * inflating the blob (it may have come from a base whose diff_ids were not checked) and remembered.
 */
async function storedDiffId(root: string, digest: Digest): Promise<Digest> {
  const known = (await readFile(diffIdRecord(root, digest), 'utf8').catch(() => '')).trim();
  if (isDigest(known)) return known as Digest;
  const hash = createSha256();
  const inflated = (await openBlobStream(root, digest)).pipe(createGunzip());
  for await (const chunk of inflated) hash.update(chunk as Buffer);
  const diffId: Digest = `sha256:${hash.digest('hex')}`;
  await rememberDiffId(root, digest, diffId);
  return diffId;
}

async function storedCompression(root: string, digest: Digest): Promise<Compression> {
  return compressionOf(await readBlobHead(root, digest, 4));
}

function normalizeTag(tag: string): string | undefined {
  try {
    return parseRegistryReference(tag, tag).name;
  } catch {
    return undefined;
  }
}

function selectEntry(entries: DockerArchiveEntry[], reference: DockerArchiveReference, describe: string): DockerArchiveEntry {
  const tags = entries.flatMap((entry) => entry.RepoTags ?? []);
  if (reference.index !== undefined) {
    const entry = entries[reference.index];
    if (!entry) {
      throw new MlshipError(ErrorCode.refNotFound, `${describe}: there is no image @${reference.index}`, {
        hint: `the archive holds ${entries.length} image(s), @0 to @${entries.length - 1}`,
        exitCode: ExitCode.usage,
      });
    }
    return entry;
  }
  if (reference.ref !== undefined) {
    const want = normalizeTag(reference.ref);
    const entry = entries.find((candidate) => (candidate.RepoTags ?? []).some((tag) => tag === reference.ref || normalizeTag(tag) === want));
    if (!entry) {
      throw new MlshipError(ErrorCode.refNotFound, `${describe}: no image tagged ${reference.ref}`, {
        hint: tags.length ? `it holds ${tags.join(', ')}` : 'its images have no tags; use @N',
        exitCode: ExitCode.usage,
      });
    }
    return entry;
  }
  if (entries.length === 1) return entries[0]!;
  throw new MlshipError(ErrorCode.usage, `${describe} holds ${entries.length} images; name one`, {
    hint: `append :REPO:TAG (${tags.join(', ') || 'no tags'}) or :@N`,
    exitCode: ExitCode.usage,
  });
}

/**
 * A `docker save` / `podman save` archive (`docker-archive:FILE[:REPO:TAG | :@N]`), legacy layout or the
 * OCI-layout-plus-manifest.json layout of Docker 25+. Layers keep their bytes (plain tars are
 * `application/vnd.oci.image.layer.v1.tar`, their digest being the diff_id); every diff_id is checked
 * against the config. The image gets an OCI manifest made from manifest.json, stored like the blobs.
 */
export async function fetchDockerArchive(
  root: string,
  reference: DockerArchiveReference,
  platform: Platform,
  onProgress?: (event: ImageProgress) => void,
): Promise<BaseImage> {
  const file = resolve(reference.path);
  const describe = reference.name;
  const what = 'a `docker save` or `podman save` archive';
  const memory = new ArchiveMemory(ARCHIVE_ENTRY_LIMIT, ARCHIVE_MEMORY_BUDGET);
  await scanTar(file, what, (entry, stream) => memory.take(entry, stream));
  const listing = memory.files.get('manifest.json');
  if (!listing) {
    throw new MlshipError(ErrorCode.usage, `${file} is not a docker-archive (no manifest.json)`, {
      hint: `pass ${what}; for an OCI layout archive write oci-archive:${reference.path}`,
      exitCode: ExitCode.usage,
    });
  }
  const entries = parseJson<DockerArchiveEntry[]>(listing, `${describe} manifest.json`);
  if (!Array.isArray(entries) || !entries.every((entry) => typeof entry?.Config === 'string' && Array.isArray(entry.Layers))) {
    throw malformedBase(describe, 'manifest.json is not a list of {Config, Layers}');
  }
  const entry = selectEntry(entries, reference, describe);
  const configBytes = memory.files.get(memory.resolve(entry.Config));
  if (!configBytes) throw malformedBase(describe, `the config ${entry.Config} is missing or too large`);
  const config = parseConfig(configBytes, describe, entry.Layers.length);
  checkConfigPlatform(config, platform, describe);

  const results = new Map<string, { descriptor: Descriptor; diffId: Digest }>();
  const streamed = new Map<string, { expected: Digest | undefined; id: Digest; size: number }>();
  for (const [position, layerName] of entry.Layers.entries()) {
    const name = memory.resolve(layerName);
    if (results.has(name) || streamed.has(name)) continue;
    const size = memory.sizes.get(name);
    if (size === undefined) throw malformedBase(describe, `the layer ${layerName} is missing from the archive`);
    const named = /^blobs\/sha256\/([0-9a-f]{64})$/.exec(name);
    const expected = named ? (`sha256:${named[1]}` as Digest) : undefined;
    const diffId = config.rootfs.diff_ids[position]!;
    if (expected && (await reuseBlob(root, expected, size))) {
      const compression = await storedCompression(root, expected);
      const mediaType = compression === 'gzip' ? ImageMediaType.ociLayerGzip : ImageMediaType.ociLayer;
      // A stored gzip layer's diff_id is its own (remembered or computed), checked against the config below.
      results.set(name, { descriptor: { mediaType, digest: expected, size }, diffId: compression === 'none' ? expected : await storedDiffId(root, expected) });
      onProgress?.({ phase: 'base', digest: expected, size, bytes: size, done: true, cached: true });
    } else if (!expected && (await reuseBlob(root, diffId, size))) {
      // A plain tar whose digest is its diff_id is already stored: nothing to read.
      results.set(name, { descriptor: { mediaType: ImageMediaType.ociLayer, digest: diffId, size }, diffId });
      onProgress?.({ phase: 'base', digest: diffId, size, bytes: size, done: true, cached: true });
    } else if (memory.files.has(name)) {
      results.set(name, await storeLayer(root, memory.files.get(name)!, expected, { id: expected ?? diffId, size }, onProgress));
    } else {
      streamed.set(name, { expected, id: expected ?? diffId, size });
    }
  }
  if (streamed.size > 0) {
    await scanTar(file, what, async (tarEntry, stream) => {
      const wanted = streamed.get(tarEntry.name);
      if (!wanted || results.has(tarEntry.name)) return;
      results.set(tarEntry.name, await storeLayer(root, stream, wanted.expected, wanted, onProgress));
    });
  }
  const layers: Descriptor[] = [];
  for (const [position, layerName] of entry.Layers.entries()) {
    const result = results.get(memory.resolve(layerName));
    if (!result) throw malformedBase(describe, `the layer ${layerName} could not be read`);
    const diffId = config.rootfs.diff_ids[position]!;
    if (result.diffId !== diffId) {
      throw new MlshipError(ErrorCode.integrity, `${describe}: layer ${layerName} has diff_id ${result.diffId}, the config says ${diffId}`, {
        hint: 'the archive is damaged; save the image again',
        exitCode: ExitCode.runtime,
      });
    }
    layers.push(result.descriptor);
  }
  const configDigest = await storeDocument(root, configBytes);
  const configDescriptor: Descriptor = { mediaType: ImageMediaType.ociConfig, digest: configDigest, size: configBytes.length };
  const manifest: OciManifest = { schemaVersion: 2, mediaType: ImageMediaType.ociManifest, config: configDescriptor, layers };
  const manifestDigest = await storeDocument(root, canonicalBytes(manifest));
  return {
    manifest,
    config,
    configDescriptor,
    layers,
    source: { transport: 'docker-archive', name: reference.name, digest: manifestDigest, manifestDigest, platform },
  };
}
