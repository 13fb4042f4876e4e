import { ErrorCode, ExitCode, MlshipError, validateWithSchema, type Digest } from '@mlship/core';
import type { OciManifest } from '@mlship/oci';
import { readBlobVerified } from './blobs.js';
import { manifestSchema, metadataSchema } from './schemas.js';
import type { ArtifactMetadata } from './types.js';

function malformed(what: string, digest: string, why: string): MlshipError {
  return new MlshipError(ErrorCode.registryCorrupt, `${what} ${digest} is malformed: ${why}`, {
    hint: 'run `mlship registry verify`',
    exitCode: ExitCode.runtime,
  });
}

export function parseJsonDocument<T>(bytes: Uint8Array, schema: object, what: string, digest: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw malformed(what, digest, `not valid JSON (${(error as Error).message})`);
  }
  const checked = validateWithSchema<T>(schema, parsed);
  if (!checked.value) throw malformed(what, digest, checked.errors.slice(0, 3).join('; '));
  return checked.value;
}

export async function readManifest(root: string, digest: Digest): Promise<OciManifest> {
  return parseJsonDocument<OciManifest>(await readBlobVerified(root, digest), manifestSchema, 'manifest', digest);
}

export async function readMetadata(root: string, digest: Digest): Promise<ArtifactMetadata> {
  return parseJsonDocument<ArtifactMetadata>(await readBlobVerified(root, digest), metadataSchema, 'metadata', digest);
}
