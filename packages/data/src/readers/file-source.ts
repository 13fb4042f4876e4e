import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { fromFsError, usageError } from '@mlship/core';
import { invalidDataError, unsupportedError } from './errors.js';

/** Bytes read per chunk: small enough that a look-ahead of a few chunks stays cheap. */
export const CHUNK_BYTES = 64 * 1024;

export interface FileProbe {
  size: number;
  /** The first bytes (up to 8), for magic numbers. */
  head: Buffer;
  /** Gzip, by its magic bytes (1f 8b); the name does not matter. */
  compressed: boolean;
}

const OTHER_COMPRESSION: Array<[string, number[]]> = [
  ['zip', [0x50, 0x4b, 0x03, 0x04]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
];

const startsWith = (head: Buffer, magic: number[]) => magic.every((byte, i) => head[i] === byte);

/**
 * Checks that `file` is a regular file and reads its first bytes. Missing files and directories are
 * coded errors (fromFsError); other compressions than gzip are refused here with a hint.
 */
export async function probeFile(file: string): Promise<FileProbe> {
  try {
    // stat before open: opening a FIFO would wait for a writer.
    const info = await stat(file);
    if (info.isDirectory()) throw Object.assign(new Error(`EISDIR: ${file}`), { code: 'EISDIR' });
    if (!info.isFile()) throw usageError(`${file} is not a regular file`, 'save the data to a file first, then name that file');
    const head = Buffer.alloc(8);
    const handle = await open(file, 'r');
    const { bytesRead } = await handle.read(head, 0, head.length, 0).finally(() => handle.close());
    const probe = { size: info.size, head: head.subarray(0, bytesRead), compressed: bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b };
    const other = OTHER_COMPRESSION.find(([, magic]) => startsWith(probe.head, magic));
    if (other) throw unsupportedError(file, `${other[0]}-compressed input is not supported`, 'decompress it first; only gzip (.gz) is read directly');
    return probe;
  } catch (error) {
    throw fromFsError(error, file, 'cannot read the data');
  }
}

function gzipError(file: string, error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR' || code === 'Z_NEED_DICT') {
    return invalidDataError(file, undefined, `corrupt or truncated gzip data (${(error as Error).message})`, 'check that the file was copied whole');
  }
  return fromFsError(error, file, 'cannot read the data');
}

/** The file's bytes, gunzipped when `compressed`. The file is closed when the iteration ends, early or not. */
export async function* fileBytes(file: string, compressed: boolean, chunkBytes = CHUNK_BYTES): AsyncGenerator<Buffer> {
  const raw = createReadStream(file, { highWaterMark: chunkBytes });
  let source: Readable = raw;
  if (compressed) {
    const gunzip = createGunzip({ chunkSize: chunkBytes });
    raw.on('error', (error) => gunzip.destroy(error));
    source = raw.pipe(gunzip);
  }
  try {
    for await (const chunk of source) yield chunk as Buffer;
  } catch (error) {
    throw gzipError(file, error);
  } finally {
    source.destroy();
    raw.destroy();
    if (!raw.closed) await new Promise<void>((resolve) => raw.once('close', () => resolve())); // closed for certain once the iteration has ended
  }
}
