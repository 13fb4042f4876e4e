/**
 * Loads, swaps and retires versions of the served model (the admin API, SIGHUP and
 * RunningServer.reload all come here). Changes run one at a time; each loads and warms its new
 * versions first and then swaps them in at once, so no request fails during a reload.
 */
import { isMlshipError } from '@mlship/core';
import { HttpError } from './errors.js';
import type { ServeMetrics } from './metrics.js';
import { isAccessError, loadModelDir, MAX_MODEL_BYTES, type ModelDir } from './model-dir.js';
import type { ResolvedOptions, ServeEvent } from './options.js';
import type { RandomSource } from './random.js';
import { checkSplit, ModelRepository, type TrafficSplit, type VersionSummary } from './repository.js';
import { ServedVersion, type VersionLoadOptions } from './served-version.js';

export type AdminRequest =
  | { op: 'index' }
  | { op: 'load'; name: string; dir: string; split?: TrafficSplit | null }
  | { op: 'unload'; name: string; version: string }
  | { op: 'split'; name: string; split: TrafficSplit | null }
  | { op: 'reload' };

export interface RepositorySummary {
  name: string;
  versions: VersionSummary[];
  split: TrafficSplit | null;
}

export interface AdminResponse {
  status: number;
  body: unknown;
}

/** Directories of one model, loaded and checked (one name, distinct versions). */
export async function loadModelDirs(dirs: string[]): Promise<ModelDir[]> {
  const models = await Promise.all(dirs.map((dir) => loadModelDir(dir)));
  const name = models[0]!.name;
  const seen = new Map<number, string>();
  for (const model of models) {
    if (model.name !== name) throw new HttpError(400, `one server serves one model: ${models[0]!.dir} is ${name}, ${model.dir} is ${model.name}`);
    const other = seen.get(model.version);
    if (other !== undefined) throw new HttpError(400, `${other} and ${model.dir} are both ${name} version ${model.version}`);
    seen.set(model.version, model.dir);
  }
  return models;
}

