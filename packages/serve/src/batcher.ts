/**
 * Dynamic batching for one model version (docs/serve.md#batching). Requests queue as jobs; a batch
 * takes jobs from the head, in order, while their rows fit `maxBatchSize` and their non-batch
 * dimensions agree, concatenates them along axis 0 and makes one ONNX Runtime run. A job with more
 * rows than `maxBatchSize` runs alone, unsplit. A batch starts once `maxBatchSize` rows wait or the
 * oldest job has waited `maxQueueDelayMicros`. onnxruntime-node runs a session on the JavaScript
 * thread, so one batch runs at a time per process; workers scale across cores.
 *
 * Every job has a deadline (`timeoutMs` after it was queued): a job still queued at its deadline is
 * dropped and answered 504; a job whose batch ends after its deadline is answered 504 too.
 */
import type { Tensor } from 'onnxruntime-node';
import { allocate, type TensorData, type TensorType } from './datatypes.js';
import type { VersionMetrics } from './metrics.js';

export type RunOutputs = Record<string, Tensor>;

/** One request's rows: its typed arrays per model input, and how to answer it. */
export abstract class InferJob {
  /** Rows along axis 0 (1 for a model that does not batch). */
  rows = 0;
  /** Data per model input, in the version's input order, already in the input's type. */
  data: TensorData[] = [];
  /** Full dimensions per model input. */
  dims: number[][] = [];
  /** Elements across all inputs (what the job holds in memory while queued). */
  get elements(): number {
    let total = 0;
    for (const part of this.data) total += part.length;
    return total;
  }
  enqueuedAt = 0;
  deadline = 0;
  /** Set once answered; a settled job is never answered again. */
  settled = false;

  /** Answers with rows [offset, offset + rows) of `outputs`. */
  abstract complete(outputs: RunOutputs, offset: number, batchRows: number): void;
  abstract fail(status: number, message: string): void;
  /** True when nobody waits for the answer any more (the client went away). */
  abstract abandoned(): boolean;
}

/** The version a batcher feeds. */
export interface BatchTarget {
  readonly inputNames: readonly string[];
  readonly inputTypes: readonly TensorType[];
  /** Every input and output has a dynamic first dimension. */
  readonly canBatch: boolean;
  run(feeds: Record<string, Tensor>): Promise<RunOutputs>;
  makeTensor(type: TensorType, data: TensorData, dims: readonly number[]): Tensor;
}

export interface BatcherOptions {
  /** False: every job runs alone (`--no-batching`). */
  batching: boolean;
  maxBatchSize: number;
  maxQueueDelayMicros: number;
  maxQueueRows: number;
  /** Elements (across inputs) that may wait: a bound on queued memory, since one row can be large. */
  maxQueueElements: number;
  timeoutMs: number;
}

/** What submit did: queued, or refused because the rows or the elements would pass the queue bound. */
export type SubmitResult = 'queued' | 'rows' | 'elements';

const now = (): number => performance.now();

export class Batcher {
  private queue: InferJob[] = [];
  private head = 0;
  queuedRows = 0;
  queuedElements = 0;
  private running = false;
  private polling = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private idleWaiters: Array<() => void> = [];
  private readonly delayMs: number;
  private readonly merge: boolean;
  private readonly poll = (): void => this.onPoll();
  private readonly expire = (): void => this.onExpire();

  constructor(
    private readonly target: BatchTarget,
    private readonly options: BatcherOptions,
    private readonly metrics: VersionMetrics,
  ) {
    this.delayMs = options.maxQueueDelayMicros / 1000;
    this.merge = options.batching && target.canBatch;
  }

  get labels(): VersionMetrics['labels'] {
    return this.metrics.labels;
  }

  /** Queues the job, unless its rows or elements do not fit the queue (the caller answers 503). */
  submit(job: InferJob): SubmitResult {
    if (this.queuedRows + job.rows > this.options.maxQueueRows) return 'rows';
    const elements = job.elements;
    if (this.queuedElements + elements > this.options.maxQueueElements) return 'elements';
    const time = now();
    job.enqueuedAt = time;
    job.deadline = time + this.options.timeoutMs;
    this.queue.push(job);
    this.queuedRows += job.rows;
    this.queuedElements += elements;
    if (this.timerAt === Infinity) this.armTimer(job.deadline);
    if (!this.running && !this.polling) {
      this.polling = true;
      setImmediate(this.poll);
    }
    return 'queued';
  }

  /** Resolves once nothing is queued or running (for draining a retired version). */
  idle(): Promise<void> {
    if (!this.running && this.head === this.queue.length) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private get length(): number {
    return this.queue.length - this.head;
  }

  private shift(): InferJob {
    const job = this.queue[this.head]!;
    this.queue[this.head] = undefined as unknown as InferJob;
    this.head++;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.queuedRows -= job.rows;
    this.queuedElements -= job.elements;
    return job;
  }

  /** Answers 504 to jobs at the head whose deadline passed, and those whose client left. */
  private dropStale(time: number): void {
    while (this.length > 0) {
      const job = this.queue[this.head]!;
      if (job.settled || job.abandoned()) {
        this.shift();
        job.settled = true;
      } else if (job.deadline <= time) {
        this.shift();
        job.fail(504, `inference timed out after ${this.options.timeoutMs} ms in the queue`);
      } else {
        break;
      }
    }
  }

  private armTimer(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.expire, Math.max(1, Math.ceil(at - now())));
    this.timer.unref();
  }

