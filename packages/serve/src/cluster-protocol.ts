/** Messages between the cluster primary and its workers (IPC), and the environment a worker starts with. */
import type { AdminRequest, AdminResponse } from './model-manager.js';
import type { ServeEvent } from './options.js';
import type { VersionSummary } from './repository.js';

/** The worker's options as JSON (ResolvedOptions; tokens only as SHA-256 digests). */
export const WORKER_CONFIG_ENV = 'MLSHIP_SERVE_WORKER_CONFIG';
/** The worker's slot, 0 … workers-1 (kept across restarts: it names the prediction log file). */
export const WORKER_SLOT_ENV = 'MLSHIP_SERVE_WORKER_SLOT';

export interface SerializedError {
  message: string;
  code?: string;
  hint?: string;
  exitCode?: number;
}

export type WorkerMessage =
  | { type: 'mlship:ready'; port: number; models: VersionSummary[] }
  | { type: 'mlship:failed'; error: SerializedError }
  | { type: 'mlship:metrics-request'; id: number }
  | { type: 'mlship:admin-request'; id: number; request: AdminRequest }
  | { type: 'mlship:admin-done'; id: number; response: AdminResponse }
  | { type: 'mlship:event'; event: ServeEvent };

export type PrimaryMessage =
  | { type: 'mlship:metrics-response'; id: number; contentType?: string; text?: string; error?: string }
  | { type: 'mlship:admin-response'; id: number; response: AdminResponse }
  | { type: 'mlship:admin-apply'; id: number; request: AdminRequest }
  | { type: 'mlship:shutdown' };

export function isMessage<T extends { type: string }>(value: unknown): value is T {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' && (value as { type: string }).type.startsWith('mlship:');
}
