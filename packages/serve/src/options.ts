/** Server options, their defaults and checks (the flags that set them are in flags.ts). */
import { availableParallelism } from 'node:os';
import { ExitCode, isLoopbackHost } from '@mlship/core';
import { hashToken } from './auth.js';
import { ServeErrorCode, serveError } from './errors.js';
import { checkSplitShape } from './flags.js';
import type { TrafficSplit } from './repository.js';
import { SERVE_TARGETS, type ServeTarget } from './session.js';

/** Something the server reports outside a request: worker restarts, prediction-log write errors, reloads. */
export interface ServeEvent {
  event: string;
  message?: string;
  [key: string]: unknown;
}

export interface ServeOptions {
  /** Model directories, all of one model name; several serve versions side by side. */
  models: string[];
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Processes serving requests: 1 (default) serves in this process; N > 1 forks N cluster workers; 'auto' one per CPU. */
  workers?: number | 'auto';
  /** The script cluster workers run (default: the compiled runtime-main beside this module, or serve-runtime.mjs when bundled). */
  workerScript?: string | URL;
  /** Default 'cpu'. */
  target?: ServeTarget;
  /** ONNX Runtime intra-op threads per worker; default 1. */
  intraOpThreads?: number;
  interOpThreads?: number;
  /** Dynamic batching; default true. */
  batching?: boolean;
  /** Default 64 rows. */
  maxBatchSize?: number;
  /** Default 500 µs. */
  maxQueueDelayMicros?: number;
  /** Rows that may wait per version; default 4096 (beyond: 503). */
  maxQueueRows?: number;
  /** Elements (across inputs) that may wait per version; default 4,194,304 (beyond: 503). */
  maxQueueElements?: number;
  /** Open connections per process; default 1024 (beyond: refused). */
  maxConnections?: number;
  /** Per-request inference timeout; default 5000 ms (504). */
  timeoutMs?: number;
  /** Default 1 MiB (413). */
  maxBodyBytes?: number;
  /** A body must arrive within this; default 10000 ms (408). */
  bodyTimeoutMs?: number;
  /** How long a graceful shutdown waits for in-flight requests; default 10000 ms. */
  drainTimeoutMs?: number;
  /** Bearer tokens; every route but /v2/health/* then needs one. */
  tokens?: string[];
  /** The same, as SHA-256 hex digests (what workers receive). */
  tokenHashes?: string[];
  /** Bearer tokens of the admin API (/v2/repository/*), separate from the inference tokens. */
  adminTokens?: string[];
  /** The same, as SHA-256 hex digests. */
  adminTokenHashes?: string[];
  /** PEM files: serve HTTPS. */
  tls?: { keyFile: string; certFile: string };
  /** Prediction log directory; no log when absent. */
  logDir?: string;
  /** Fraction of rows logged; default 1. */
  logSample?: number;
  /** Rotate at this size; default 64 MiB. */
  logMaxBytes?: number;
  /** Rotated files kept; default 5. */
  logMaxFiles?: number;
  /** Weights per version for unversioned requests, e.g. {"1": 90, "2": 10}; default: all to the highest version. */
  trafficSplit?: TrafficSplit;
  /** Seeds traffic-split routing and log sampling (reproducible tests). */
  seed?: number;
  /** V1 instance fields that are neither a feature (or input) nor echoed: 'ignore' (the default; counted in `mlship_extra_fields_total`) or 'error' (400 naming the field, never its value). */
  extraFields?: ExtraFieldPolicy;
  /** Fields of each V1 instance copied into its prediction (an id, say); never read as features. */
  echo?: string[];
  /**
   * The /v2/repository admin API (docs/serve.md#versions-traffic-split-and-reload). By default it is on
   * only with admin tokens; true also turns it on without any token on a loopback host (and refuses
   * to start elsewhere without admin tokens); false turns it off.
   */
  adminApi?: boolean;
  /** Handle SIGTERM/SIGINT (graceful shutdown) and SIGHUP (reload) in this process. */
  handleSignals?: boolean;
  onEvent?: (event: ServeEvent) => void;
}

