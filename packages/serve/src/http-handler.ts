/**
 * The HTTP routes (docs/serve.md): KServe V2 / Open Inference Protocol, V1 predict, /metrics and the
 * admin API. One function per request with no framework; bodies are read up to `maxBodyBytes`
 * within `bodyTimeoutMs` (408). Past the limit the answer is 413 at once and nothing more is
 * buffered: the rest of the body is discarded as it arrives (clients that are still sending could
 * not read an answer on a connection closed under them), bounded by the body timeout.
 *
 * Web pages: a server on a loopback address answers only to loopback Host names (with its own port
 * or none; a DNS-rebound page names its own domain), and admin calls refuse a foreign Origin and
 * bodies that are not application/json (what a page may send without a CORS preflight).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLoopbackHost, MLSHIP_VERSION } from '@mlship/core';
import { TokenCheck } from './auth.js';
import type { RunOutputs } from './batcher.js';
import { describeValue, HttpError } from './errors.js';
import { V1Job, V2Job, type HttpJob, type JobHost } from './infer-jobs.js';
import type { ServeMetrics, VersionMetrics } from './metrics.js';
import type { AdminRequest, AdminResponse, ModelManager } from './model-manager.js';
import type { ResolvedOptions, ServeEvent } from './options.js';
import { logPredictions } from './prediction-record.js';
import type { PredictionLog } from './prediction-log.js';
import type { TrafficSplit } from './repository.js';
import type { ServedVersion } from './served-version.js';

/** Where /metrics and admin calls go: this process, or the cluster primary. */
export interface Coordinator {
  metrics(): Promise<{ contentType: string; text: string }>;
  admin(request: AdminRequest): Promise<AdminResponse>;
}

const JSON_TYPE = 'application/json';
/** Names the version that answered (also under a traffic split); the body's `model_version` says the same. */
const MODEL_VERSION_HEADER = 'x-model-version';
const SERVER_METADATA = JSON.stringify({ name: 'mlship', version: MLSHIP_VERSION, extensions: ['model_repository'] });

const now = (): number => performance.now();

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorBody(message: string): string {
  return JSON.stringify({ error: message });
}

export class ServeHandler implements JobHost {
  /** Set by a graceful shutdown: new requests get 503 and every response closes its connection. */
  draining = false;
  readonly maxElements: number;
  private readonly idPrefix = randomBytes(4).toString('hex');
  private idCounter = 0;
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => this.guard(res, now(), () => this.onRequest(req, res, now()));
  /**
   * `Expect: 100-continue`: `100 Continue` only once the request may send its body (authorized, within
   * the size limit); otherwise the error (401, 413) is the answer and the client never sends the body.
   */
  readonly checkContinue = (req: IncomingMessage, res: ServerResponse): void => {
    const start = now();
    this.guard(res, start, () => {
      if (this.refuseHost(req, res, start)) {
        res.shouldKeepAlive = false;
        return;
      }
      const declared = req.headers['content-length'];
      if (declared !== undefined && Number(declared) > this.options.maxBodyBytes) {
        res.shouldKeepAlive = false;
        this.fail(res, 413, `the body is ${declared} bytes; the limit is ${this.options.maxBodyBytes}`, start);
        return;
      }
      if (!this.draining && !isHealth(pathOf(req)) && !this.authorize(req, res, start)) {
        res.shouldKeepAlive = false;
        return;
      }
      res.writeContinue();
      this.onRequest(req, res, start);
    });
  };

  constructor(
    private readonly manager: ModelManager,
    private readonly options: ResolvedOptions,
    private readonly metrics: ServeMetrics,
    private readonly tokens: TokenCheck,
    private readonly coordinator: Coordinator,
    private readonly log: PredictionLog | undefined,
    private readonly adminTokens: TokenCheck = new TokenCheck([]),
    private readonly onEvent?: (event: ServeEvent) => void,
  ) {
    // Each JSON element takes at least two bytes ("1,"): a bound on elements before allocating.
    this.maxElements = Math.ceil(options.maxBodyBytes / 2) + 1;
    this.logsInstances = log !== undefined;
    if (isLoopbackHost(options.host)) {
      const bound = options.host.includes(':') ? `[${options.host}]` : options.host;
      this.loopbackNames = new Set(['localhost', '127.0.0.1', '[::1]', bound.toLowerCase()]);
    }
  }

