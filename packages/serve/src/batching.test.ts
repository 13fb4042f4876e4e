/** @jest-environment ./packages/serve/test/main-realm-environment.js */
// Dynamic batching: concurrent requests share ONNX Runtime runs, never above maxBatchSize, with the same results.
import { join } from 'node:path';
import type { RunningServer } from './index.js';
import type { Tensor } from 'onnxruntime-node';
import { makeTempDir } from '@mlship/test-utils';
import { Batcher, InferJob, type BatchTarget, type RunOutputs } from './batcher.js';
import type { VersionMetrics } from './metrics.js';
import { batchesAlongFirstDim } from './served-version.js';
import { call, columnSumModel, metricValue, rowSumModel, serverPool, writeIris, writeModelDir } from '../test/helpers.js';

const { dir } = await makeTempDir('mlship-serve-batching-');
const irisDir = writeIris(join(dir, 'iris'));
const sumDir = writeModelDir(join(dir, 'rowsum'), rowSumModel(), {});
const serve = serverPool(dir, [irisDir]);

function rowOf(i: number): number[] {
  return [4 + (i % 37) / 10, 2 + (i % 13) / 10, 1 + (i % 53) / 10, i % 3];
}

async function inferRows(server: RunningServer, count: number): Promise<number[][]> {
  const responses = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      i % 4 === 3
        ? call(`${server.url}/v1/predict`, { body: { instances: [rowOf(i).slice(0, 3).concat(['red', 'green', 'blue'][i % 3] as unknown as number)] } })
        : call(`${server.url}/v2/models/iris/infer`, { body: { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: rowOf(i) }] } }),
    ),
  );
  return responses.map((response, i) => {
    expect([i, response.status]).toEqual([i, 200]);
    return i % 4 === 3 ? Object.values(response.body.predictions[0].probabilities as Record<string, number>) : response.body.outputs[0].data;
  });
}