export class ModelManager {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly repository: ModelRepository,
    private readonly options: VersionLoadOptions,
    private readonly metrics: ServeMetrics,
    private readonly onEvent: ((event: ServeEvent) => void) | undefined,
  ) {}

  static async start(options: ResolvedOptions, metrics: ServeMetrics, random: RandomSource, onEvent?: (event: ServeEvent) => void): Promise<ModelManager> {
    const models = await loadModelDirs(options.models);
    const versionOptions: VersionLoadOptions = {
      target: options.target,
      intraOpThreads: options.intraOpThreads,
      ...(options.interOpThreads !== undefined ? { interOpThreads: options.interOpThreads } : {}),
      batching: options.batching,
      maxBatchSize: options.maxBatchSize,
      maxQueueDelayMicros: options.maxQueueDelayMicros,
      maxQueueRows: options.maxQueueRows,
      maxQueueElements: options.maxQueueElements,
      timeoutMs: options.timeoutMs,
    };
    const versions = await loadAll(models, versionOptions, metrics);
    if (options.trafficSplit) checkSplit(options.trafficSplit, new Map(versions.map((v) => [v.version, v])));
    const repository = new ModelRepository(models[0]!.name, versions, options.trafficSplit, random);
    return new ModelManager(repository, versionOptions, metrics, onEvent);
  }

  summary(): RepositorySummary {
    return this.repository.summary();
  }

  /** Applies an admin request; HttpErrors and coded errors become 4xx answers. */
  async apply(request: AdminRequest): Promise<AdminResponse> {
    try {
      switch (request.op) {
        case 'index':
          return { status: 200, body: this.summary() };
        case 'load':
          return { status: 200, body: await this.load(request.name, request.dir, request.split) };
        case 'unload':
          return { status: 200, body: await this.unload(request.name, request.version) };
        case 'split':
          return { status: 200, body: await this.setSplit(request.name, request.split) };
        case 'reload':
          return { status: 200, body: await this.reload() };
      }
    } catch (error) {
      if (error instanceof HttpError) return { status: error.status, body: { error: error.message } };
      if (isMlshipError(error)) return { status: 400, body: { error: error.message, code: error.code } };
      return { status: 500, body: { error: (error as Error).message } };
    }
  }

  /**
   * Loads `dir` as a new (or replacement) version; `split` sets the traffic split (absent: the highest
   * version takes unversioned traffic). A path that is no readable model directory (missing, not a
   * directory, no regular model.onnx, unreadable, too big, too slow) gets one answer, whatever is there.
   */
  load(name: string, dir: string, split?: TrafficSplit | null): Promise<RepositorySummary> {
    return this.serial(async () => {
      this.checkName(name);
      const [model] = await loadModelDirs([dir]).catch((error: unknown) => {
        if (isAccessError(error)) throw new HttpError(400, `${dir} is not a model directory this server can read: give a directory holding a regular model.onnx of at most ${MAX_MODEL_BYTES / 1024 ** 3} GiB`);
        throw error;
      });
      if (model!.name !== this.repository.name) throw new HttpError(400, `${dir} holds model ${model!.name}; this server serves ${this.repository.name}`);
      const version = await ServedVersion.load(model!, this.options, this.metrics);
      try {
        this.swap({ add: [version], split: split ?? null });
      } catch (error) {
        await version.release();
        throw error;
      }
      this.onEvent?.({ event: 'load', model: this.repository.name, version: version.version, dir: model!.dir });
      return this.summary();
    });
  }

  unload(name: string, version: string): Promise<RepositorySummary> {
    return this.serial(async () => {
      this.checkName(name);
      if (!this.repository.get(version)) throw new HttpError(404, `${this.repository.name} has no version ${version}`);
      this.swap({ remove: [version] });
      this.onEvent?.({ event: 'unload', model: this.repository.name, version });
      return this.summary();
    });
  }

  setSplit(name: string, split: TrafficSplit | null): Promise<RepositorySummary> {
    return this.serial(async () => {
      this.checkName(name);
      this.swap({ split });
      return this.summary();
    });
  }

  /** Reads every served directory again and swaps the result in at once (SIGHUP). */
  reload(): Promise<RepositorySummary> {
    return this.serial(async () => {
      const dirs = [...new Set(this.repository.all().map((version) => version.model.dir))];
      const models = await loadModelDirs(dirs);
      if (models[0]!.name !== this.repository.name) throw new HttpError(400, `the model directories now hold ${models[0]!.name}, not ${this.repository.name}`);
      const versions = await loadAll(models, this.options, this.metrics);
      try {
        this.swap({ add: versions, keepOnly: true });
      } catch (error) {
        await Promise.all(versions.map((version) => version.release()));
        throw error;
      }
      this.onEvent?.({ event: 'reload', model: this.repository.name, versions: versions.map((v) => v.version) });
      return this.summary();
    });
  }

  /** Releases every session once its queue is drained. */
  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await Promise.all(this.repository.all().map((version) => version.retire()));
  }

  private swap(update: Parameters<ModelRepository['replace']>[0]): void {
    const retired = this.repository.replace(update);
    for (const version of retired) {
      version.retire().catch((error: Error) => this.onEvent?.({ event: 'error', message: `releasing ${version.name} version ${version.version}: ${error.message}` }));
    }
  }

  private checkName(name: string): void {
    if (name !== this.repository.name) throw new HttpError(404, `unknown model "${name}"; this server serves ${this.repository.name}`);
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

async function loadAll(models: ModelDir[], options: VersionLoadOptions, metrics: ServeMetrics): Promise<ServedVersion[]> {
  const loaded: ServedVersion[] = [];
  try {
    for (const model of models) loaded.push(await ServedVersion.load(model, options, metrics));
    return loaded;
  } catch (error) {
    await Promise.all(loaded.map((version) => version.release()));
    throw error;
  }
}
