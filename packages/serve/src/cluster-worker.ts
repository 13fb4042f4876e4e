/**
 * A cluster worker: serves with the options the primary put in MLSHIP_SERVE_WORKER_CONFIG, asks the
 * primary for /metrics (aggregated across workers) and admin calls (fanned out to every worker),
 * and shuts down gracefully on the primary's word, SIGTERM/SIGINT, or when the primary is gone.
 */
import cluster from 'node:cluster';
import { isMlshipError } from '@mlship/core';
import { AggregatorRegistry } from 'prom-client';
import { isMessage, WORKER_CONFIG_ENV, WORKER_SLOT_ENV, type PrimaryMessage, type SerializedError, type WorkerMessage } from './cluster-protocol.js';
import type { Coordinator } from './http-handler.js';
import type { AdminRequest, AdminResponse } from './model-manager.js';
import { ServeMetrics } from './metrics.js';
import type { ResolvedOptions } from './options.js';
import { startLocal, type LocalServer } from './server.js';

export function isClusterWorker(): boolean {
  return cluster.isWorker && process.env[WORKER_CONFIG_ENV] !== undefined;
}

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    try {
      if (process.connected && process.send) process.send(message, undefined, undefined, () => resolve());
      else resolve();
    } catch {
      resolve(); // the primary is gone; 'disconnect' shuts this worker down
    }
  });
}

function serialize(error: unknown): SerializedError {
  if (isMlshipError(error)) return { message: error.message, code: error.code, ...(error.hint !== undefined ? { hint: error.hint } : {}), exitCode: error.exitCode };
  return { message: (error as Error)?.message ?? String(error) };
}

/** Requests to the primary, answered by id. */
class PrimaryLink implements Coordinator {
  private nextId = 0;
  private readonly metricsWaiters = new Map<number, (message: Extract<PrimaryMessage, { type: 'mlship:metrics-response' }>) => void>();
  private readonly adminWaiters = new Map<number, (response: AdminResponse) => void>();

  metrics(): Promise<{ contentType: string; text: string }> {
    return new Promise((resolve, reject) => {
      const id = ++this.nextId;
      this.metricsWaiters.set(id, (message) => {
        if (message.error !== undefined || message.text === undefined) reject(new Error(message.error ?? 'no metrics'));
        else resolve({ contentType: message.contentType ?? 'text/plain; version=0.0.4; charset=utf-8', text: message.text });
      });
      void send({ type: 'mlship:metrics-request', id });
    });
  }

  admin(request: AdminRequest): Promise<AdminResponse> {
    return new Promise((resolve) => {
      const id = ++this.nextId;
      this.adminWaiters.set(id, resolve);
      void send({ type: 'mlship:admin-request', id, request });
    });
  }

  receive(message: PrimaryMessage): void {
    if (message.type === 'mlship:metrics-response') {
      const waiter = this.metricsWaiters.get(message.id);
      this.metricsWaiters.delete(message.id);
      waiter?.(message);
    } else if (message.type === 'mlship:admin-response') {
      const waiter = this.adminWaiters.get(message.id);
      this.adminWaiters.delete(message.id);
      waiter?.(message.response);
    }
  }
}

/** Runs this process as a serve worker; resolves with the exit code once it has shut down. */
export async function runWorker(): Promise<number> {
  const options = JSON.parse(process.env[WORKER_CONFIG_ENV]!) as ResolvedOptions;
  const slot = Number(process.env[WORKER_SLOT_ENV] ?? '0');
  const link = new PrimaryLink();
  let server: LocalServer | undefined;
  let stopRequested = false;
  const stop = () => {
    stopRequested = true;
    void server?.close();
  };
  process.on('message', (message: unknown) => {
    if (!isMessage<PrimaryMessage>(message)) return;
    if (message.type === 'mlship:shutdown') stop();
    else if (message.type === 'mlship:admin-apply') {
      if (!server) void send({ type: 'mlship:admin-done', id: message.id, response: { status: 503, body: { error: 'the worker is not ready' } } });
      else void server.manager.apply(message.request).then((response) => void send({ type: 'mlship:admin-done', id: message.id, response }));
    } else link.receive(message);
  });
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => undefined); // the primary coordinates reloads
  process.on('disconnect', stop);
  // prom-client answers the primary's aggregation requests with this registry: registered before the
  // models load, so that /metrics (which asks every worker) keeps answering while this one starts.
  const metrics = new ServeMetrics();
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([metrics.registry]);
  try {
    server = await startLocal(options, { worker: slot, metrics, coordinator: link, onEvent: (event) => void send({ type: 'mlship:event', event }) });
  } catch (error) {
    await send({ type: 'mlship:failed', error: serialize(error) });
    return 1;
  }
  if (stopRequested) stop();
  else void send({ type: 'mlship:ready', port: server.port, models: server.models });
  await server.closed;
  return 0;
}