async function batchStats(server: RunningServer): Promise<{ batches: number; rows: number; single: number; withinMax: (max: number) => number }> {
  const text = (await call(`${server.url}/metrics`)).text;
  return {
    batches: metricValue(text, /^mlship_batch_size_count\{/),
    rows: metricValue(text, /^mlship_batch_size_sum\{/),
    single: metricValue(text, /^mlship_batch_size_bucket\{le="1",/),
    withinMax: (max) => metricValue(text, new RegExp(`^mlship_batch_size_bucket\\{le="${max}",`)),
  };
}

describe('dynamic batching', () => {
  it('runs 64 concurrent single-row requests (V2 and V1 mixed) in batches above 1 and never above maxBatchSize, with unbatched results', async () => {
    const batched = await serve({ maxBatchSize: 16, maxQueueDelayMicros: 20_000 });
    const alone = await serve({ batching: false });
    const together = await inferRows(batched, 64);
    const stats = await batchStats(batched);
    expect(stats.rows).toBe(64);
    expect(stats.batches).toBeLessThan(64);
    expect(stats.batches).toBeGreaterThanOrEqual(4);
    expect(stats.single).toBeLessThan(stats.batches); // some batch held more than one row
    expect(stats.withinMax(16)).toBe(stats.batches); // every batch ≤ 16 rows

    const separate = await inferRows(alone, 64);
    const aloneStats = await batchStats(alone);
    expect(aloneStats.batches).toBe(64);
    expect(aloneStats.single).toBe(64);
    together.forEach((values, i) => values.forEach((value, c) => expect(Math.abs(value - separate[i]![c]!)).toBeLessThanOrEqual(1e-6)));
  });

  it('runs a request larger than maxBatchSize alone and unsplit', async () => {
    const server = await serve({ maxBatchSize: 8 });
    const rows = Array.from({ length: 20 }, (_, i) => rowOf(i));
    const response = await call(`${server.url}/v2/models/iris/infer`, { body: { inputs: [{ name: 'features', shape: [20, 4], datatype: 'FP32', data: rows }] } });
    expect(response.status).toBe(200);
    expect(response.body.outputs[0].shape).toEqual([20, 3]);
    const stats = await batchStats(server);
    expect(stats.batches).toBe(1);
    expect(stats.rows).toBe(20);
  });

  it('batches only requests whose other dimensions agree', async () => {
    const server = await serve({ maxQueueDelayMicros: 20_000 }, [sumDir]);
    const requests = Array.from({ length: 24 }, (_, i) => {
      const width = 1 + (i % 3);
      const values = Array.from({ length: width }, (_, k) => i + k / 4);
      return { values, expected: values.reduce((a, b) => a + b, 0) };
    });
    const responses = await Promise.all(
      requests.map(({ values }) => call(`${server.url}/v2/models/rowsum/infer`, { body: { inputs: [{ name: 'values', shape: [1, values.length], datatype: 'FP32', data: values }] } })),
    );
    responses.forEach((response, i) => {
      expect(response.status).toBe(200);
      expect(response.body.outputs[0].data).toEqual([requests[i]!.expected]);
    });
    const stats = await batchStats(server);
    expect(stats.rows).toBe(24);
    expect(stats.batches).toBeGreaterThanOrEqual(3);
  });
});

describe('which models batch', () => {
  it('batches only when every first dimension is dynamic and, where named, one name', () => {
    const spec = (shape: (number | string | null)[] | undefined) => ({ name: 'x', type: 'float32' as const, datatype: 'FP32' as const, shape });
    expect(batchesAlongFirstDim([spec(['N', 4])], [spec(['N', 3])])).toBe(true);
    expect(batchesAlongFirstDim([spec([null, 4])], [spec(['N', 3])])).toBe(true);
    expect(batchesAlongFirstDim([spec(['N', 4])], [spec(['K', 3])])).toBe(false);
    expect(batchesAlongFirstDim([spec(['N', 4])], [spec([1, 3])])).toBe(false);
    expect(batchesAlongFirstDim([spec(['N', 4])], [spec(undefined)])).toBe(false);
  });

  it('runs a model whose output first dimension is not the batch (K beside N) one request at a time, answering the whole output', async () => {
    const server = await serve({ maxQueueDelayMicros: 100_000 }, [writeModelDir(join(dir, 'colsum'), columnSumModel(), {}, { name: 'colsum', version: 1 })]);
    const request = (rows: number[][]) => call(`${server.url}/v2/models/colsum/infer`, { body: { inputs: [{ name: 'x', shape: [rows.length, 2], datatype: 'FP32', data: rows.flat() }] } });
    const [a, b] = await Promise.all([request([[1, 2], [3, 4], [5, 6]]), request([[10, 20]])]);
    expect([a.status, a.body.outputs]).toEqual([200, [{ name: 'total', datatype: 'FP32', shape: [1, 2], data: [9, 12] }]]);
    expect([b.status, b.body.outputs]).toEqual([200, [{ name: 'total', datatype: 'FP32', shape: [1, 2], data: [10, 20] }]]);
    const stats = await batchStats(server);
    expect(stats.batches).toBe(2);
  });
});

describe('a failed batch', () => {
  class TestJob extends InferJob {
    answers: number[] = [];
    gone = false;
    constructor(value: number) {
      super();
      this.rows = 1;
      this.data = [Float32Array.from([value])];
      this.dims = [[1, 1]];
    }
    complete(): void {
      this.settled = true;
      this.answers.push(200);
    }
    fail(status: number): void {
      if (this.settled) return;
      this.settled = true;
      this.answers.push(status);
    }
    abandoned(): boolean {
      return this.gone;
    }
  }

  it('reruns alone only the jobs still awaited and in time; the rest get 504 or nothing', async () => {
    const runs: number[] = [];
    let jobs: TestJob[] = [];
    const target: BatchTarget = {
      inputNames: ['x'],
      inputTypes: ['float32'],
      canBatch: true,
      makeTensor: (_type, data, dims) => ({ data, dims, size: data.length }) as unknown as Tensor,
      run: async (feeds) => {
        const rows = feeds.x!.dims[0]!;
        runs.push(rows);
        if (rows > 1) {
          // While the batch runs: one client leaves, one job's deadline passes.
          jobs[1]!.gone = true;
          jobs[2]!.deadline = 0;
          throw new Error('batch failed');
        }
        return { y: feeds.x! } as RunOutputs;
      },
    };
    const histogram = { observe: () => undefined };
    const metrics = { labels: {}, queueDuration: histogram, inferenceDuration: histogram, batchSize: histogram } as unknown as VersionMetrics;
    const batcher = new Batcher(target, { batching: true, maxBatchSize: 8, maxQueueDelayMicros: 20_000, maxQueueRows: 100, maxQueueElements: 100, timeoutMs: 5000 }, metrics);
    jobs = [new TestJob(1), new TestJob(2), new TestJob(3), new TestJob(4)];
    for (const job of jobs) expect(batcher.submit(job)).toBe('queued');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await batcher.idle();
    expect(runs).toEqual([4, 1, 1]);
    expect(jobs.map((job) => job.answers)).toEqual([[200], [], [504], [200]]);
  });
});
