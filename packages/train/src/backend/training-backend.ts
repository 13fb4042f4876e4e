/**
 * Training backends: an interface and a table of named implementations, as onnxruntime registers its
 * execution backends. `auto` tries the registered backends by descending priority and takes the first
 * that loads here and can train the model. The table knows no implementation: the built-ins (tensorflow
 * 300, wasm 200, cpu 100) are registered by `builtin-backends.ts`, which the package entry imports.
 */
import { ExitCode, MlshipError } from '@mlship/core';
import { TrainErrorCode } from '../errors.js';
import type { Tf } from '../tfjs.js';

/** The outcome of loading a backend: active now, or why not. */
export type BackendActivation = { ok: true; detail?: string } | { ok: false; reason: string };

export interface TrainingBackend {
  /** One line for help texts and records. */
  readonly description: string;
  /**
   * Loads the backend (dynamic imports only) and makes it tfjs's active backend (`tf.setBackend`).
   * Returns why it cannot run here instead of throwing.
   */
  activate(tf: Tf): Promise<BackendActivation>;
}

export interface BackendChoice {
  /** The registered name (also tfjs's backend name for the built-in ones). */
  name: string;
  /** Why this one: requested by name, or the first of `auto` that works. */
  reason: string;
  /** What was loaded, e.g. the package and version of tfjs-node. */
  detail?: string;
  /** Backends `auto` tried first, with the reason each was passed over. */
  skipped: Array<{ name: string; reason: string }>;
}

const table = new Map<string, { backend: TrainingBackend; priority: number }>();

/**
 * Adds or replaces a backend. `auto` tries backends by descending `priority`; a negative priority
 * keeps one out of `auto` (it is used only when asked for by name).
 */
export function registerBackend(name: string, backend: TrainingBackend, priority = 0): void {
  if (name === 'auto' || !/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`invalid backend name ${JSON.stringify(name)}`);
  table.set(name, { backend, priority });
}

/** Registered backend names, in `auto` order (then those `auto` leaves out). */
export function registeredBackends(): string[] {
  return [...table.entries()].sort(([, a], [, b]) => b.priority - a.priority).map(([name]) => name);
}

/** The order `auto` tries. */
export function autoOrder(): string[] {
  return registeredBackends().filter((name) => table.get(name)!.priority >= 0);
}

export interface ResolveBackendOptions {
  tf: Tf;
  /** A registered name, or `auto` (default). */
  requested?: string;
  /**
   * One training step of the model on the active backend; a throw (such as a kernel the backend lacks:
   * wasm has no DepthwiseConv2dNativeBackpropFilter) passes the backend over.
   */
  trial?: () => Promise<void>;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

/**
 * Activates the requested backend, or the first of `auto` that loads and passes the trial step.
 * An unknown name is MLSHIP_E_TRAIN_BACKEND_UNKNOWN (exit 2); a backend that cannot run, or `auto`
 * with none left, is MLSHIP_E_TRAIN_BACKEND_UNAVAILABLE (exit 3) with each reason.
 */
export async function resolveBackend(options: ResolveBackendOptions): Promise<BackendChoice> {
  const requested = options.requested ?? 'auto';
  if (requested !== 'auto' && !table.has(requested)) {
    throw new MlshipError(TrainErrorCode.backendUnknown, `unknown training backend ${JSON.stringify(requested)}`, {
      hint: `use auto or one of: ${registeredBackends().join(', ')}`,
      exitCode: ExitCode.usage,
      details: { requested, registered: registeredBackends() },
    });
  }
  const candidates = requested === 'auto' ? autoOrder() : [requested];
  const skipped: BackendChoice['skipped'] = [];
  for (const name of candidates) {
    const { backend } = table.get(name)!;
    let activation: BackendActivation;
    try {
      activation = await backend.activate(options.tf);
    } catch (error) {
      activation = { ok: false, reason: `failed to load: ${firstLine(error)}` };
    }
    if (activation.ok && options.trial) {
      try {
        await options.trial();
      } catch (error) {
        activation = { ok: false, reason: `cannot train this model: ${firstLine(error)}` };
      }
    }
    if (activation.ok) {
      const reason =
        requested === 'auto'
          ? skipped.length === 0
            ? `first in auto order (${candidates.join(' → ')})`
            : `first in auto order (${candidates.join(' → ')}) that loads and trains this model`
          : 'requested by name';
      return { name, reason, ...(activation.detail ? { detail: activation.detail } : {}), skipped };
    }
    skipped.push({ name, reason: activation.reason });
  }
  const reasons = skipped.map((entry) => `${entry.name}: ${entry.reason}`).join('; ');
  throw new MlshipError(
    TrainErrorCode.backendUnavailable,
    requested === 'auto' ? `no training backend can train this model here (${reasons})` : `training backend ${requested} cannot be used: ${skipped[0]!.reason}`,
    {
      hint: requested === 'auto' ? 'check the model layers and the installed backends' : 'use --backend auto, or install what the backend needs',
      exitCode: ExitCode.runtime,
      details: { requested, skipped },
    },
  );
}
