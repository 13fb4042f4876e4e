/**
 * `startServer`: one process serving (workers = 1), or a cluster primary forking workers (N > 1).
 * Shutdown is graceful: stop accepting, answer 503 (and close the connection) to new requests on
 * kept-alive connections, finish in-flight requests until `drainTimeoutMs`, flush the prediction
 * log, release the sessions.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { ExitCode } from '@mlship/core';
import { TokenCheck } from './auth.js';
import { HttpError, ServeErrorCode, serveError } from './errors.js';
import { ServeHandler, type Coordinator } from './http-handler.js';
import { ServeMetrics } from './metrics.js';
import { ModelManager, type AdminRequest, type AdminResponse, type RepositorySummary } from './model-manager.js';
import { resolveOptions, type ResolvedOptions, type ServeEvent, type ServeOptions } from './options.js';
import { PredictionLog } from './prediction-log.js';
import { createRandom } from './random.js';
import type { RunningServer } from './running-server.js';

export type { RunningServer } from './running-server.js';

/** A server in this process; workers use it with a coordinator that talks to the primary. */
export interface LocalServer extends RunningServer {
  manager: ModelManager;
  metrics: ServeMetrics;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const resolved = resolveOptions(options);
  let server: RunningServer;
  if (resolved.workers > 1) {
    const { startPrimary } = await import('./cluster-primary.js');
    server = await startPrimary(resolved, options.onEvent);
  } else {
    server = await startLocal(resolved, { worker: 0, ...(options.onEvent ? { onEvent: options.onEvent } : {}) });
  }
  if (options.handleSignals) handleSignals(server, options.onEvent);
  return server;
}

/**
 * SIGTERM/SIGINT: graceful shutdown; a second one while it runs exits the process at once (130 after
 * SIGINT, 1 after SIGTERM), as an operator who signals twice asks. SIGHUP: reload. Removed once the
 * server closed.
 */