/** Options with defaults applied and checked; plain data (it travels to workers as JSON). */
export interface ResolvedOptions {
  models: string[];
  host: string;
  port: number;
  workers: number;
  workerScript?: string;
  target: ServeTarget;
  intraOpThreads: number;
  interOpThreads?: number;
  batching: boolean;
  maxBatchSize: number;
  maxQueueDelayMicros: number;
  maxQueueRows: number;
  maxQueueElements: number;
  maxConnections: number;
  timeoutMs: number;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  drainTimeoutMs: number;
  tokenHashes: string[];
  adminTokenHashes: string[];
  tls?: { keyFile: string; certFile: string };
  logDir?: string;
  logSample: number;
  logMaxBytes: number;
  logMaxFiles: number;
  trafficSplit?: TrafficSplit;
  seed?: number;
  extraFields: ExtraFieldPolicy;
  echo: string[];
  adminApi: AdminMode;
}

export type ExtraFieldPolicy = 'ignore' | 'error';
export const EXTRA_FIELD_POLICIES: readonly ExtraFieldPolicy[] = ['ignore', 'error'];

/** The keys of a V1 prediction object, which an echoed field would overwrite. */
export const RESERVED_ECHO_FIELDS: readonly string[] = ['label', 'probabilities', 'prediction'];

/** `tokens`: on with admin tokens only (the default); `on`: also on a loopback host without any token; `off`. */
export type AdminMode = 'tokens' | 'on' | 'off';

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  maxBatchSize: 64,
  maxQueueDelayMicros: 500,
  maxQueueRows: 4096,
  maxQueueElements: 4 * 1024 * 1024,
  maxConnections: 1024,
  timeoutMs: 5000,
  maxBodyBytes: 1024 * 1024,
  bodyTimeoutMs: 10_000,
  drainTimeoutMs: 10_000,
  logSample: 1,
  logMaxBytes: 64 * 1024 * 1024,
  logMaxFiles: 5,
} as const;

function bad(message: string, hint: string) {
  return serveError(ServeErrorCode.options, message, hint, ExitCode.usage);
}

function integer(name: string, value: number | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw bad(`${name} must be an integer from ${min} to ${max}, got ${value}`, `e.g. ${name} ${fallback}`);
  return value;
}

export function resolveWorkers(workers: number | 'auto' | undefined): number {
  if (workers === 'auto') return availableParallelism();
  return integer('--workers', workers, 1, 1, 1024);
}

