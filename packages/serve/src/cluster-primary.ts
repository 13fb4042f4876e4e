/**
 * The cluster primary (workers > 1): forks the workers (the worker script with the options in
 * MLSHIP_SERVE_WORKER_CONFIG), restarts a worker that dies (with a back-off for crash loops),
 * aggregates /metrics across workers (prom-client's AggregatorRegistry) and fans admin calls out
 * to every worker, answering once all are done. It serves no HTTP itself: the workers share the
 * listening socket.
 */
import cluster, { type Worker } from 'node:cluster';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, MlshipError } from '@mlship/core';
import { AggregatorRegistry } from 'prom-client';
import { isMessage, WORKER_CONFIG_ENV, WORKER_SLOT_ENV, type PrimaryMessage, type SerializedError, type WorkerMessage } from './cluster-protocol.js';
import { HttpError, ServeErrorCode, serveError } from './errors.js';
import { loadModelDirs, type AdminRequest, type AdminResponse, type RepositorySummary } from './model-manager.js';
import type { ResolvedOptions, ServeEvent } from './options.js';
import type { TrafficSplit, VersionSummary } from './repository.js';
import type { RunningServer } from './running-server.js';

const START_TIMEOUT_MS = 120_000;
const ADMIN_TIMEOUT_MS = 300_000;

/** The compiled worker entry beside this module: serve-runtime.mjs in the CLI bundle, runtime-main.js in dist/. */
export function defaultWorkerScript(): string {
  for (const name of ['./serve-runtime.mjs', './runtime-main.js']) {
    const url = new URL(name, import.meta.url);
    if (url.protocol === 'file:' && existsSync(url)) return fileURLToPath(url);
  }
  throw serveError(ServeErrorCode.worker, 'cannot find the worker script (serve-runtime.mjs or runtime-main.js beside the serve module)', 'build mlship (pnpm run build), or pass workerScript');
}

interface Slot {
  slot: number;
  worker: Worker;
  ready: boolean;
}

function toError(error: SerializedError): Error {
  if (error.code?.startsWith('MLSHIP_E_')) {
    return new MlshipError(error.code, error.message, { ...(error.hint !== undefined ? { hint: error.hint } : {}), exitCode: (error.exitCode ?? ExitCode.runtime) as ExitCode });
  }
  return serveError(ServeErrorCode.worker, `a worker failed to start: ${error.message}`, 'see the worker error above', ExitCode.runtime);
}

