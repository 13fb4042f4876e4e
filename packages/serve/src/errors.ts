/** Coded errors of the serve package, and the HTTP error every route answers with `{"error": message}`. */
import { errorCodes, ExitCode, maskPii, MlshipError } from '@mlship/core';

export const ServeErrorCode = errorCodes({
  modelDir: { code: 'MLSHIP_E_SERVE_MODEL_DIR', exitCode: ExitCode.usage, meaning: 'A model directory that cannot be served: missing files, a bad `model.json` or `signature.json`, versions that clash.' },
  modelLoad: { code: 'MLSHIP_E_SERVE_MODEL_LOAD', exitCode: [ExitCode.usage, ExitCode.runtime], meaning: 'ONNX Runtime could not load the model or its warm-up run failed (exit 2), or onnxruntime-node itself cannot be loaded (exit 3).' },
  listen: { code: 'MLSHIP_E_SERVE_LISTEN', exitCode: ExitCode.usage, meaning: 'The address is taken or not allowed.' },
  options: { code: 'MLSHIP_E_SERVE_OPTIONS', exitCode: ExitCode.usage, meaning: 'Bad server options: flags, the traffic split, the token file, the TLS files, the prediction log directory.' },
  worker: { code: 'MLSHIP_E_SERVE_WORKER', exitCode: [ExitCode.usage, ExitCode.runtime], meaning: 'A worker process failed to start (exit 3), or its script cannot be found because mlship was not built (exit 2).' },
});

export function serveError(code: string, message: string, hint: string, exitCode: ExitCode = ExitCode.usage, cause?: unknown): MlshipError {
  return new MlshipError(code, message, { hint, exitCode, ...(cause === undefined ? {} : { cause }) });
}

/** An error a route answers with: its status and a message for the `{"error": ...}` body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function badRequest(message: string): HttpError {
  return new HttpError(400, message);
}

/** How deep nested request data may go (a bound on every walk over client JSON). */
export const MAX_RANK = 32;

/**
 * A client value for an error message: strings quoted, numbers and booleans as they are, arrays and
 * objects as a preview of their first 40 characters, a few levels deep. Bounded in time and stack
 * whatever the value (JSON.stringify would throw on a value nested thousands deep); never throws.
 */
export function describeValue(value: unknown): string {
  try {
    const text = preview(value, 0);
    return text.length > 40 ? `${text.slice(0, 40)}…` : text;
  } catch {
    return Array.isArray(value) ? 'an array' : typeof value;
  }
}

function preview(value: unknown, depth: number): string {
  // Personal data is shown as its placeholder, never quoted back (the whole value is searched before any cut).
  if (typeof value === 'string' || typeof value === 'number') {
    const shown = maskPii(value);
    if (shown !== value) return String(shown);
  }
  if (typeof value === 'string') return JSON.stringify(value.length > 41 ? value.slice(0, 41) : value);
  if (typeof value === 'bigint') return `${value}`;
  if (value === null || typeof value !== 'object') return `${value as number | boolean | undefined}`;
  const array = Array.isArray(value);
  if (depth >= 4) return array ? '[…]' : '{…}';
  let text = array ? '[' : '{';
  const entries = array ? (value as unknown[]) : Object.keys(value);
  for (let i = 0; i < entries.length; i++) {
    if (text.length > 40) return text;
    if (i > 0) text += ',';
    if (array) text += preview(entries[i], depth + 1);
    else {
      const key = entries[i] as string;
      text += `${JSON.stringify(key.slice(0, 41))}:${preview((value as Record<string, unknown>)[key], depth + 1)}`;
    }
  }
  return text + (array ? ']' : '}');
}
