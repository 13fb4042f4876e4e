import { hostname } from 'node:os';
import { mkdir, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import lockfile from 'proper-lockfile';
import { ErrorCode, ExitCode, MlshipError } from '@mlship/core';
import { registryPaths } from './layout.js';

/**
 * Runs `fn` holding the registry's inter-process lock (proper-lockfile: an atomic mkdir of
 * `<registry>/.lock`, refreshed every second; a holder that died is taken over after 5 s).
 * Every change to index.json and every blob deletion happens under it.
 * `fn` receives a check to call right before its commit point: it throws when the lock was lost.
 */
export async function withRegistryLock<T>(root: string, fn: (assertHeld: () => void) => Promise<T>): Promise<T> {
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(root, {
      lockfilePath: registryPaths(root).lock,
      realpath: false,
      stale: 5000,
      update: 1000,
      retries: { retries: 600, factor: 1.3, minTimeout: 2, maxTimeout: 100, randomize: true },
      onCompromised: (error) => {
        compromised = error;
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new MlshipError(ErrorCode.lockTimeout, `the registry at ${root} stayed locked by another mlship process`, {
        hint: 'wait for the other command to finish; a lock left by a killed process clears itself after 5 s',
        exitCode: ExitCode.runtime,
      });
    }
    throw error;
  }
  const assertHeld = () => {
    if (compromised) {
      throw new MlshipError(ErrorCode.lockTimeout, `lost the registry lock: ${compromised.message}`, {
        hint: 'another process took the lock over; retry the command',
        exitCode: ExitCode.runtime,
      });
    }
  };
  try {
    return await fn(assertHeld);
  } finally {
    await release().catch(() => undefined);
  }
}

interface WriterRecord {
  pid: number;
  host: string;
  started: number;
}

/**
 * Registers a put in progress under `<registry>/.writers/`, so that `registry gc` never deletes the
 * blobs it has written but not yet committed. Returns the function that unregisters it.
 */
export async function registerWriter(root: string): Promise<() => Promise<void>> {
  const dir = registryPaths(root).writers;
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${process.pid}-${randomBytes(4).toString('hex')}.json`);
  const record: WriterRecord = { pid: process.pid, host: hostname(), started: Date.now() };
  await writeFile(file, JSON.stringify(record));
  return () => unlink(file).catch(() => undefined);
}

function isAlive(record: WriterRecord): boolean {
  if (record.host !== hostname()) return Date.now() - record.started < 24 * 3600_000;
  try {
    process.kill(record.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The start time of the oldest live writer (Infinity when none). Records of dead writers are removed.
 * Blobs modified after this moment may belong to a put in progress.
 */
export async function oldestLiveWriter(root: string): Promise<number> {
  const dir = registryPaths(root).writers;
  const names = await readdir(dir).catch(() => [] as string[]);
  let oldest = Number.POSITIVE_INFINITY;
  for (const name of names) {
    const file = join(dir, name);
    let record: WriterRecord;
    try {
      record = JSON.parse(await readFile(file, 'utf8')) as WriterRecord;
    } catch {
      // Being written right now, or torn by a crash: young ones count as live, old ones are litter.
      const info = await stat(file).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs < 60_000) oldest = Math.min(oldest, info.mtimeMs);
      else await unlink(file).catch(() => undefined);
      continue;
    }
    if (isAlive(record)) oldest = Math.min(oldest, record.started);
    else await unlink(file).catch(() => undefined);
  }
  return oldest;
}
