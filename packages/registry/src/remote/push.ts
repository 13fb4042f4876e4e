import { Readable } from 'node:stream';
import { ErrorCode, ExitCode, MlshipError, type Digest } from '@mlship/core';
import type { Descriptor } from '@mlship/oci';
import { openBlobStream } from '../blobs.js';
import { readManifestTree, type ManifestNode } from '../manifest-tree.js';
import { resolveRef } from '../resolve.js';
import { OciClient } from './client.js';
import { formatOciLocation, parseOciLocation } from './oci-url.js';

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
 * An image index goes up after its platform manifests (each by digest, counted as blobs), since a
 * registry refuses an index naming manifests it lacks. The tag defaults to the version number.
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
  // An artifact is one manifest; an image may be an index of per-platform manifests, each pushed first.
  const tree = await readManifestTree(root, { mediaType: artifact.mediaType, digest: artifact.digest, size: artifact.size });

  const result: PushResult = {
    ref: artifact.ref,
    location: formatOciLocation({ ...location, tag, digest: location.digest }),
    digest: artifact.digest,
    blobsUploaded: 0,
    blobsSkipped: 0,
    bytesUploaded: 0,
  };
  const done = new Set<string>();
  const skip = (blob: Descriptor) => {
    result.blobsSkipped += 1;
    options.onProgress?.({ digest: blob.digest, uploaded: false, bytes: 0 });
  };
  const uploaded = (blob: Descriptor) => {
    result.blobsUploaded += 1;
    result.bytesUploaded += blob.size;
    options.onProgress?.({ digest: blob.digest, uploaded: true, bytes: blob.size });
  };

  const pushBlob = async (blob: Descriptor) => {
    if (done.has(blob.digest)) return;
    done.add(blob.digest);
    const head = await client.request({ method: 'HEAD', path: client.repoPath(`blobs/${blob.digest}`), accept: [200, 404] });
    if (head.status === 200) return skip(blob);
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
    uploaded(blob);
  };

  /** Pushes what a manifest or index references, then the document itself, byte for byte with its media type. */
  const pushNode = async (node: ManifestNode, reference: string | undefined) => {
    if (node.type === 'index') {
      for (const child of node.children) await pushNode(child, undefined);
    } else {
      for (const blob of [node.manifest.config, ...node.manifest.layers]) await pushBlob(blob);
    }
    const { descriptor } = node;
    if (reference === undefined) {
      // A child manifest goes up by digest; one the registry already holds is skipped.
      if (done.has(descriptor.digest)) return;
      done.add(descriptor.digest);
      const head = await client.request({
        method: 'HEAD',
        path: client.repoPath(`manifests/${descriptor.digest}`),
        headers: { accept: descriptor.mediaType },
        accept: [200, 404],
      });
      if (head.status === 200) return skip(descriptor);
    }
    await client.request({
      method: 'PUT',
      path: client.repoPath(`manifests/${reference ?? descriptor.digest}`),
      headers: { 'content-type': descriptor.mediaType },
      body: () => node.bytes,
      accept: [201],
    });
    if (reference === undefined) uploaded(descriptor);
  };
  await pushNode(tree, tag ?? location.digest);
  return result;
}
