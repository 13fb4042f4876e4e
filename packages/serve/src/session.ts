/**
 * ONNX Runtime sessions: onnxruntime-node is imported on first use (`@mlship/onnx/runtime`: it is
 * native and heavy, and its own log lines stay off stderr, which holds JSON lines), and execution
 * providers follow the target: `gpu` tries CUDA first and falls back to the CPU when the session
 * cannot be created with it (the fallback is reported, not hidden).
 */
import type { InferenceSession } from 'onnxruntime-node';
import { ExitCode } from '@mlship/core';
import { createInferenceSession, loadedOnnxRuntime, loadOnnxRuntime, type Ort } from '@mlship/onnx/runtime';
import { isTensorType, type TensorType } from './datatypes.js';
import { ServeErrorCode, serveError } from './errors.js';

export type { Ort };
export type ServeTarget = 'cpu' | 'gpu' | 'edge';
export const SERVE_TARGETS: readonly ServeTarget[] = ['cpu', 'gpu', 'edge'];

/** The onnxruntime-node module, loaded once; MLSHIP_E_SERVE_MODEL_LOAD (exit 3) when it cannot be. */
export async function loadOrt(): Promise<Ort> {
  try {
    return await loadOnnxRuntime();
  } catch (error) {
    throw serveError(ServeErrorCode.modelLoad, `cannot load onnxruntime-node: ${(error as Error).message}`, 'install onnxruntime-node 1.30 beside mlship', ExitCode.runtime, error);
  }
}

/** The module once a session exists (the request path never awaits the import). */
export function ort(): Ort {
  return loadedOnnxRuntime();
}

export interface SessionOptions {
  /** `gpu`: CUDA then CPU; `cpu` and `edge`: CPU only. Default `cpu`. */
  target?: ServeTarget;
  /** Threads for one operator; default 1 (one per worker process: workers scale across cores). */
  intraOpThreads?: number;
  /** Threads across operators (only used by the parallel execution mode); ONNX Runtime's default when absent. */
  interOpThreads?: number;
}

/** A model input or output as the server sees it. */
export interface ValueSpec {
  name: string;
  dataType: TensorType;
  /** Fixed sizes, or a string/null for a dynamic dimension; undefined when the rank is unknown. */
  shape?: (number | string | null)[];
}

export interface ModelSession {
  session: InferenceSession;
  /** The execution providers the session was created with. */
  providers: string[];
  /** Why the session runs on fewer providers than the target asked for (the GPU fallback). */
  fallback?: string;
  /** Inputs and outputs as ONNX Runtime reports them. */
  inputs: ValueSpec[];
  outputs: ValueSpec[];
}

export function providersFor(target: ServeTarget): string[] {
  return target === 'gpu' ? ['cuda', 'cpu'] : ['cpu'];
}

export async function createSession(bytes: Uint8Array, options: SessionOptions = {}): Promise<ModelSession> {
  await loadOrt();
  const target = options.target ?? 'cpu';
  const base: InferenceSession.SessionOptions = {
    intraOpNumThreads: options.intraOpThreads ?? 1,
    ...(options.interOpThreads !== undefined ? { interOpNumThreads: options.interOpThreads } : {}),
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    logSeverityLevel: 4,
  };
  const providers = providersFor(target);
  let fallback: string | undefined;
  let session: InferenceSession;
  try {
    session = await createInferenceSession(bytes, { ...base, executionProviders: providers });
  } catch (error) {
    if (target !== 'gpu') throw loadError(error);
    fallback = `CUDA is not available (${firstLine(error)}); running on the CPU`;
    providers.splice(0, providers.length, 'cpu');
    try {
      session = await createInferenceSession(bytes, { ...base, executionProviders: providers });
    } catch (cpuError) {
      throw loadError(cpuError);
    }
  }
  return {
    session,
    providers,
    ...(fallback ? { fallback } : {}),
    inputs: session.inputMetadata.map(toValueSpec),
    outputs: session.outputMetadata.map(toValueSpec),
  };
}

function toValueSpec(metadata: InferenceSession.ValueMetadata): ValueSpec {
  if (!metadata.isTensor) return { name: metadata.name, dataType: 'float32' };
  const type = isTensorType(metadata.type) ? metadata.type : 'float32';
  return { name: metadata.name, dataType: type, shape: metadata.shape.map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : typeof dim === 'string' ? dim : null)) };
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!;
}

function loadError(error: unknown) {
  return serveError(ServeErrorCode.modelLoad, `ONNX Runtime cannot load the model: ${firstLine(error)}`, 'check that model.onnx is a valid ONNX model (mlship model import checks one)', ExitCode.usage, error);
}
