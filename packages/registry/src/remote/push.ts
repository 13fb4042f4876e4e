import { Readable } from 'node:stream';
import { ErrorCode, ExitCode, MlshipError, type Digest } from '@mlship/core';
import { openBlobStream, readBlobVerified } from '../blobs.js';
import { readManifest } from '../documents.js';
import { resolveRef } from '../resolve.js';
import { OciClient } from './client.js';
import { formatOciLocation, parseOciLocation } from './oci-url.js';
import { MediaType } from '../media-types.js';

export interface PushResult {
  ref: string;
  location: string;
  digest: Digest;
  blobsUploaded: number;
  blobsSkipped: number;
  bytesUploaded: number;
}

/**
 * Pushes a version to an OCI registry: blobs the far side already has are skipped, the others are
 * streamed (and verified) from the store, then the manifest goes up byte for byte, so its digest is kept.
 * The tag defaults to the version number.
 */
export async function pushArtifact(options: {
  registry: string;
  ref: string;
  to: string;
  insecure?: boolean;
  env?: NodeJS.ProcessEnv;
  onProgress?: (event: { digest: string; uploaded: boolean; bytes: number }) => void;
}): Promise<PushResult> {
  const root = options.registry;
  const artifact = await resolveRef(root, options.ref);
  const location = parseOciLocation(options.to);
  if (location.digest && location.digest !== artifact.digest) {
    throw new MlshipError(ErrorCode.usage, `${artifact.ref} has digest ${artifact.digest}, not ${location.digest}`, {
      hint: 'push to a tag, or name the artifact\'s own digest',
      exitCode: ExitCode.usage,
    });
  }
  const tag = location.digest ? undefined : (location.tag ?? String(artifact.version));
  const client = new OciClient(location, { insecure: options.insecure, actions: 'pull,push', env: options.env });
  const manifest = await readManifest(root, artifact.digest);
  const manifestBytes = await readBlobVerified(root, artifact.digest);

  const result: PushResult = {
    ref: artifact.ref,
    location: formatOciLocation({ ...location, tag, digest: location.digest }),
    digest: artifact.digest,
    blobsUploaded: 0,
    blobsSkipped: 0,
    bytesUploaded: 0,
  };
  for (const blob of [manifest.config, ...manifest.layers]) {
    const head = await client.request({ method: 'HEAD', path: client.repoPath(`blobs/${blob.digest}`), accept: [200, 404] });
    if (head.status === 200) {
      result.blobsSkipped += 1;
      options.onProgress?.({ digest: blob.digest, uploaded: false, bytes: 0 });
      continue;
    }
    const start = await client.request({ method: 'POST', path: client.repoPath('blobs/uploads/'), accept: [202] });
    const location = start.headers.get('location');
    if (!location) {
      throw new MlshipError(ErrorCode.remote, `${client.location.host} started an upload without a Location header`, {
        hint: 'the server does not follow the OCI distribution API',
        exitCode: ExitCode.runtime,
      });
    }
    const uploadUrl = new URL(location, `${client.base}/`);
    uploadUrl.searchParams.set('digest', blob.digest);
    await client.request({
      method: 'PUT',
      path: uploadUrl.toString(),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
      // A fresh, verifying stream on every attempt (a retry after an auth challenge resends it).
      body: async () => Readable.toWeb(await openBlobStream(root, blob.digest, blob.size)) as ReadableStream<Uint8Array>,
      accept: [201],
    });
    result.blobsUploaded += 1;
    result.bytesUploaded += blob.size;
    options.onProgress?.({ digest: blob.digest, uploaded: true, bytes: blob.size });
  }
  await client.request({
    method: 'PUT',
    path: client.repoPath(`manifests/${tag ?? location.digest}`),
    headers: { 'content-type': manifest.mediaType ?? MediaType.imageManifest },
    body: () => manifestBytes,
    accept: [201],
  });
  return result;
}