export async function startPrimary(options: ResolvedOptions, onEvent?: (event: ServeEvent) => void): Promise<RunningServer> {
  // Check what can be checked before forking: workers then fail only on what they alone see.
  let models;
  try {
    models = await loadModelDirs(options.models);
  } catch (error) {
    if (error instanceof HttpError) throw serveError(ServeErrorCode.modelDir, error.message, 'serve directories of one model with distinct versions');
    throw error;
  }
  if (options.tls) {
    for (const [file, what] of [[options.tls.keyFile, 'key'], [options.tls.certFile, 'certificate']] as const) {
      try {
        readFileSync(file);
      } catch (error) {
        throw serveError(ServeErrorCode.options, `cannot read the TLS ${what} ${file}: ${(error as NodeJS.ErrnoException).code}`, 'give readable PEM files with --tls-key and --tls-cert');
      }
    }
  }
  const name = models[0]!.name;
  const script = resolve(options.workerScript ?? defaultWorkerScript());
  cluster.setupPrimary({ exec: script, args: [], silent: false });
  const aggregator = new AggregatorRegistry();

  const state: { models: string[]; split: TrafficSplit | undefined } = { models: models.map((m) => m.dir), split: options.trafficSplit };
  const slots: (Slot | undefined)[] = new Array(options.workers).fill(undefined);
  const recentExits: number[] = [];
  const pendingAdmin = new Map<number, { resolve: (response: AdminResponse) => void; worker: Worker }>();
  let nextId = 0;
  let started = false;
  let closing = false;
  let port = options.port;
  let readyModels: VersionSummary[] = [];
  let adminQueue: Promise<unknown> = Promise.resolve();
  let startup!: { resolve: () => void; reject: (error: Error) => void };
  const startupDone = new Promise<void>((resolvePromise, reject) => (startup = { resolve: resolvePromise, reject }));
  let markClosed!: () => void;
  const closed = new Promise<void>((resolvePromise) => (markClosed = resolvePromise));
  let exitWaiters: Array<() => void> = [];

  const send = (worker: Worker, message: PrimaryMessage) => {
    try {
      if (worker.isConnected()) worker.send(message);
    } catch {
      // the worker is going away; its exit handler takes over
    }
  };

  const fork = (slot: number) => {
    const config: ResolvedOptions = { ...options, workers: 1, models: state.models };
    if (state.split) config.trafficSplit = state.split;
    else delete config.trafficSplit;
    const worker = cluster.fork({ [WORKER_CONFIG_ENV]: JSON.stringify(config), [WORKER_SLOT_ENV]: String(slot) });
    const entry: Slot = { slot, worker, ready: false };
    slots[slot] = entry;
    worker.on('message', (message: unknown) => onMessage(entry, message));
    worker.on('exit', (code, signal) => onExit(entry, code, signal));
  };

  const onMessage = (entry: Slot, message: unknown) => {
    if (!isMessage<WorkerMessage>(message)) return;
    switch (message.type) {
      case 'mlship:ready':
        entry.ready = true;
        port = message.port;
        readyModels = message.models;
        if (!started) {
          if (slots.every((slot) => slot?.ready)) {
            started = true;
            startup.resolve();
          }
        } else onEvent?.({ event: 'worker-ready', worker: entry.slot, pid: entry.worker.process.pid });
        return;
      case 'mlship:failed':
        if (!started) startup.reject(toError(message.error));
        else onEvent?.({ event: 'error', worker: entry.slot, message: `worker ${entry.slot} failed to start: ${message.error.message}` });
        return;
      case 'mlship:metrics-request':
        aggregator.clusterMetrics().then(
          (text) => send(entry.worker, { type: 'mlship:metrics-response', id: message.id, contentType: aggregator.contentType, text }),
          (error: Error) => send(entry.worker, { type: 'mlship:metrics-response', id: message.id, error: error.message }),
        );
        return;
      case 'mlship:admin-request':
        fanOut(message.request).then((response) => send(entry.worker, { type: 'mlship:admin-response', id: message.id, response }));
        return;
      case 'mlship:admin-done': {
        const pending = pendingAdmin.get(message.id);
        if (pending) {
          pendingAdmin.delete(message.id);
          pending.resolve(message.response);
        }
        return;
      }
      case 'mlship:event':
        onEvent?.({ ...message.event, worker: entry.slot });
        return;
    }
  };

  const onExit = (entry: Slot, code: number | null, signal: string | null) => {
    if (slots[entry.slot] === entry) slots[entry.slot] = undefined;
    for (const [id, pending] of pendingAdmin) {
      if (pending.worker === entry.worker) {
        pendingAdmin.delete(id);
        pending.resolve({ status: 500, body: { error: `worker ${entry.slot} exited during the call` } });
      }
    }
    if (closing) {
      if (slots.every((slot) => slot === undefined)) {
        const waiters = exitWaiters;
        exitWaiters = [];
        for (const waiter of waiters) waiter();
      }
      return;
    }
    if (!started) {
      startup.reject(serveError(ServeErrorCode.worker, `worker ${entry.slot} exited while starting (code ${code}, signal ${signal})`, 'see its error above', ExitCode.runtime));
      return;
    }
    const time = Date.now();
    recentExits.push(time);
    while (recentExits.length > 0 && recentExits[0]! < time - 60_000) recentExits.shift();
    const delay = recentExits.length <= 1 ? 0 : Math.min(30_000, 250 * 2 ** (recentExits.length - 2));
    onEvent?.({ event: 'worker-exit', worker: entry.slot, code, signal, restartInMs: delay });
    setTimeout(() => {
      if (!closing && slots[entry.slot] === undefined) fork(entry.slot);
    }, delay).unref();
  };

  const applyOn = (entry: Slot, request: AdminRequest): Promise<AdminResponse> =>
    new Promise((resolvePromise) => {
      const id = ++nextId;
      const timer = setTimeout(() => {
        pendingAdmin.delete(id);
        resolvePromise({ status: 504, body: { error: `worker ${entry.slot} did not answer within ${ADMIN_TIMEOUT_MS / 1000} s` } });
      }, ADMIN_TIMEOUT_MS);
      timer.unref();
      pendingAdmin.set(id, {
        worker: entry.worker,
        resolve: (response) => {
          clearTimeout(timer);
          resolvePromise(response);
        },
      });
      send(entry.worker, { type: 'mlship:admin-apply', id, request });
    });

  /** Applies an admin request on every ready worker, one request at a time; answers when all are done. */
  const fanOut = (request: AdminRequest): Promise<AdminResponse> => {
    const run = async (): Promise<AdminResponse> => {
      const targets = slots.filter((slot): slot is Slot => slot !== undefined && slot.ready);
      if (targets.length === 0) return { status: 503, body: { error: 'no worker is ready' } };
      const responses = await Promise.all(targets.map((target) => applyOn(target, request)));
      const failed = responses.find((response) => response.status !== 200);
      const succeeded = responses.find((response) => response.status === 200);
      if (succeeded && request.op !== 'index') {
        const summary = succeeded.body as RepositorySummary;
        state.models = [...new Set(summary.versions.map((version) => version.dir))];
        state.split = summary.split ?? undefined;
        readyModels = summary.versions;
      }
      if (failed && succeeded) {
        const message = (failed.body as { error?: string }).error ?? 'failed';
        return { status: 500, body: { error: `${responses.filter((r) => r.status !== 200).length} of ${responses.length} workers failed: ${message}` } };
      }
      return failed ?? succeeded!;
    };
    const result = adminQueue.then(run, run);
    adminQueue = result.catch(() => undefined);
    return result;
  };

  const close = (): Promise<void> => {
    if (!closing) {
      closing = true;
      const live = slots.filter((slot): slot is Slot => slot !== undefined);
      const allExited = new Promise<void>((resolvePromise) => {
        if (live.length === 0) resolvePromise();
        else exitWaiters.push(resolvePromise);
      });
      for (const entry of live) send(entry.worker, { type: 'mlship:shutdown' });
      const deadline = setTimeout(() => {
        for (const entry of slots) entry?.worker.process.kill('SIGKILL');
      }, options.drainTimeoutMs + 5000);
      deadline.unref();
      void allExited.then(() => {
        clearTimeout(deadline);
        markClosed();
      });
    }
    return closed;
  };

  for (let slot = 0; slot < options.workers; slot++) fork(slot);
  const timeout = setTimeout(() => startup.reject(serveError(ServeErrorCode.worker, `the workers did not start within ${START_TIMEOUT_MS / 1000} s`, 'check the model and the machine load', ExitCode.runtime)), START_TIMEOUT_MS);
  timeout.unref();
  try {
    await startupDone;
  } catch (error) {
    await close();
    throw error;
  } finally {
    clearTimeout(timeout);
  }

  const call = async (request: AdminRequest): Promise<RepositorySummary> => {
    const response = await fanOut(request);
    if (response.status !== 200) throw new HttpError(response.status, (response.body as { error?: string }).error ?? 'failed');
    return response.body as RepositorySummary;
  };
  const urlHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`,
    host: options.host,
    port,
    workers: options.workers,
    get models() {
      return readyModels;
    },
    close,
    reload: () => call({ op: 'reload' }),
    load: (dir, split) => call({ op: 'load', name, dir: resolve(dir), ...(split ? { split } : {}) }),
    unload: (version) => call({ op: 'unload', name, version: String(version) }),
    closed,
  };
}
