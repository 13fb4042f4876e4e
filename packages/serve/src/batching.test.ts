/** @jest-environment ./packages/serve/test/main-realm-environment.js */
// Dynamic batching: concurrent requests share ONNX Runtime runs, never above maxBatchSize, with the same results.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type RunningServer } from './index.js';
import { call, metricValue, rowSumModel, tempDir, writeIris, writeModelDir } from './test-helpers.js';

const dir = tempDir('batching');
const irisDir = writeIris(join(dir, 'iris'));
const sumDir = writeModelDir(join(dir, 'rowsum'), rowSumModel(), {});
const servers: RunningServer[] = [];

afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function serve(options: Partial<Parameters<typeof startServer>[0]>, models = [irisDir]): Promise<RunningServer> {
  const server = await startServer({ models, port: 0, ...options });
  servers.push(server);
  return server;
}

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