export function resolveOptions(options: ServeOptions): ResolvedOptions {
  if (!Array.isArray(options.models) || options.models.length === 0) throw bad('no model to serve', 'give a model directory or a ref such as models/iris');
  const target = options.target ?? 'cpu';
  if (!SERVE_TARGETS.includes(target)) throw bad(`unknown target "${String(target)}"`, `use one of ${SERVE_TARGETS.join(', ')}`);
  const logSample = options.logSample ?? DEFAULTS.logSample;
  if (typeof logSample !== 'number' || !(logSample >= 0 && logSample <= 1)) throw bad(`--log-sample must be a number from 0 to 1, got ${logSample}`, 'e.g. --log-sample 0.1');
  if (options.trafficSplit) checkSplitShape(options.trafficSplit);
  const extraFields = options.extraFields ?? 'ignore';
  if (!EXTRA_FIELD_POLICIES.includes(extraFields)) throw bad(`--extra-fields must be ignore or error, got "${String(extraFields)}"`, 'e.g. --extra-fields error');
  const echo = checkEcho(options.echo);
  const workerScript = options.workerScript instanceof URL ? options.workerScript.pathname : options.workerScript;
  const tokenHashes = [...checkHashes('tokenHashes', options.tokenHashes), ...(options.tokens ?? []).map(hashToken)];
  if (options.tokens && options.tokens.length === 0 && !options.tokenHashes?.length) throw bad('the token list is empty', 'put one token per line in the token file');
  const adminTokenHashes = [...checkHashes('adminTokenHashes', options.adminTokenHashes), ...(options.adminTokens ?? []).map(hashToken)];
  if (options.adminTokens && options.adminTokens.length === 0 && !options.adminTokenHashes?.length) throw bad('the admin token list is empty', 'put one token per line in the admin token file');
  const resolved: ResolvedOptions = {
    models: options.models,
    host: options.host ?? DEFAULTS.host,
    port: integer('--port', options.port, DEFAULTS.port, 0, 65535),
    workers: resolveWorkers(options.workers),
    target,
    intraOpThreads: integer('--threads', options.intraOpThreads, 1, 1, 1024),
    batching: options.batching ?? true,
    maxBatchSize: integer('--max-batch-size', options.maxBatchSize, DEFAULTS.maxBatchSize, 1, 1 << 20),
    maxQueueDelayMicros: integer('--max-queue-delay-us', options.maxQueueDelayMicros, DEFAULTS.maxQueueDelayMicros, 0, 10_000_000),
    maxQueueRows: integer('--max-queue', options.maxQueueRows, DEFAULTS.maxQueueRows, 1, 1 << 30),
    maxQueueElements: integer('--max-queue-elements', options.maxQueueElements, DEFAULTS.maxQueueElements, 1, 2 ** 40),
    maxConnections: integer('--max-connections', options.maxConnections, DEFAULTS.maxConnections, 1, 1 << 20),
    timeoutMs: integer('--timeout-ms', options.timeoutMs, DEFAULTS.timeoutMs, 1, 3_600_000),
    maxBodyBytes: integer('--max-body-bytes', options.maxBodyBytes, DEFAULTS.maxBodyBytes, 64, 1 << 30),
    bodyTimeoutMs: integer('--body-timeout-ms', options.bodyTimeoutMs, DEFAULTS.bodyTimeoutMs, 100, 3_600_000),
    drainTimeoutMs: integer('--drain-timeout-ms', options.drainTimeoutMs, DEFAULTS.drainTimeoutMs, 0, 3_600_000),
    tokenHashes,
    adminTokenHashes,
    logSample,
    logMaxBytes: integer('--log-max-bytes', options.logMaxBytes, DEFAULTS.logMaxBytes, 1024),
    logMaxFiles: integer('--log-max-files', options.logMaxFiles, DEFAULTS.logMaxFiles, 0, 1000),
    extraFields,
    echo,
    adminApi: options.adminApi === undefined ? 'tokens' : options.adminApi ? 'on' : 'off',
  };
  checkAdmin(resolved);
  if (options.interOpThreads !== undefined) resolved.interOpThreads = integer('--inter-op-threads', options.interOpThreads, 1, 1, 1024);
  if (workerScript !== undefined) resolved.workerScript = workerScript;
  if (options.tls) resolved.tls = { keyFile: options.tls.keyFile, certFile: options.tls.certFile };
  if (options.logDir !== undefined) resolved.logDir = options.logDir;
  if (options.trafficSplit) resolved.trafficSplit = { ...options.trafficSplit };
  if (options.seed !== undefined) resolved.seed = integer('--seed', options.seed, 0, 0, 4294967295);
  return resolved;
}

/** An admin API asked for (--admin) that could not be on: refused at start rather than answering 403 to every call. */
function checkAdmin(options: ResolvedOptions): void {
  if (options.adminApi !== 'on' || options.adminTokenHashes.length > 0) return;
  if (options.tokenHashes.length > 0) throw bad('--admin without --admin-token-file on a server with --token-file', 'give the admin API its own tokens with --admin-token-file; inference tokens never grant admin calls');
  if (!isLoopbackHost(options.host)) throw bad(`--admin without --admin-token-file on ${options.host}`, 'give admin tokens with --admin-token-file, or listen on 127.0.0.1');
}

/** The echoed fields: distinct non-empty names, none of them a key of the prediction objects. */
function checkEcho(echo: string[] | undefined): string[] {
  if (echo === undefined) return [];
  if (!Array.isArray(echo) || !echo.every((field) => typeof field === 'string' && field !== '')) throw bad('--echo needs field names', 'e.g. --echo id');
  const reserved = echo.find((field) => RESERVED_ECHO_FIELDS.includes(field));
  if (reserved !== undefined) throw bad(`--echo ${reserved}: "${reserved}" is a key of every prediction`, `echo other fields; ${RESERVED_ECHO_FIELDS.join(', ')} are taken`);
  return [...new Set(echo)];
}

/** Token digests as given (workers get them this way): each must be 64 hex characters, a SHA-256. */
function checkHashes(name: string, hashes: string[] | undefined): string[] {
  if (hashes === undefined) return [];
  if (!Array.isArray(hashes)) throw bad(`${name} must be a list of SHA-256 hex digests`, 'give tokens instead, or their SHA-256 hex digests');
  for (const hash of hashes) {
    if (typeof hash !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hash)) throw bad(`${name} holds a value that is not a SHA-256 hex digest (64 hex characters)`, 'give tokens instead, or their SHA-256 hex digests');
  }
  return hashes.map((hash) => hash.toLowerCase());
}
