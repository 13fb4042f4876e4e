import { usageError } from './errors.js';

/**
 * Reads a whole (small) stream into memory. Past `limit` bytes it stops with a usage error naming
 * `what`; without a limit it reads everything (for streams already bounded, such as a stored blob).
 */
export async function readAll(stream: AsyncIterable<unknown>, limit = Number.POSITIVE_INFINITY, what = 'the stream'): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) throw usageError(`${what} is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}
