/** @jest-environment ./packages/serve/test/main-realm-environment.js */
// The prediction log: records, sampling, rotation, and failures that never reach requests.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, Registry } from 'prom-client';
import { makeTempDir } from '@mlship/test-utils';
import { startServer } from './index.js';
import { PredictionLog } from './prediction-log.js';
import { createRandom } from './random.js';
import { call, mixedModel, wideModel, writeIris, writeModelDir } from '../test/helpers.js';

const { dir } = await makeTempDir('mlship-serve-plog-');
const irisDir = writeIris(join(dir, 'iris'));
const mixedDir = writeModelDir(join(dir, 'mixed'), mixedModel(), {}, { name: 'mixed', version: 2 });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('prediction log', () => {
  it('writes one JSON line per row: time, request id, model, version, raw features, label, probabilities, latency', async () => {
    const logDir = join(dir, 'log-iris');
    const server = await startServer({ models: [irisDir], port: 0, logDir });
    const v1 = await call(`${server.url}/v1/predict`, { body: { instances: [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, colour: 'red' }, [6.2, 2.9, 4.3, 'mauve']] }, headers: { 'x-request-id': 'req-7' } });
    const v2 = await call(`${server.url}/v2/models/iris/infer`, { body: { id: 'v2-1', inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [7.5, 3, 6, 2] }] } });
    expect((await call(`${server.url}/v1/predict`, { body: { instances: [[1, 2]] } })).status).toBe(400);
    await server.close();
    const lines = readLines(join(logDir, 'predictions-0.jsonl'));
    expect(lines).toHaveLength(3);
    const [first, second, third] = lines;
    expect(first).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      request_id: 'req-7',
      row: 0,
      model: 'iris',
      version: '1',
      features: { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, colour: 'red' },
      prediction: v1.body.predictions[0].label,
      probabilities: v1.body.predictions[0].probabilities,
      latency_ms: expect.any(Number),
    });
    expect(second).toMatchObject({ request_id: 'req-7', row: 1, features: { sepal_length: 6.2, colour: 'mauve' }, prediction: v1.body.predictions[1].label });
    // V2 rows carry category indexes; the log names the category.
    expect(third).toMatchObject({ request_id: 'v2-1', row: 0, features: { sepal_length: 7.5, sepal_width: 3, petal_length: 6, colour: 'blue' } });
    const probabilities = Object.values(third!.probabilities as Record<string, number>);
    expect(probabilities).toEqual(v2.body.outputs[0].data);
  });

  it('logs input shapes and small values, and outputs, for non-tabular models', async () => {
    const logDir = join(dir, 'log-mixed');
    const server = await startServer({ models: [mixedDir], port: 0, logDir });
    await call(`${server.url}/v2/models/mixed/infer`, {
      body: {
        inputs: [
          { name: 'x', shape: [1, 2], datatype: 'FP64', data: [1.5, 2] },
          { name: 'k', shape: [1, 1], datatype: 'INT64', data: [4] },
        ],
      },
    });
    await server.close();
    const [line] = readLines(join(logDir, 'predictions-0.jsonl'));
    expect(line).toMatchObject({
      model: 'mixed',
      version: '2',
      inputs: { x: { shape: [2], values: [1.5, 2] }, k: { shape: [1], values: [4] } },
      prediction: { sum: [7.5], twice: [8] },
    });
  });

  it('samples a fraction of rows', async () => {
    const logDir = join(dir, 'log-sample');
    const server = await startServer({ models: [irisDir], port: 0, logDir, logSample: 0.25, seed: 3 });
    const instances = Array.from({ length: 100 }, (_, i) => [5 + i / 100, 3, 1, 'red']);
    for (let i = 0; i < 4; i++) expect((await call(`${server.url}/v1/predict`, { body: { instances } })).status).toBe(200);
    await server.close();
    const count = readLines(join(logDir, 'predictions-0.jsonl')).length;
    expect(count).toBeGreaterThan(60);
    expect(count).toBeLessThan(140);
  });

  it('rotates by size and keeps logMaxFiles files', async () => {
    const logDir = join(dir, 'log-rotate');
    const server = await startServer({ models: [irisDir], port: 0, logDir, logMaxBytes: 4096, logMaxFiles: 2 });
    for (let i = 0; i < 12; i++) {
      const instances = Array.from({ length: 10 }, () => [5, 3, 1, 'red']);
      expect((await call(`${server.url}/v1/predict`, { body: { instances } })).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 120)); // one flush per request
    }
    await server.close();
    expect(readdirSync(logDir).sort()).toEqual(['predictions-0.jsonl', 'predictions-0.jsonl.1', 'predictions-0.jsonl.2']);
    for (const file of readdirSync(logDir)) {
      const text = readFileSync(join(logDir, file), 'utf8');
      expect(text.length).toBeLessThanOrEqual(4096);
      expect(readLines(join(logDir, file)).every((line) => line.model === 'iris')).toBe(true);
    }
  });

  it('spreads one flush holding more than maxBytes over rotated files, none past the limit', async () => {
    const logDir = join(dir, 'log-big-flush');
    const log = await PredictionLog.open({ dir: logDir, worker: 5, sample: 1, maxBytes: 1000, maxFiles: 3, random: createRandom(1) });
    for (let i = 0; i < 20; i++) log.write({ i, pad: 'p'.repeat(90) });
    await log.flush();
    await log.close();
    const files = readdirSync(logDir).sort();
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) expect(readFileSync(join(logDir, file), 'utf8').length).toBeLessThanOrEqual(1000);
    // Oldest file first: every line is there, in order.
    const lines = [...files].reverse().flatMap((file) => readLines(join(logDir, file)));
    expect(lines.map((line) => line.i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('drops lines it cannot write, counts them and reports, without throwing', async () => {
    const logDir = join(dir, 'log-broken');
    const registry = new Registry();
    const dropped = new Counter({ name: 'dropped', help: 'x', registers: [registry] });
    const errors: string[] = [];
    const log = await PredictionLog.open({ dir: logDir, worker: 3, sample: 1, maxBytes: 200, maxFiles: 1, random: createRandom(1), dropped, onError: (error) => errors.push(error.message) });
    // Rotation renames into predictions-3.jsonl.1, which is a non-empty directory here: every rotation fails.
    mkdirSync(join(logDir, 'predictions-3.jsonl.1'));
    writeFileSync(join(logDir, 'predictions-3.jsonl.1', 'x'), 'x');
    log.write({ a: 'x'.repeat(150) });
    await log.flush();
    log.write({ b: 'y'.repeat(150) });
    await log.flush();
    await log.close();
    expect(errors.length).toBeGreaterThan(0);
    expect((await registry.getSingleMetric('dropped')!.get()).values[0]!.value).toBe(1);
    expect(readLines(join(logDir, 'predictions-3.jsonl'))).toEqual([{ a: 'x'.repeat(150) }]);
    expect(existsSync(join(logDir, 'predictions-3.jsonl.1', 'x'))).toBe(true);
  });

  it('logs the shape instead of the values of output rows over 64 elements, and caps the request id at 128 characters', async () => {
    const logDir = join(dir, 'log-wide');
    const wideDir = writeModelDir(join(dir, 'wide'), wideModel(100), {}, { name: 'wide', version: 1 });
    const server = await startServer({ models: [wideDir], port: 0, logDir });
    const id = 'i'.repeat(5000);
    const response = await call(`${server.url}/v2/models/wide/infer`, { body: { id, inputs: [{ name: 'values', shape: [2, 100], datatype: 'FP32', data: new Array(200).fill(0.5) }] } });
    expect(response.status).toBe(200);
    expect(response.body.id).toBe(id);
    await server.close();
    const lines = readLines(join(logDir, 'predictions-0.jsonl'));
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line.request_id).toBe('i'.repeat(128));
      expect(line.inputs).toEqual({ values: { shape: [100] } });
      expect(line.prediction).toEqual({ shape: [100] });
    }
  });

  it('starts a new live file when the old one was deleted, instead of failing every rotation', async () => {
    const logDir = join(dir, 'log-deleted');
    const registry = new Registry();
    const dropped = new Counter({ name: 'dropped', help: 'x', registers: [registry] });
    const errors: string[] = [];
    const log = await PredictionLog.open({ dir: logDir, worker: 0, sample: 1, maxBytes: 1024, maxFiles: 2, random: createRandom(1), dropped, onError: (error) => errors.push(error.message) });
    log.write({ a: 'x'.repeat(600) });
    await log.flush();
    unlinkSync(log.path); // moved or deleted from outside
    for (let i = 0; i < 3; i++) {
      log.write({ i, b: 'y'.repeat(600) });
      await log.flush();
    }
    await log.close();
    expect(errors).toEqual([]);
    expect((await registry.getSingleMetric('dropped')!.get()).values[0]!.value).toBe(0);
    const live = readLines(log.path);
    expect(live.length).toBeGreaterThan(0);
    expect(live[live.length - 1]).toEqual({ i: 2, b: 'y'.repeat(600) });
  });
});

describe('the log directory', () => {
  it('fails fast with a coded error for a directory that cannot be made (procfs), instead of spinning', async () => {
    const started = Date.now();
    for (const logDir of ['/proc/self/logs', '/proc/self/nope/deeper']) {
      await expect(startServer({ models: [irisDir], port: 0, logDir })).rejects.toMatchObject({
        code: 'MLSHIP_E_SERVE_OPTIONS',
        exitCode: 2,
        message: expect.stringMatching(/cannot open the prediction log in \/proc\/self\//),
      });
    }
    // Under a regular file, too.
    writeFileSync(join(dir, 'a-file'), 'x');
    await expect(startServer({ models: [irisDir], port: 0, logDir: join(dir, 'a-file', 'logs') })).rejects.toMatchObject({ code: 'MLSHIP_E_SERVE_OPTIONS' });
    expect(Date.now() - started).toBeLessThan(5000);
    // A missing chain of directories is still made.
    const nested = join(dir, 'new', 'nested', 'logs');
    const server = await startServer({ models: [irisDir], port: 0, logDir: nested });
    await server.close();
    expect(existsSync(join(nested, 'predictions-0.jsonl'))).toBe(true);
  }, 10_000);
});
