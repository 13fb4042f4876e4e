import { registerWriter } from '@mlship/registry';
import type { Platform } from '@mlship/oci';
import { openOciArchiveSource } from './base-archive.js';
import { resolveBase, type BaseImage } from './base-documents.js';
import { fetchDockerArchive } from './base-docker-archive.js';
import { openLayoutSource } from './base-layout.js';
import { RegistryBaseSource } from './base-registry.js';
import { parseImageReference, type ImageReference } from './reference.js';
import type { ImageProgress } from './types.js';

export type { BaseImage } from './base-documents.js';

export interface FetchBaseImageOptions {
  /** The mlship registry (an OCI layout) whose blob store receives the base blobs. */
  registry: string;
  /** A reference in skopeo's transport syntax (see `parseImageReference`), or one already parsed. */
  base: string | ImageReference;
  platform: Platform;
  /** Plain HTTP to a registry on loopback. */
  insecure?: boolean;
  env?: NodeJS.ProcessEnv;
  onProgress?: (event: ImageProgress) => void;
}

/**
 * Fetches a base image for one platform into the mlship store: from a registry (OCI or Docker
 * schema2, index or manifest list), an OCI layout, an oci-archive or a docker-archive. Only blobs the
 * store lacks are read, each verified by digest. Errors: an unknown image or tag is
 * MLSHIP_E_REF_NOT_FOUND (exit 2), an unreachable registry MLSHIP_E_REMOTE (exit 3), a platform the
 * base lacks MLSHIP_E_USAGE listing the platforms it has.
 */
export async function fetchBaseImage(options: FetchBaseImageOptions): Promise<BaseImage> {
  const reference = typeof options.base === 'string' ? parseImageReference(options.base) : options.base;
  const unregister = await registerWriter(options.registry);
  try {
    switch (reference.transport) {
      case 'docker': {
        const source = new RegistryBaseSource(options.registry, reference, { insecure: options.insecure, env: options.env });
        return await resolveBase(options.registry, source, reference, options.platform, options.onProgress);
      }
      case 'oci': {
        const source = await openLayoutSource(options.registry, reference, options.platform);
        return await resolveBase(options.registry, source, reference, options.platform, options.onProgress);
      }
      case 'oci-archive': {
        const source = await openOciArchiveSource(options.registry, reference, options.platform);
        return await resolveBase(options.registry, source, reference, options.platform, options.onProgress);
      }
      case 'docker-archive': {
        return await fetchDockerArchive(options.registry, reference, options.platform, options.onProgress);
      }
    }
  } finally {
    await unregister();
  }
}
