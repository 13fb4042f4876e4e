import { hostname } from 'node:os';
import { readFileSync, readlinkSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ErrorCode, ExitCode, MlshipError, TEMP_PREFIX, type Digest } from '@mlship/core';
import { registryPaths } from './layout.js';

/** Who holds the lock; written into the lock file when it is created. */
interface LockOwner {
  pid: number;
  host: string;
  /** The pid namespace (`/proc/self/ns/pid`): containers sharing a host name and a mount are told apart. */
  pidNamespace?: string | null;
  /** Process start time from /proc (Linux), so a reused pid is not mistaken for the holder. */
  processStart: string | null;
  nonce: string;
  acquired: number;
}

const LOCK_TIMEOUT_MS = 120_000;
/** A lock file still empty or torn after this long was left by a holder that died while creating it. */
const UNREADABLE_LOCK_GRACE_MS = 10_000;
/** Holders on other hosts (a shared file system) cannot be probed; their lock counts as dead after this. */
const FOREIGN_LOCK_STALE_MS = 60_000;

function processStartOf(pid: number): string | null {
  try {
    // Field 22 of /proc/<pid>/stat, counted after the parenthesised command name.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function pidNamespace(): string | null {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the lock's holder is known to be gone (dead process, reused pid, or a stale foreign lock). */
function holderIsGone(owner: LockOwner, mtimeMs: number): boolean {
  const foreign = owner.host !== hostname() || (owner.pidNamespace ?? null) !== pidNamespace();
  if (foreign) return Date.now() - mtimeMs > FOREIGN_LOCK_STALE_MS; // its pid means nothing here
  if (!isProcessAlive(owner.pid)) return true;
  const start = processStartOf(owner.pid);
  return owner.processStart !== null && start !== null && start !== owner.processStart;
}

async function readOwner(path: string): Promise<{ owner: LockOwner | undefined; mtimeMs: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    try {
      return { owner: JSON.parse(text) as LockOwner, mtimeMs: info.mtimeMs };
    } catch {
      return { owner: undefined, mtimeMs: info.mtimeMs }; // being written right now, or torn by a crash
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Removes a lock whose holder is gone. Breakers take turns through a second lock file, and remove the
 * lock only if it still names the holder they found gone, so a live holder's lock is never removed.
 */
async function breakLock(lockPath: string, gone: { nonce: string | undefined; mtimeMs: number }): Promise<void> {
  const breakPath = `${lockPath}.break`;
  const token = randomBytes(8).toString('hex');
  let handle;
  try {
    handle = await open(breakPath, 'wx');
    await handle.writeFile(token);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another process is breaking it; a break lock this old was left by a breaker that died.
    const info = await stat(breakPath).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > UNREADABLE_LOCK_GRACE_MS) await unlink(breakPath).catch(() => undefined);
    return;
  }
  try {
    const current = await readOwner(lockPath);
    if (current && current.owner?.nonce === gone.nonce && current.mtimeMs === gone.mtimeMs) await unlink(lockPath).catch(() => undefined);
  } finally {
    await handle.close();
    // Remove the break file only while it is still ours (one left by a dead breaker may have been replaced).
    if ((await readFile(breakPath, 'utf8').catch(() => '')) === token) await unlink(breakPath).catch(() => undefined);
  }
}

/**
 * Runs `fn` holding the registry's inter-process lock: the file `<registry>/.lock`, created exclusively
 * and naming its holder (pid, host, process start time). A holder that died (even by SIGKILL) is
 * recognised at once and its lock removed; there is no waiting for a timeout. Every change to
 * index.json and every blob deletion happens under it. `fn` receives a check to call right before its
 * commit point: it throws when the lock is no longer ours.
 */
export async function withRegistryLock<T>(root: string, fn: (assertHeld: () => Promise<void>) => Promise<T>): Promise<T> {
  const lockPath = registryPaths(root).lock;
  const me: LockOwner = {
    pid: process.pid,
    host: hostname(),
    pidNamespace: pidNamespace(),
    processStart: processStartOf(process.pid),
    nonce: randomBytes(8).toString('hex'),
    acquired: 0,
  };
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  let delay = 1;
  let holder: LockOwner | undefined;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', 0o644);
      try {
        await handle.writeFile(JSON.stringify({ ...me, acquired: Date.now() }));
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const found = await readOwner(lockPath);
    if (!found) continue; // released meanwhile: try again at once
    holder = found.owner;
    const gone = found.owner ? holderIsGone(found.owner, found.mtimeMs) : Date.now() - found.mtimeMs > UNREADABLE_LOCK_GRACE_MS;
    if (gone) {
      await breakLock(lockPath, { nonce: found.owner?.nonce, mtimeMs: found.mtimeMs });
      continue;
    }
    if (Date.now() > deadline) {
      throw new MlshipError(ErrorCode.lockTimeout, `the registry at ${root} stayed locked by another mlship process${holder ? ` (pid ${holder.pid} on ${holder.host})` : ''}`, {
        hint: 'wait for the other command to finish; a lock left by a process that died is cleared automatically',
        exitCode: ExitCode.runtime,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
    delay = Math.min(delay * 2, 50);
  }

  const assertHeld = async () => {
    const current = await readOwner(lockPath);
    if (current?.owner?.nonce !== me.nonce) {
      throw new MlshipError(ErrorCode.lockTimeout, 'lost the registry lock before committing', {
        hint: 'another process took the lock over; run the command again',
        exitCode: ExitCode.runtime,
      });
    }
  };
  try {
    return await fn(assertHeld);
  } finally {
    const current = await readOwner(lockPath).catch(() => undefined);
    if (current?.owner?.nonce === me.nonce) await unlink(lockPath).catch(() => undefined);
  }
}

interface WriterRecord {
  pid: number;
  host: string;
  started: number;
  /** Stored blobs the writer will reference although it did not write them (`holdBlobs`); gc keeps them. */
  blobs?: Digest[];
}

/** One of this process's writers in progress: its record, rewritten (one write at a time) when it holds blobs. */
interface OwnWriter {
  file: string;
  record: WriterRecord;
  held: Set<Digest>;
  closed: boolean;
  writing: Promise<void>;
}

/** This process's writers in progress, by registry root. */
const ownWriters = new Map<string, Set<OwnWriter>>();

/**
 * Registers a put in progress under `<registry>/.writers/`, so that `registry gc` never deletes the
 * blobs it has written but not yet committed, nor those it holds (`holdBlobs`). Returns the function
 * that unregisters it.
 */
export async function registerWriter(root: string): Promise<() => Promise<void>> {
  const dir = registryPaths(root).writers;
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${process.pid}-${randomBytes(4).toString('hex')}.json`);
  const record: WriterRecord = { pid: process.pid, host: hostname(), started: Date.now() };
  await writeFile(file, JSON.stringify(record));
  const key = resolve(root);
  const writer: OwnWriter = { file, record, held: new Set(), closed: false, writing: Promise.resolve() };
  const own = ownWriters.get(key) ?? new Set<OwnWriter>();
  own.add(writer);
  ownWriters.set(key, own);
  return async () => {
    writer.closed = true;
    own.delete(writer);
    if (own.size === 0 && ownWriters.get(key) === own) ownWriters.delete(key);
    await writer.writing; // a record being rewritten must not reappear after its removal
    await unlink(file).catch(() => undefined);
  };
}

/**
 * Marks stored blobs as held by this process's writers in progress on `root`: blobs they will
 * reference without writing them (a base image layer, a cached layer). `registry gc` keeps a held blob
 * while its writer is live, however old the blob is. Without a writer in progress here, it does nothing.
 * Best effort, like the rest of the writers registry: the commit checks under the lock that every blob
 * it references is still there.
 */
export async function holdBlobs(root: string, digests: readonly Digest[]): Promise<void> {
  const own = ownWriters.get(resolve(root));
  if (!own) return;
  await Promise.all(
    [...own].map((writer) => {
      const fresh = digests.filter((digest) => !writer.held.has(digest));
      if (fresh.length === 0) return writer.writing;
      for (const digest of fresh) writer.held.add(digest);
      writer.writing = writer.writing.then(() => rewriteRecord(writer)).catch(() => undefined);
      return writer.writing;
    }),
  );
}

/** Replaces a writer's record atomically (temp file, rename): gc never reads a torn one. */
async function rewriteRecord(writer: OwnWriter): Promise<void> {
  if (writer.closed) return;
  const temp = join(dirname(writer.file), `${TEMP_PREFIX}${basename(writer.file)}-${randomBytes(4).toString('hex')}`);
  await writeFile(temp, JSON.stringify({ ...writer.record, blobs: [...writer.held] }));
  await rename(temp, writer.file).catch(async (error: unknown) => {
    await unlink(temp).catch(() => undefined);
    throw error;
  });
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

export interface LiveWriters {
  /** The start time of the oldest live writer (Infinity when none): blobs modified after it may belong to a put in progress. */
  oldest: number;
  /** The blobs live writers hold (`holdBlobs`), whatever their age. */
  held: Set<Digest>;
}

/**
 * What the writers in progress protect from gc. Records of dead writers (and temp files of record
 * rewrites older than a minute) are removed, unless `removeDead` is false (a dry run).
 */
export async function liveWriters(root: string, options: { removeDead?: boolean } = {}): Promise<LiveWriters> {
  const removeDead = options.removeDead !== false;
  const dir = registryPaths(root).writers;
  const names = await readdir(dir).catch(() => [] as string[]);
  const live: LiveWriters = { oldest: Number.POSITIVE_INFINITY, held: new Set() };
  for (const name of names) {
    const file = join(dir, name);
    if (name.startsWith(TEMP_PREFIX)) {
      // A record being rewritten (`holdBlobs`): it becomes the record itself; an old one is litter.
      const info = await stat(file).catch(() => undefined);
      if (removeDead && info && Date.now() - info.mtimeMs >= 60_000) await unlink(file).catch(() => undefined);
      continue;
    }
    let record: WriterRecord;
    try {
      record = JSON.parse(await readFile(file, 'utf8')) as WriterRecord;
    } catch {
      // Being written right now, or torn by a crash: young ones count as live, old ones are litter.
      const info = await stat(file).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs < 60_000) live.oldest = Math.min(live.oldest, info.mtimeMs);
      else if (removeDead) await unlink(file).catch(() => undefined);
      continue;
    }
    if (isAlive(record)) {
      live.oldest = Math.min(live.oldest, record.started);
      for (const digest of Array.isArray(record.blobs) ? record.blobs : []) if (typeof digest === 'string') live.held.add(digest);
    } else if (removeDead) await unlink(file).catch(() => undefined);
  }
  return live;
}