export function handleSignals(server: RunningServer, onEvent?: (event: ServeEvent) => void): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      onEvent?.({ event: 'forced-exit', signal });
      process.exit(signal === 'SIGINT' ? 130 : 1);
    }
    stopping = true;
    onEvent?.({ event: 'shutdown', signal });
    void server.close();
  };
  const reload = () => {
    server.reload().then(
      (summary) => onEvent?.({ event: 'reloaded', versions: summary.versions.map((v) => v.version) }),
      (error: Error) => onEvent?.({ event: 'error', message: `reload failed: ${error.message}` }),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', reload);
  void server.closed.then(() => {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    process.off('SIGHUP', reload);
  });
}

function startError(error: unknown): unknown {
  if (error instanceof HttpError) return serveError(ServeErrorCode.modelDir, error.message, 'serve directories of one model with distinct versions');
  return error;
}

export interface LocalStartOptions {
  /** The worker slot: names the prediction log file. */
  worker: number;
  /** The metrics registry to use (a cluster worker registers it with the primary before loading). */
  metrics?: ServeMetrics;
  coordinator?: Coordinator;
  onEvent?: (event: ServeEvent) => void;
}

export async function startLocal(options: ResolvedOptions, local: LocalStartOptions): Promise<LocalServer> {
  const metrics = local.metrics ?? new ServeMetrics();
  const random = createRandom(options.seed === undefined ? undefined : options.seed + local.worker);
  let manager: ModelManager;
  try {
    manager = await ModelManager.start(options, metrics, random, local.onEvent);
  } catch (error) {
    throw startError(error);
  }
  let log: PredictionLog | undefined;
  let server: Server;
  try {
    if (options.logDir !== undefined) {
      log = await openLog({
        dir: options.logDir,
        worker: local.worker,
        sample: options.logSample,
        maxBytes: options.logMaxBytes,
        maxFiles: options.logMaxFiles,
        random: createRandom(options.seed === undefined ? undefined : options.seed + 7919 + local.worker),
        lines: metrics.logLines,
        dropped: metrics.logDropped,
        onError: logErrorReporter(local.onEvent),
      });
    }
    const coordinator: Coordinator = local.coordinator ?? {
      metrics: async () => ({ contentType: metrics.registry.contentType, text: await metrics.text() }),
      admin: (request: AdminRequest): Promise<AdminResponse> => manager.apply(request),
    };
    const handler = new ServeHandler(manager, options, metrics, new TokenCheck(options.tokenHashes), coordinator, log, new TokenCheck(options.adminTokenHashes), local.onEvent);
    const serverOptions = {
      // Node's own limits back up the handler's body timer: slow headers get 408 from Node.
      headersTimeout: options.bodyTimeoutMs,
      requestTimeout: options.bodyTimeoutMs + 1000,
      connectionsCheckingInterval: Math.min(1000, options.bodyTimeoutMs),
      keepAliveTimeout: 5000,
    };
    server = options.tls
      ? createHttpsServer({ ...serverOptions, key: readPem(options.tls.keyFile, 'key'), cert: readPem(options.tls.certFile, 'certificate') }, handler.handle)
      : createHttpServer(serverOptions, handler.handle);
    server.on('checkContinue', handler.checkContinue);
    // Bounds the bodies in flight (each up to maxBodyBytes) along with the connections.
    server.maxConnections = options.maxConnections;
    await listen(server, options.host, options.port);
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    const urlHost = options.host.includes(':') ? `[${options.host}]` : options.host;
    const url = `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`;

    let closing: Promise<void> | undefined;
    let markClosed!: () => void;
    const closed = new Promise<void>((resolve) => (markClosed = resolve));
    const close = (): Promise<void> => {
      closing ??= (async () => {
        handler.draining = true;
        const deadline = Date.now() + options.drainTimeoutMs;
        try {
          await drain(server, options.drainTimeoutMs);
          // Releasing sessions waits for queued jobs, flushing waits for the disk: neither may hold the shutdown past the deadline.
          const release = Promise.all([manager.close(), log?.close()]);
          await withDeadline(release, Math.max(deadline - Date.now(), 1000));
        } catch (error) {
          local.onEvent?.({ event: 'error', message: `shutdown: ${(error as Error)?.message ?? String(error)}` });
        } finally {
          markClosed();
        }
      })();
      return closing;
    };
    const viaCoordinator = async (request: AdminRequest): Promise<RepositorySummary> => {
      const response = await coordinator.admin(request);
      if (response.status !== 200) throw new HttpError(response.status, (response.body as { error?: string }).error ?? 'failed');
      return response.body as RepositorySummary;
    };
    return {
      url,
      host: options.host,
      port,
      workers: 1,
      models: manager.summary().versions,
      close,
      reload: () => viaCoordinator({ op: 'reload' }),
      load: (dir, split) => viaCoordinator({ op: 'load', name: manager.repository.name, dir, ...(split ? { split } : {}) }),
      unload: (version) => viaCoordinator({ op: 'unload', name: manager.repository.name, version: String(version) }),
      closed,
      manager,
      metrics,
    };
  } catch (error) {
    await manager.close();
    await log?.close();
    throw error;
  }
}

async function openLog(options: Parameters<typeof PredictionLog.open>[0]): Promise<PredictionLog> {
  try {
    return await PredictionLog.open(options);
  } catch (error) {
    throw serveError(ServeErrorCode.options, `cannot open the prediction log in ${options.dir}: ${(error as Error).message}`, 'give a writable --log-dir', ExitCode.usage, error);
  }
}

function logErrorReporter(onEvent: ((event: ServeEvent) => void) | undefined): (error: Error) => void {
  let last = 0;
  return (error) => {
    const time = Date.now();
    if (time - last < 10_000) return; // at most one report per 10 s; the metric counts every dropped line
    last = time;
    onEvent?.({ event: 'error', message: `prediction log: ${error.message}` });
  };
}

function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw serveError(ServeErrorCode.options, `cannot read the TLS ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'give readable PEM files with --tls-key and --tls-cert');
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') reject(serveError(ServeErrorCode.listen, `${host}:${port} is already in use`, 'stop the other server or choose another --port', ExitCode.usage, error));
      else if (error.code === 'EACCES') reject(serveError(ServeErrorCode.listen, `not allowed to listen on ${host}:${port}`, 'choose a port above 1023 or run with the needed privilege', ExitCode.usage, error));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') reject(serveError(ServeErrorCode.listen, `cannot listen on ${host}: ${error.code}`, 'give an address of this machine, e.g. --host 127.0.0.1 or 0.0.0.0', ExitCode.usage, error));
      else reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Resolves when `work` settles (rejecting with it) or after `ms`, whichever comes first. */
function withDeadline(work: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    work.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Stops accepting, waits for open connections to finish their requests, and cuts the rest at the deadline. */
async function drain(server: Server, deadlineMs: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, deadlineMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

