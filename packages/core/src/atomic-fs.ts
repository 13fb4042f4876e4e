import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ErrorCode, ExitCode, MlshipError } from './errors.js';

/** Names of temp files written next to their target; `registry gc` knows this prefix. */
export const TEMP_PREFIX = '.tmp-';

export function tempPathFor(target: string): string {
  return join(dirname(target), `${TEMP_PREFIX}${basename(target)}-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Flushes a directory entry change (a rename or a new file) to disk. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms and file systems cannot fsync a directory; the rename is still atomic there.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw error;
  } finally {
    await handle?.close();
  }
}

/**
 * Writes a file so that readers and crashes see either the old or the new content, never a torn one:
 * temp file in the same directory, fsync, rename over the target, fsync the directory.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const temp = tempPathFor(target);
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDir(dirname(target));
}

/**
 * `writeFileAtomic` for a stream: its bytes go to a temp file beside `target`, which is fsynced and
 * renamed over the target only when the stream ends without error (a verifying stream that fails
 * leaves the target untouched and no temp file behind).
 */
export async function writeStreamAtomic(target: string, stream: NodeJS.ReadableStream): Promise<void> {
  const temp = tempPathFor(target);
  try {
    await pipeline(stream, createWriteStream(temp, { flags: 'wx', mode: 0o644 }));
    const handle = await open(temp, 'r+');
    await handle.sync().finally(() => handle.close());
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDir(dirname(target));
}

/**
 * `mkdir -p`, one level at a time, failing where a level cannot be made. Node's recursive mkdir retries
 * forever where the file system answers ENOENT for a folder whose parent exists (procfs: `/proc/self/x`);
 * here that is a coded usage error. Other errors are Node's (callers wrap them with `fromFsError`).
 */
export async function makeDirectory(path: string): Promise<void> {
  const missing: string[] = [];
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (info?.isDirectory()) break;
    if (info) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: 'ENOTDIR', syscall: 'mkdir', path: dir });
    missing.push(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing.reverse()) {
    try {
      await mkdir(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && (await stat(dir).catch(() => undefined))?.isDirectory()) continue; // made meanwhile
      // The parent is there, yet the folder cannot be made: this file system has no room for folders here.
      if (code === 'ENOENT' && (await stat(dirname(dir)).catch(() => undefined))?.isDirectory()) {
        throw new MlshipError(ErrorCode.usage, `cannot create the folder ${dir}: its file system does not allow it`, {
          hint: 'choose a path on an ordinary file system (not /proc or /sys)',
          exitCode: ExitCode.usage,
          cause: error,
        });
      }
      throw error;
    }
  }
}
