import { Readable } from 'node:stream';
import { ErrorCode, ExitCode, MlshipError, digestOf, versionRef, type Digest } from '@mlship/core';
import { hasBlob, integrityError, writeBlob, MAX_DOCUMENT_BYTES } from '../blobs.js';
import { parseJsonDocument } from '../documents.js';
import { manifestSchema } from '../schemas.js';
import { addVersions, loadIncoming } from '../ingest.js';
import { registerWriter } from '../lock.js';
import { MediaType } from '../media-types.js';
import type { OciManifest } from '../types.js';
import { OciClient } from './client.js';
import { formatOciLocation, parseOciLocation } from './oci-url.js';

export interface PullResult {
  ref: string;
  location: string;
  digest: Digest;
  /** False when this exact version was already stored. */
  added: boolean;
  blobsDownloaded: number;
  blobsSkipped: number;
}

/** Pulls an mlship artifact from an OCI registry into the store, verifying every blob it downloads. */
export async function pullArtifact(options: {
  registry: string;
  from: string;
  insecure?: boolean;
  env?: NodeJS.ProcessEnv;
  onProgress?: (event: { digest: string; downloaded: boolean; bytes: number }) => void;
}): Promise<PullResult> {
  const root = options.registry;
  const location = parseOciLocation(options.from);
  const reference = location.digest ?? location.tag;
  if (reference === undefined) {
    throw new MlshipError(ErrorCode.usage, `no tag or digest in ${options.from}`, {
      hint: 'add :TAG or @sha256:… (registry push tags a version with its number by default)',
      exitCode: ExitCode.usage,
    });
  }
  const client = new OciClient(location, { insecure: options.insecure, actions: 'pull', env: options.env });
  const response = await client.request({
    method: 'GET',
    path: client.repoPath(`manifests/${reference}`),
    headers: { accept: MediaType.imageManifest },
    accept: [200],
  });
  const manifestBytes = Buffer.from(await response.arrayBuffer());
  const digest = digestOf(manifestBytes);
  const claimed = location.digest ?? response.headers.get('docker-content-digest') ?? digest;
  if (claimed !== digest) throw integrityError(claimed, digest, formatOciLocation(location));
  if (manifestBytes.length > MAX_DOCUMENT_BYTES) {
    throw new MlshipError(ErrorCode.remote, `${formatOciLocation(location)} returned a manifest of ${manifestBytes.length} bytes`, { exitCode: ExitCode.runtime });
  }
  let manifest: OciManifest;
  try {
    manifest = parseJsonDocument<OciManifest>(manifestBytes, manifestSchema, 'manifest', digest);
  } catch (error) {
    throw new MlshipError(ErrorCode.remote, `${formatOciLocation(location)} returned a malformed manifest: ${(error as Error).message}`, {
      hint: 'the remote artifact is damaged, or not an OCI image manifest',
      exitCode: ExitCode.runtime,
    });
  }
  if (manifest.config?.mediaType !== MediaType.metadata) {
    throw new MlshipError(ErrorCode.usage, `${formatOciLocation(location)} is not an mlship artifact (config ${manifest.config?.mediaType})`, {
      hint: 'pull only what `mlship registry push` pushed',
      exitCode: ExitCode.usage,
    });
  }
  const unregister = await registerWriter(root);
  try {
    let downloaded = 0;
    let skipped = 0;
    for (const blob of [manifest.config, ...manifest.layers]) {
      if (await hasBlob(root, blob.digest)) {
        skipped += 1;
        options.onProgress?.({ digest: blob.digest, downloaded: false, bytes: 0 });
        continue;
      }
      const got = await client.request({ method: 'GET', path: client.repoPath(`blobs/${blob.digest}`), accept: [200] });
      if (!got.body) throw new MlshipError(ErrorCode.remote, `empty body for blob ${blob.digest}`, { exitCode: ExitCode.runtime });
      await writeBlob(root, Readable.fromWeb(got.body as import('node:stream/web').ReadableStream<Uint8Array>), { expected: blob.digest });
      downloaded += 1;
      options.onProgress?.({ digest: blob.digest, downloaded: true, bytes: blob.size });
    }
    await writeBlob(root, manifestBytes, { expected: digest });
    const incoming = await loadIncoming(root, digest, manifestBytes.length, formatOciLocation(location));
    const added = await addVersions(root, [incoming]);
    const { kind, name, version } = incoming.metadata;
    return {
      ref: versionRef(kind, name, version),
      location: formatOciLocation(location),
      digest,
      added: added.added.length > 0,
      blobsDownloaded: downloaded,
      blobsSkipped: skipped,
    };
  } finally {
    await unregister();
  }
}