  /** The Host names a server on a loopback address answers to; undefined (any) on other addresses. */
  private readonly loopbackNames: Set<string> | undefined;

  /** Whether V1 jobs keep their raw instances (only the prediction log reads them). */
  readonly logsInstances: boolean;

  get extraFields(): ResolvedOptions['extraFields'] {
    return this.options.extraFields;
  }

  get echo(): readonly string[] {
    return this.options.echo;
  }

  /**
   * The last resort around a request's handling: a bug (or a client value that defeats a check)
   * answers 500 and reports an event instead of taking the process down.
   */
  private guard(res: ServerResponse, start: number, action: () => void): void {
    try {
      action();
    } catch (error) {
      this.onEvent?.({ event: 'error', message: `internal error while handling a request: ${String((error as Error)?.message ?? error).split('\n')[0]}` });
      try {
        this.fail(res, 500, 'internal server error', start);
      } catch {
        res.destroy();
      }
    }
  }

  /** The inference token check: false after answering 401. */
  private authorize(req: IncomingMessage, res: ServerResponse, start: number): boolean {
    if (!this.tokens.enabled || this.tokens.allows(req.headers.authorization)) return true;
    this.unauthorized(req, res, start);
    return false;
  }

  private unauthorized(req: IncomingMessage, res: ServerResponse, start: number): void {
    const given = req.headers.authorization !== undefined;
    this.fail(res, 401, given ? 'invalid token' : 'this server needs a bearer token (Authorization: Bearer <token>)', start, undefined, [
      'www-authenticate',
      given ? 'Bearer error="invalid_token"' : 'Bearer',
    ]);
  }

  /** Writes a JSON response; during a drain it also closes the connection. */
  private send(res: ServerResponse, status: number, body: string, extra?: string[]): void {
    if (res.headersSent || res.destroyed) return;
    const headers = ['content-type', JSON_TYPE, 'content-length', String(Buffer.byteLength(body))];
    if (this.draining || status === 408) headers.push('connection', 'close');
    if (extra) headers.push(...extra);
    res.writeHead(status, headers);
    res.end(body);
  }

  /** Answers and counts a response outside a job (errors, metadata); one about a version names it in X-Model-Version. */
  private reply(res: ServerResponse, status: number, body: string, start: number, metrics: VersionMetrics = this.metrics.unrouted, extra?: string[]): void {
    const version = metrics.labels.version;
    this.send(res, status, body, version ? [MODEL_VERSION_HEADER, String(version), ...(extra ?? [])] : extra);
    metrics.request(status, (now() - start) / 1000);
  }

  private fail(res: ServerResponse, status: number, message: string, start: number, metrics?: VersionMetrics, extra?: string[]): void {
    this.reply(res, status, errorBody(message), start, metrics, extra);
  }

  finish(job: HttpJob, status: number, body: string, outputs?: RunOutputs, offset?: number, batchRows?: number): void {
    this.send(job.res, status, body, [MODEL_VERSION_HEADER, job.version.version]);
    const latency = now() - job.start;
    job.version.metrics.request(status, latency / 1000);
    if (this.log && outputs && status === 200) {
      try {
        logPredictions(this.log, job, outputs, offset ?? 0, batchRows ?? job.rows, latency);
      } catch {
        this.metrics.logDropped.inc();
      }
    }
  }