  private onExpire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    this.dropStale(now());
    if (this.length > 0) this.armTimer(this.queue[this.head]!.deadline);
    else this.notifyIdle();
  }

  private onPoll(): void {
    this.polling = false;
    if (this.running) return;
    const time = now();
    this.dropStale(time);
    if (this.length === 0) {
      this.notifyIdle();
      return;
    }
    if (this.merge && this.queuedRows < this.options.maxBatchSize && this.delayMs > 0) {
      const remaining = this.queue[this.head]!.enqueuedAt + this.delayMs - time;
      if (remaining > 0) {
        // Sub-millisecond waits poll the event loop (timers have 1 ms resolution); I/O is served in between.
        this.polling = true;
        if (remaining >= 1) setTimeout(this.poll, Math.floor(remaining));
        else setImmediate(this.poll);
        return;
      }
    }
    void this.runBatch(time);
  }

  private takeBatch(time: number): InferJob[] {
    const first = this.shift();
    const jobs = [first];
    if (!this.merge) return jobs;
    let rows = first.rows;
    const max = this.options.maxBatchSize;
    while (this.length > 0 && rows < max) {
      const job = this.queue[this.head]!;
      if (job.settled || job.abandoned()) {
        this.shift();
        job.settled = true;
        continue;
      }
      if (job.deadline <= time) {
        this.shift();
        job.fail(504, `inference timed out after ${this.options.timeoutMs} ms in the queue`);
        continue;
      }
      if (rows + job.rows > max || !sameTrailingDims(first, job)) break;
      this.shift();
      jobs.push(job);
      rows += job.rows;
    }
    return jobs;
  }

  private async runBatch(time: number): Promise<void> {
    this.running = true;
    const jobs = this.takeBatch(time);
    for (const job of jobs) this.metrics.queueDuration.observe((time - job.enqueuedAt) / 1000);
    try {
      try {
        await this.runJobs(jobs);
      } catch (error) {
        if (jobs.length === 1) {
          jobs[0]!.fail(500, `inference failed: ${firstLine(error)}`);
        } else {
          // One bad request must not fail its neighbours: rerun each alone that is still awaited and in time.
          for (const job of jobs) {
            if (job.settled) continue;
            if (job.abandoned()) {
              job.settled = true;
              continue;
            }
            if (job.deadline <= now()) {
              job.fail(504, `inference timed out after ${this.options.timeoutMs} ms`);
              continue;
            }
            try {
              await this.runJobs([job]);
            } catch (single) {
              job.fail(500, `inference failed: ${firstLine(single)}`);
            }
          }
        }
      }
    } finally {
      this.running = false;
      if (this.length > 0) {
        if (!this.polling) {
          this.polling = true;
          setImmediate(this.poll);
        }
      } else {
        this.notifyIdle();
      }
    }
  }

  private async runJobs(jobs: InferJob[]): Promise<void> {
    const target = this.target;
    const first = jobs[0]!;
    let rows = 0;
    for (const job of jobs) rows += job.rows;
    const feeds: Record<string, Tensor> = {};
    for (let i = 0; i < target.inputNames.length; i++) {
      const type = target.inputTypes[i]!;
      const firstDims = first.dims[i]!;
      if (jobs.length === 1) {
        feeds[target.inputNames[i]!] = target.makeTensor(type, first.data[i]!, firstDims);
        continue;
      }
      let rowSize = 1;
      for (let d = 1; d < firstDims.length; d++) rowSize *= firstDims[d]!;
      const data = allocate(type, rows * rowSize);
      let offset = 0;
      for (const job of jobs) {
        const part = job.data[i]!;
        if (Array.isArray(part)) {
          const strings = data as string[];
          for (let k = 0; k < part.length; k++) strings[offset + k] = part[k]!;
        } else {
          (data as Float32Array).set(part as Float32Array, offset);
        }
        offset += part.length;
      }
      const dims = firstDims.slice();
      dims[0] = rows;
      feeds[target.inputNames[i]!] = target.makeTensor(type, data, dims);
    }
    const started = now();
    const outputs = await target.run(feeds);
    const finished = now();
    this.metrics.inferenceDuration.observe((finished - started) / 1000);
    this.metrics.batchSize.observe(rows);
    let offset = 0;
    for (const job of jobs) {
      if (job.settled) {
        // answered meanwhile
      } else if (job.deadline < finished) {
        job.fail(504, `inference timed out after ${this.options.timeoutMs} ms`);
      } else if (!job.abandoned()) {
        job.complete(outputs, offset, rows);
      } else {
        job.settled = true;
      }
      offset += job.rows;
    }
  }

  private notifyIdle(): void {
    if (this.idleWaiters.length === 0 || this.running || this.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Stops the deadline timer (the version is released). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}

function sameTrailingDims(a: InferJob, b: InferJob): boolean {
  for (let i = 0; i < a.dims.length; i++) {
    const x = a.dims[i]!;
    const y = b.dims[i]!;
    if (x.length !== y.length) return false;
    for (let d = 1; d < x.length; d++) if (x[d] !== y[d]) return false;
  }
  return true;
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!;
}
