import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';

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

/** Read size for hashing files: one buffer, reused, so hashing a huge file allocates almost nothing. */
const HASH_CHUNK = 1 << 22;

/** Hashes a file with one reused buffer; memory stays bounded whatever its size. */
export async function digestFile(path: string, onBytes?: (bytes: number) => void): Promise<{ digest: Digest; size: number }> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(HASH_CHUNK);
  const handle = await open(path, 'r');
  let size = 0;
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, HASH_CHUNK, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
      onBytes?.(size);
    }
  } finally {
    await handle.close();
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}
