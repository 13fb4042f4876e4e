import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ErrorCode, ExitCode, MlshipError, digestOf, readAll, type Digest } from '@mlship/core';
import { OciClient, hasBlob, readBlobVerified, MAX_DOCUMENT_BYTES } from '@mlship/registry';
import { isIndexMediaType, isManifestMediaType, MANIFEST_ACCEPT, type Descriptor } from '@mlship/oci';
import type { BaseSource } from './base-documents.js';
import { documentTooLarge, ensureBlob, verifyBytes } from './blob-store.js';
import type { RegistryReference } from './reference.js';
import type { ImageProgress } from './types.js';

function notFound(reference: RegistryReference, what: string): MlshipError {
  return new MlshipError(ErrorCode.refNotFound, `${reference.name}: ${what} not found in the registry`, {
    hint: `check the repository name and tag (\`skopeo inspect docker://${reference.name}\` lists what is there)`,
    exitCode: ExitCode.usage,
    details: { base: reference.name },
  });
}

/** A response body, read only up to `limit` bytes: a longer one fails as soon as it passes the limit. */
async function readBody(response: Response, limit: number, what: string, tooLarge: () => MlshipError): Promise<Buffer> {
  if (!response.body) return Buffer.alloc(0);
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  try {
    return await readAll(body, limit, what);
  } catch (error) {
    body.destroy();
    if (error instanceof MlshipError && error.code === ErrorCode.usage) throw tooLarge();
    throw error;
  }
}

/** More bytes than the descriptor naming them says. */
function longerThanDescribed(what: string, size: number): MlshipError {
  return new MlshipError(ErrorCode.integrity, `${what} is larger than the ${size} bytes its descriptor says`, {
    hint: 'the registry sent more than the image describes; the base image or the registry is damaged',
    exitCode: ExitCode.runtime,
  });
}

/**
 * A base image in an OCI registry, read through the distribution API. Documents and blobs already in
 * the store are taken from it, so a warm build asks the registry only for the tag's manifest (nothing
 * at all for a digest reference).
 */
export class RegistryBaseSource implements BaseSource {
  readonly describe: string;
  private readonly client: OciClient;

  constructor(
    private readonly root: string,
    private readonly reference: RegistryReference,
    options: { insecure?: boolean; env?: NodeJS.ProcessEnv },
  ) {
    this.describe = reference.name;
    this.client = new OciClient(
      { host: reference.host, repository: reference.repository, tag: reference.tag, digest: reference.digest },
      { insecure: options.insecure, actions: 'pull', env: options.env },
    );
  }

  async top(): Promise<{ bytes: Buffer; digest: Digest; mediaType: string | undefined }> {
    const { digest, tag } = this.reference;
    if (digest !== undefined && (await hasBlob(this.root, digest))) {
      return { bytes: await readBlobVerified(this.root, digest), digest, mediaType: undefined };
    }
    return this.getManifest(digest ?? tag ?? 'latest', digest);
  }

  async document(descriptor: Descriptor, kind: 'manifest' | 'config'): Promise<Buffer> {
    if (descriptor.size > MAX_DOCUMENT_BYTES) throw documentTooLarge(`${kind} ${descriptor.digest}`, descriptor.size);
    if (await hasBlob(this.root, descriptor.digest)) return readBlobVerified(this.root, descriptor.digest);
    if (kind === 'manifest' || isIndexMediaType(descriptor.mediaType) || isManifestMediaType(descriptor.mediaType)) {
      return (await this.getManifest(descriptor.digest, descriptor.digest, descriptor.size)).bytes;
    }
    const response = await this.client.request({ method: 'GET', path: this.client.repoPath(`blobs/${descriptor.digest}`), accept: [200, 404] });
    if (response.status === 404) {
      await response.body?.cancel();
      throw notFound(this.reference, `blob ${descriptor.digest}`);
    }
    const what = `${kind} ${descriptor.digest} of ${this.reference.name}`;
    const bytes = await readBody(response, descriptor.size, what, () => longerThanDescribed(what, descriptor.size));
    verifyBytes(bytes, descriptor.digest, this.reference.name);
    return bytes;
  }

  async storeLayers(layers: Descriptor[], onProgress?: (event: ImageProgress) => void): Promise<void> {
    for (const layer of layers) {
      if (layer.urls?.length && !(await hasBlob(this.root, layer.digest))) {
        // Foreign (non-distributable) layers live elsewhere; mlship does not fetch from third-party URLs.
        throw new MlshipError(ErrorCode.usage, `${this.reference.name} has a foreign layer ${layer.digest} served from ${layer.urls[0]}`, {
          hint: 'choose a Linux base image without non-distributable layers',
          exitCode: ExitCode.usage,
        });
      }
      await ensureBlob(
        this.root,
        layer,
        async () => {
          const response = await this.client.request({ method: 'GET', path: this.client.repoPath(`blobs/${layer.digest}`), accept: [200, 404] });
          if (response.status === 404 || !response.body) {
            await response.body?.cancel();
            throw notFound(this.reference, `layer ${layer.digest}`);
          }
          return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
        },
        onProgress,
      );
    }
  }

  /** `described`: the size of the descriptor naming the manifest; MAX_DOCUMENT_BYTES bounds one named by a tag. */
  private async getManifest(reference: string, expected: Digest | undefined, described?: number): Promise<{ bytes: Buffer; digest: Digest; mediaType: string | undefined }> {
    const response = await this.client.request({
      method: 'GET',
      path: this.client.repoPath(`manifests/${reference}`),
      headers: { accept: MANIFEST_ACCEPT },
      accept: [200, 404],
    });
    if (response.status === 404) {
      await response.body?.cancel();
      throw notFound(this.reference, expected ? `manifest ${expected}` : `tag "${reference}"`);
    }
    const length = Number(response.headers.get('content-length') ?? 0);
    if (length > MAX_DOCUMENT_BYTES) {
      await response.body?.cancel();
      throw documentTooLarge(`the manifest of ${this.reference.name}`, length);
    }
    const what = `the manifest of ${this.reference.name}`;
    const bytes =
      described === undefined
        ? await readBody(response, MAX_DOCUMENT_BYTES, what, () => documentTooLarge(what, MAX_DOCUMENT_BYTES + 1))
        : await readBody(response, described, what, () => longerThanDescribed(what, described));
    const digest = digestOf(bytes);
    const claimed = expected ?? response.headers.get('docker-content-digest') ?? digest;
    if (/^sha256:/.test(claimed)) verifyBytes(bytes, claimed as Digest, this.reference.name);
    const contentType = response.headers.get('content-type')?.split(';')[0]?.trim();
    return { bytes, digest, mediaType: contentType || undefined };
  }
}
