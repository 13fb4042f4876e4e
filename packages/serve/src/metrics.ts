/**
 * Prometheus metrics (prom-client, one registry per process). Names and labels are a contract
 * (docs/serve.md); with several workers the primary aggregates every worker's registry.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type LabelValues } from 'prom-client';

export const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const FINE_BUCKETS = [0.0001, 0.00025, ...DURATION_BUCKETS];
export const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

type VersionLabels = 'model' | 'version';

/** Something whose queued rows the `mlship_queue_rows` gauge reports. */
export interface QueueSource {
  readonly labels: LabelValues<VersionLabels>;
  readonly queuedRows: number;
}

/** The metric children of one model version, looked up once instead of on every request. */
export class VersionMetrics {
  private readonly counters = new Map<number, Counter.Internal>();
  private readonly unknownCategories = new Map<string, Counter.Internal>();
  readonly requestDuration: Histogram.Internal<VersionLabels>;
  readonly queueDuration: Histogram.Internal<VersionLabels>;
  readonly inferenceDuration: Histogram.Internal<VersionLabels>;
  readonly batchSize: Histogram.Internal<VersionLabels>;
  readonly extraFields: Counter.Internal;

  constructor(
    private readonly metrics: ServeMetrics,
    readonly labels: LabelValues<VersionLabels>,
  ) {
    this.requestDuration = metrics.requestDuration.labels(labels);
    this.queueDuration = metrics.queueDuration.labels(labels);
    this.inferenceDuration = metrics.inferenceDuration.labels(labels);
    this.batchSize = metrics.batchSize.labels(labels);
    this.extraFields = metrics.extraFields.labels(labels);
  }

  /** Counts a category value not seen in training, by feature (feature names come from the signature, a bounded set). */
  unknownCategory(feature: string): void {
    let counter = this.unknownCategories.get(feature);
    if (!counter) {
      counter = this.metrics.unknownCategories.labels({ ...this.labels, feature });
      this.unknownCategories.set(feature, counter);
    }
    counter.inc();
  }

  /** Counts a finished request and observes its duration (seconds). */
  request(code: number, seconds: number): void {
    let counter = this.counters.get(code);
    if (!counter) {
      counter = this.metrics.requests.labels({ ...this.labels, code: String(code) });
      this.counters.set(code, counter);
    }
    counter.inc();
    this.requestDuration.observe(seconds);
  }
}

export class ServeMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'model' | 'version' | 'code'>;
  readonly requestDuration: Histogram<VersionLabels>;
  readonly queueDuration: Histogram<VersionLabels>;
  readonly inferenceDuration: Histogram<VersionLabels>;
  readonly batchSize: Histogram<VersionLabels>;
  readonly queueRows: Gauge<VersionLabels>;
  readonly extraFields: Counter<VersionLabels>;
  readonly unknownCategories: Counter<VersionLabels | 'feature'>;
  readonly logLines: Counter;
  readonly logDropped: Counter;
  /** Requests that named no served model (404s, auth failures): one label set, not one per bad name. */
  readonly unrouted: VersionMetrics;
  private readonly queues = new Set<QueueSource>();
  private readonly versions = new Map<string, VersionMetrics>();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const queues = this.queues;
    this.requests = new Counter({ name: 'mlship_inference_requests_total', help: 'Requests answered, by model, version and HTTP status code', labelNames: ['model', 'version', 'code'], registers });
    this.requestDuration = new Histogram({ name: 'mlship_request_duration_seconds', help: 'Time from request arrival to the response, seconds', labelNames: ['model', 'version'], buckets: DURATION_BUCKETS, registers });
    this.queueDuration = new Histogram({ name: 'mlship_queue_duration_seconds', help: 'Time a request waited in the batch queue, seconds', labelNames: ['model', 'version'], buckets: FINE_BUCKETS, registers });
    this.inferenceDuration = new Histogram({ name: 'mlship_inference_duration_seconds', help: 'ONNX Runtime time of one batch, seconds', labelNames: ['model', 'version'], buckets: FINE_BUCKETS, registers });
    this.batchSize = new Histogram({ name: 'mlship_batch_size', help: 'Rows per ONNX Runtime run', labelNames: ['model', 'version'], buckets: BATCH_BUCKETS, registers });
    this.queueRows = new Gauge({
      name: 'mlship_queue_rows',
      help: 'Rows waiting in the batch queue',
      labelNames: ['model', 'version'],
      registers,
      collect() {
        this.reset();
        for (const queue of queues) this.inc(queue.labels, queue.queuedRows);
      },
    });
    this.extraFields = new Counter({ name: 'mlship_extra_fields_total', help: 'Fields of V1 instances ignored: neither a feature (or input) nor echoed', labelNames: ['model', 'version'], registers });
    this.unknownCategories = new Counter({ name: 'mlship_unknown_category_total', help: 'Category values of V1 instances not seen in training (encoded as unknown), by feature', labelNames: ['model', 'version', 'feature'], registers });
    this.logLines = new Counter({ name: 'mlship_prediction_log_lines_total', help: 'Prediction log lines written', registers });
    this.logDropped = new Counter({ name: 'mlship_prediction_log_dropped_total', help: 'Prediction log lines dropped (buffer full or write errors)', registers });
    this.unrouted = new VersionMetrics(this, { model: '', version: '' });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  forVersion(model: string, version: string): VersionMetrics {
    const key = `${model}\u0000${version}`;
    let metrics = this.versions.get(key);
    if (!metrics) {
      metrics = new VersionMetrics(this, { model, version });
      this.versions.set(key, metrics);
    }
    return metrics;
  }

  addQueue(queue: QueueSource): void {
    this.queues.add(queue);
  }

  removeQueue(queue: QueueSource): void {
    this.queues.delete(queue);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
