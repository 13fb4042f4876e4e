/** Coded errors of the serve package, and the HTTP error every route answers with `{"error": message}`. */
import { ExitCode, MlshipError } from '@mlship/core';

export const ServeErrorCode = {
  /** A model directory that cannot be served: missing files, a bad model.json or signature.json. */
  modelDir: 'MLSHIP_E_SERVE_MODEL_DIR',
  /** ONNX Runtime could not load the model, or its warm-up run failed. */
  modelLoad: 'MLSHIP_E_SERVE_MODEL_LOAD',
  /** The address is taken or not allowed. */
  listen: 'MLSHIP_E_SERVE_LISTEN',
  /** Bad server options (flags, split, token file, TLS files). */
  options: 'MLSHIP_E_SERVE_OPTIONS',
  /** A worker process failed to start. */
  worker: 'MLSHIP_E_SERVE_WORKER',
} as const;

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
