import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Digests are OCI-style strings: `sha256:<64 lowercase hex>`. */
export type Digest = `sha256:${string}`;

export const DIGEST_REGEX = /^sha256:[0-9a-f]{64}$/;

export function isDigest(value: string): value is Digest {
  return DIGEST_REGEX.test(value);
}

export function createSha256(): Hash {
  return createHash('sha256');
}

export function digestOf(data: string | Uint8Array): Digest {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function hexOf(digest: Digest): string {
  return digest.slice('sha256:'.length);
}

/** Streams a file through SHA-256; memory stays bounded whatever its size. */
export async function digestFile(path: string): Promise<{ digest: Digest; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}