  /**
   * On a loopback server: 403 (true) for a Host that is not a loopback name, or names another port.
   * A request without Host (HTTP/1.0), or a loopback name without a port, passes: neither is what a
   * browser sends after a DNS rebinding, which names the attacker's domain.
   */
  private refuseHost(req: IncomingMessage, res: ServerResponse, start: number): boolean {
    const host = req.headers.host;
    if (this.loopbackNames === undefined || host === undefined) return false;
    const parts = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d{1,5}))?$/.exec(host.toLowerCase());
    if (parts && this.loopbackNames.has(parts[1]!) && (parts[2] === undefined || Number(parts[2]) === req.socket.localPort)) return false;
    this.fail(res, 403, `this server listens on a loopback address and answers only to Host localhost, 127.0.0.1 or [::1] with its port, not ${describeValue(host)} (DNS rebinding protection)`, start);
    return true;
  }

  /** Admin calls from a web page of another origin (a Host and Origin that differ) get 403 (true). */
  private refuseOrigin(req: IncomingMessage, res: ServerResponse, start: number): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return false;
    let own: string | undefined;
    let given: string | undefined;
    try {
      own = new URL(`${this.options.tls ? 'https' : 'http'}://${req.headers.host ?? ''}`).origin;
      given = new URL(origin).origin;
    } catch {
      // a Host or Origin that does not parse (Origin: null) is no origin of this server
    }
    if (own !== undefined && own !== 'null' && given === own) return false;
    this.fail(res, 403, `admin calls are not taken from another origin (Origin ${describeValue(origin)})`, start);
    return true;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse, start: number): void {
    if (this.refuseHost(req, res, start)) return;
    if (this.draining) {
      this.fail(res, 503, 'the server is shutting down', start);
      return;
    }
    const path = pathOf(req);
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');

    if (path.startsWith('/v2/health/')) {
      if (path === '/v2/health/live') return this.only(req, res, start, method, 'GET', () => this.reply(res, 200, '{"live":true}', start));
      if (path === '/v2/health/ready') {
        return this.only(req, res, start, method, 'GET', () => {
          const ready = this.manager.repository.size > 0;
          this.reply(res, ready ? 200 : 503, ready ? '{"ready":true}' : '{"ready":false}', start);
        });
      }
    }
    // Admin routes with admin tokens take those (and only those); every other route takes the inference tokens.
    const adminRoute = path === '/v2/repository' || path.startsWith('/v2/repository/');
    if (adminRoute && this.adminTokens.enabled) {
      if (!this.adminTokens.allows(req.headers.authorization)) return this.unauthorized(req, res, start);
    } else if (!this.authorize(req, res, start)) {
      return;
    }

    const parts = path.split('/');
    const root = parts[1];
    try {
      if (root === 'v2') return this.routeV2(req, res, start, method, parts);
      if (root === 'v1') return this.routeV1(req, res, start, method, parts);
      if (path === '/metrics') return this.only(req, res, start, method, 'GET', () => this.serveMetrics(res, start));
    } catch (error) {
      if (error instanceof HttpError) return this.fail(res, error.status, error.message, start);
      throw error;
    }
    this.fail(res, 404, `no route ${path}`, start);
  }

  /** Runs `action` for the allowed method, else 405 with Allow; a body sent to GET is discarded. */
  private only(req: IncomingMessage, res: ServerResponse, start: number, method: string, allowed: 'GET' | 'POST', action: () => void): void {
    if (method !== allowed) {
      this.fail(res, 405, `use ${allowed} here`, start, undefined, ['allow', allowed === 'GET' ? 'GET, HEAD' : 'POST']);
      return;
    }
    action();
  }

  private routeV2(req: IncomingMessage, res: ServerResponse, start: number, method: string, parts: string[]): void {
    const count = parts.length;
    if (count === 2) return this.only(req, res, start, method, 'GET', () => this.reply(res, 200, SERVER_METADATA, start));
    const section = parts[2];
    if (section === 'models' && count >= 4) {
      const name = decode(parts[3]!);
      let version: string | undefined;
      let action: string | undefined;
      if (count >= 6 && parts[4] === 'versions') {
        version = decode(parts[5]!);
        if (count === 7) action = parts[6];
        else if (count > 7) return this.fail(res, 404, `no route ${parts.join('/')}`, start);
      } else if (count === 5) {
        action = parts[4];
      } else if (count > 5) {
        return this.fail(res, 404, `no route ${parts.join('/')}`, start);
      }
      if (action === undefined) return this.only(req, res, start, method, 'GET', () => this.modelMetadata(res, start, name, version));
      if (action === 'ready') return this.only(req, res, start, method, 'GET', () => this.modelReady(res, start, name, version));
      if (action === 'infer') return this.only(req, res, start, method, 'POST', () => this.infer(req, res, start, name, version, false));
      return this.fail(res, 404, `no route ${parts.join('/')}`, start);
    }
    if (section === 'repository') return this.routeRepository(req, res, start, method, parts);
    this.fail(res, 404, `no route ${parts.join('/')}`, start);
  }

  private routeV1(req: IncomingMessage, res: ServerResponse, start: number, method: string, parts: string[]): void {
    const path = parts.join('/');
    if (path === '/v1/predict') return this.only(req, res, start, method, 'POST', () => this.infer(req, res, start, undefined, undefined, true));
    // /v1/models/NAME:predict and /v1/models/NAME/versions/V:predict
    if (parts[2] === 'models' && path.endsWith(':predict')) {
      const trimmed = path.slice(0, -':predict'.length).split('/');
      if (trimmed.length === 4) return this.only(req, res, start, method, 'POST', () => this.infer(req, res, start, decode(trimmed[3]!), undefined, true));
      if (trimmed.length === 6 && trimmed[4] === 'versions') {
        return this.only(req, res, start, method, 'POST', () => this.infer(req, res, start, decode(trimmed[3]!), decode(trimmed[5]!), true));
      }
    }
    this.fail(res, 404, `no route ${path}`, start);
  }

  /** Throws 404 when the model or version is unknown, 503 when nothing is loaded; returns the named version, if any. */
  private check(name: string | undefined, version: string | undefined): ServedVersion | undefined {
    const repository = this.manager.repository;
    if (name !== undefined && name !== repository.name) throw new HttpError(404, `unknown model "${name}"; this server serves "${repository.name}"`);
    if (version !== undefined) {
      const found = repository.get(version);
      if (!found) throw new HttpError(404, `unknown version "${version}" of ${repository.name} (versions: ${repository.all().map((v) => v.version).join(', ')})`);
      return found;
    }
    if (repository.size === 0) throw new HttpError(503, `${repository.name} has no version loaded`);
    return undefined;
  }

  /** The version a request goes to: the named one, else one picked by the traffic split. */
  private lookup(name: string | undefined, version: string | undefined): ServedVersion {
    const named = this.check(name, version);
    if (named) return named;
    const picked = this.manager.repository.pick();
    if (!picked) throw new HttpError(503, `${this.manager.repository.name} has no version loaded`);
    return picked;
  }

  private modelMetadata(res: ServerResponse, start: number, name: string, version: string | undefined): void {
    const repository = this.manager.repository;
    let served: ServedVersion | undefined;
    try {
      served = this.check(name, version) ?? repository.primary();
    } catch (error) {
      return this.fail(res, (error as HttpError).status, (error as Error).message, start);
    }
    if (!served) return this.fail(res, 503, `${repository.name} has no version loaded`, start);
    const [inputs, outputs] = served.describe();
    const body = {
      name: served.name,
      versions: version === undefined ? repository.all().map((v) => v.version) : [served.version],
      platform: 'onnxruntime',
      inputs,
      outputs,
    };
    this.reply(res, 200, JSON.stringify(body), start, served.metrics);
  }

  private modelReady(res: ServerResponse, start: number, name: string, version: string | undefined): void {
    try {
      const served = this.check(name, version) ?? this.manager.repository.primary()!;
      this.reply(res, 200, JSON.stringify({ name: served.name, ...(version !== undefined ? { version } : {}), ready: true }), start, served.metrics);
    } catch (error) {
      this.fail(res, (error as HttpError).status, (error as Error).message, start);
    }
  }

  private infer(req: IncomingMessage, res: ServerResponse, start: number, name: string | undefined, version: string | undefined, v1: boolean): void {
    try {
      this.check(name, version);
    } catch (error) {
      return this.fail(res, (error as HttpError).status, (error as Error).message, start);
    }
    this.readBody(req, res, start, (body) => this.runInfer(req, res, start, name, version, v1, body));
  }

  private runInfer(req: IncomingMessage, res: ServerResponse, start: number, name: string | undefined, versionId: string | undefined, v1: boolean, body: Buffer): void {
    let served: ServedVersion;
    try {
      // Routed after the body arrived, in the same turn as queueing: a swap in between cannot strand the request.
      served = this.lookup(name, versionId);
    } catch (error) {
      return this.fail(res, (error as HttpError).status, (error as Error).message, start);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      return this.fail(res, 400, `malformed JSON: ${(error as Error).message}`, start, served.metrics);
    }
    const job = v1 ? new V1Job(this, res, start, served) : new V2Job(this, res, start, served);
    try {
      job.parse(parsed);
    } catch (error) {
      // Whatever a parse throws is about the request (e.g. a RangeError from a value nested too deep).
      if (error instanceof HttpError) return this.fail(res, error.status, error.message, start, served.metrics);
      return this.fail(res, 400, `bad request: ${String((error as Error)?.message ?? error).split('\n')[0]}`, start, served.metrics);
    }
    if (job.id === '') {
      const header = req.headers['x-request-id'];
      job.id = typeof header === 'string' && header.length <= 128 ? header : `${this.idPrefix}-${(++this.idCounter).toString(36)}`;
    }
    if (job.rows > this.options.maxQueueRows) {
      return this.fail(res, 400, `the request has ${job.rows} rows; at most ${this.options.maxQueueRows} fit the queue`, start, served.metrics);
    }
    if (job.elements > this.options.maxQueueElements) {
      return this.fail(res, 400, `the request has ${job.elements} elements; at most ${this.options.maxQueueElements} fit the queue`, start, served.metrics);
    }
    const queued = served.batcher.submit(job);
    if (queued !== 'queued') {
      job.settled = true;
      const bound = queued === 'rows' ? `${this.options.maxQueueRows} rows` : `${this.options.maxQueueElements} elements`;
      this.fail(res, 503, `the queue of ${served.name} version ${served.version} is full (${bound}); retry later`, start, served.metrics, ['retry-after', '1']);
    }
  }

  private serveMetrics(res: ServerResponse, start: number): void {
    this.coordinator.metrics().then(
      ({ contentType, text }) => {
        if (res.headersSent || res.destroyed) return;
        res.writeHead(200, ['content-type', contentType, 'content-length', String(Buffer.byteLength(text)), ...(this.draining ? ['connection', 'close'] : [])]);
        res.end(text);
      },
      (error: Error) => this.fail(res, 500, `metrics: ${error.message}`, start),
    );
  }

  private routeRepository(req: IncomingMessage, res: ServerResponse, start: number, method: string, parts: string[]): void {
    const refusal = adminRefusal(this.options);
    if (refusal !== undefined) return this.fail(res, 403, refusal, start);
    if (this.refuseOrigin(req, res, start)) return;
    const path = parts.join('/');
    let build: ((body: Record<string, unknown>) => AdminRequest) | undefined;
    if (path === '/v2/repository/index') build = () => ({ op: 'index' });
    else if (parts[3] === 'models' && parts.length >= 6) {
      const name = decode(parts[4]!);
      if (parts.length === 6 && parts[5] === 'load') {
        build = (body) => {
          if (typeof body.dir !== 'string' || body.dir === '') throw new HttpError(400, 'load needs {"dir": "/path/to/model-dir"}');
          const split = readSplit(body.split);
          return { op: 'load', name, dir: body.dir, ...(split !== undefined ? { split } : {}) };
        };
      } else if (parts.length === 6 && parts[5] === 'split') {
        build = (body) => ({ op: 'split', name, split: readSplit(body.split) ?? null });
      } else if (parts.length === 8 && parts[5] === 'versions' && parts[7] === 'unload') {
        const version = decode(parts[6]!);
        build = () => ({ op: 'unload', name, version });
      }
    }
    if (!build) return this.fail(res, 404, `no route ${path}`, start);
    const make = build;
    this.only(req, res, start, method, 'POST', () => {
      // A page may POST text/plain or a form without a preflight; admin bodies must be application/json.
      const type = req.headers['content-type'];
      if (type === undefined ? hasBody(req) : type.split(';')[0]!.trim().toLowerCase() !== JSON_TYPE) {
        return this.fail(res, 415, `admin calls take a JSON body with Content-Type: ${JSON_TYPE}, not ${type === undefined ? 'a body without a type' : describeValue(type)}`, start);
      }
      this.readBody(req, res, start, (raw) => {
        let request: AdminRequest;
        try {
          const text = raw.toString('utf8').trim();
          const body: unknown = text === '' ? {} : JSON.parse(text);
          if (!isObject(body)) throw new HttpError(400, 'the body must be a JSON object');
          request = make(body);
        } catch (error) {
          const status = error instanceof HttpError ? error.status : 400;
          return this.fail(res, status, error instanceof HttpError ? error.message : `malformed JSON: ${(error as Error).message}`, start);
        }
        this.coordinator.admin(request).then(
          (response) => this.reply(res, response.status, JSON.stringify(response.body), start),
          (error: Error) => this.fail(res, 500, error.message, start),
        );
      });
    });
  }

  /**
   * Collects the body, answering 413 once it passes `maxBodyBytes` (from Content-Length before
   * reading anything, else while reading; the rest is discarded, never buffered) and 408 when it
   * has not arrived within `bodyTimeoutMs`.
   */
  private readBody(req: IncomingMessage, res: ServerResponse, start: number, done: (body: Buffer) => void): void {
    const limit = this.options.maxBodyBytes;
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      this.fail(res, 413, `the body is ${declared} bytes; the limit is ${limit}`, start);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let finished = false;
    // Until the body timeout: 408 while reading; after a 413, the rest is discarded until then and the connection cut.
    const timer = setTimeout(() => {
      if (finished) {
        if (!req.complete) req.socket?.destroy();
        return;
      }
      finished = true;
      this.fail(res, 408, `the body did not arrive within ${this.options.bodyTimeoutMs} ms`, start);
      req.resume();
    }, this.options.bodyTimeoutMs);
    timer.unref();
    req.on('data', (chunk: Buffer) => {
      if (finished) return;
      size += chunk.length;
      if (size > limit) {
        finished = true;
        chunks.length = 0;
        this.fail(res, 413, `the body is over the limit of ${limit} bytes`, start);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      clearTimeout(timer);
      if (finished) return;
      finished = true;
      this.guard(res, start, () => done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    });
    req.on('close', () => clearTimeout(timer));
    req.on('error', () => {
      finished = true;
      clearTimeout(timer);
    });
  }
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function isHealth(path: string): boolean {
  return path === '/v2/health/live' || path === '/v2/health/ready';
}

/** Whether a request carries a body (a non-zero Content-Length, or chunked). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) !== 0);
}

/**
 * Why the admin API refuses calls on this server (403), or undefined when it is enabled: with admin
 * tokens, or with --admin on a loopback address with no tokens at all. Inference tokens never grant
 * admin calls.
 */
export function adminRefusal(options: Pick<ResolvedOptions, 'adminApi' | 'adminTokenHashes' | 'tokenHashes' | 'host'>): string | undefined {
  if (options.adminApi === 'off') return 'the admin API is turned off on this server (--no-admin)';
  if (options.adminTokenHashes.length > 0) return undefined;
  if (options.tokenHashes.length > 0) return 'the admin API needs admin tokens, which are separate from inference tokens: start the server with --admin-token-file (or MLSHIP_ADMIN_TOKEN_FILE)';
  if (!isLoopbackHost(options.host)) {
    return `the admin API is off on ${options.host} without admin tokens: start the server with --admin-token-file (or MLSHIP_ADMIN_TOKEN_FILE), or listen on 127.0.0.1 with --admin`;
  }
  if (options.adminApi === 'on') return undefined;
  return 'the admin API is off unless asked for: start the server with --admin (loopback, no tokens) or --admin-token-file';
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `bad URL segment ${segment}`);
  }
}

function readSplit(value: unknown): TrafficSplit | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new HttpError(400, '"split" must be an object {"version": weight}');
  const split: TrafficSplit = {};
  for (const [version, weight] of Object.entries(value)) {
    if (!/^\d+$/.test(version) || typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new HttpError(400, `bad split entry ${describeValue(version)}: ${describeValue(weight)}; give {"1": 90, "2": 10}`);
    }
    split[String(Number(version))] = weight;
  }
  return split;
}
