/**
 * Profiles column batches beside the caller's own work on them: on a worker thread when the file is big
 * enough to pay for starting one (then validation and profiling share the machine's cores), else on the
 * calling thread. Sources run by the tests have no worker script, and profile on the calling thread too.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createTableProfiler, type ProfileTableOptions, type TableProfile } from './profile/index.js';
import type { ColumnBatch } from './readers/index.js';
import { toProfileColumns } from './profile-batches.js';

export interface BatchProfiler {
  /** Profiles a batch the caller is done with: its number arrays may be handed to the worker and emptied. */
  add(batch: ColumnBatch): Promise<void>;
  finish(): Promise<TableProfile>;
  /** Stops the worker without a result (after a failure elsewhere). */
  close(): Promise<void>;
}

/** What the worker is sent. */
export type ProfilerMessage = { type: 'batch'; batch: Pick<ColumnBatch, 'columns' | 'length' | 'data'> } | { type: 'end' };
type WorkerReply = { type: 'added' } | { type: 'profile'; profile: TableProfile };

/**
 * Below this many bytes of input a worker's start-up (about 50 ms) costs more than it saves. The
 * environment variable MLSHIP_WORKER_MIN_BYTES overrides it (0: always a worker).
 */
export const WORKER_MIN_BYTES = 16 * 1024 * 1024;

function workerMinBytes(): number {
  const set = Number(process.env['MLSHIP_WORKER_MIN_BYTES']);
  return process.env['MLSHIP_WORKER_MIN_BYTES'] !== undefined && Number.isFinite(set) && set >= 0 ? set : WORKER_MIN_BYTES;
}
/** Batches sent and not yet profiled, at most: memory stays bounded when the worker is the slower side. */
const MAX_IN_FLIGHT = 4;

function inThread(options: ProfileTableOptions): BatchProfiler {
  const profiler = createTableProfiler(options);
  return {
    add: (batch) => {
      profiler.addColumns(toProfileColumns(batch));
      return Promise.resolve();
    },
    finish: () => Promise.resolve(profiler.toJSON()),
    close: () => Promise.resolve(),
  };
}

/** The worker script beside this module: the bundle's entry, or the compiled one; none when run from sources. */
function workerScript(): URL | undefined {
  for (const name of ['./data-profile-worker.mjs', './profile-worker.js']) {
    const url = new URL(name, import.meta.url);
    if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) return url;
  }
  return undefined;
}

/** The batch with only the columns at `indices`. */
function pick(batch: Pick<ColumnBatch, 'columns' | 'length' | 'data'>, indices: number[]): Pick<ColumnBatch, 'columns' | 'length' | 'data'> {
  return { columns: indices.map((i) => batch.columns[i]!), length: batch.length, data: indices.map((i) => batch.data[i]!) };
}

/**
 * Numeric columns (as first seen) are profiled on the worker, the others here: the worker gets the number
 * arrays without a copy, and the strings never cross threads. A column stays where it started, so each
 * side's profile holds whole columns; the two are joined in first-seen order at the end.
 */
function onWorker(script: URL, options: ProfileTableOptions): BatchProfiler {
  // A small young generation keeps the second heap's garbage, and so the process's peak memory, down
  // (measured at 1M rows × 20 columns: about 190 MB instead of 235 MB, for a few percent of speed).
  const worker = new Worker(script, { workerData: options, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  const here = createTableProfiler(options);
  const onWorkerSide = new Map<string, boolean>();
  let inFlight = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  let result: ((profile: TableProfile) => void) | undefined;
  const settle = () => {
    const resume = wake;
    wake = undefined;
    resume?.();
  };
  worker.on('message', (reply: WorkerReply) => {
    if (reply.type === 'added') inFlight -= 1;
    else result?.(reply.profile);
    settle();
  });
  worker.on('error', (error) => {
    failure = error;
    settle();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`the profiling worker stopped (exit code ${code})`);
    settle();
  });
  const waitFor = async (done: () => boolean) => {
    while (!done()) {
      if (failure) throw failure;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (failure) throw failure;
  };
  return {
    async add(batch) {
      const there: number[] = [];
      const mine: number[] = [];
      batch.columns.forEach((name, i) => {
        let remote = onWorkerSide.get(name);
        if (remote === undefined) {
          // Numbers go to the worker; so does a column read as numbers that is mostly not (it turns to cells).
          const data = batch.data[i]!;
          remote = data.kind === 'numbers' && data.invalid.size <= batch.length / 2;
          onWorkerSide.set(name, remote);
        }
        (remote ? there : mine).push(i);
      });
      await waitFor(() => inFlight < MAX_IN_FLIGHT);
      const sent = pick(batch, there);
      const transfer = sent.data.flatMap((column) => (column.kind === 'numbers' ? [column.values.buffer as ArrayBuffer] : []));
      inFlight += 1;
      worker.postMessage({ type: 'batch', batch: sent } satisfies ProfilerMessage, [...new Set(transfer)]);
      if (mine.length > 0) here.addColumns(toProfileColumns(pick(batch, mine)));
    },
    async finish() {
      let profile: TableProfile | undefined;
      result = (received) => (profile = received);
      worker.postMessage({ type: 'end' } satisfies ProfilerMessage);
      try {
        await waitFor(() => profile !== undefined);
      } finally {
        await worker.terminate();
      }
      const local = here.toJSON();
      const columns = [...onWorkerSide].map(([name, remote]) => [name, remote ? profile!.columns[name]! : local.columns[name]!]);
      return { version: 1, rowCount: profile!.rowCount, columns: Object.fromEntries(columns) };
    },
    async close() {
      await worker.terminate();
    },
  };
}

/** A profiler for batches of a file of `bytes` bytes (see the module comment for where it runs). */
export function startBatchProfiler(options: ProfileTableOptions, bytes: number): BatchProfiler {
  const script = bytes >= workerMinBytes() ? workerScript() : undefined;
  return script ? onWorker(script, options) : inThread(options);
}

/** The size of `file` for `startBatchProfiler` (0 when it cannot be told: the reader reports that error). */
export async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}
