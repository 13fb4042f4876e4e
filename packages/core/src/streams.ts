import { ErrorCode, ExitCode, MlshipError } from './errors.js';

/** Reads a whole (small) stream into memory, refusing more than `limit` bytes with a usage error naming `what`. */
export async function readStreamLimited(stream: AsyncIterable<unknown>, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new MlshipError(ErrorCode.usage, `${what} is larger than ${limit} bytes`, { exitCode: ExitCode.usage });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
