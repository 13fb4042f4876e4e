/** @jest-environment ./packages/serve/test/main-realm-environment.js */
// Versions side by side, traffic splits, the admin API and hot reload under load.
import { join } from 'node:path';
import { makeTempDir } from '@mlship/test-utils';
import { startServer } from './index.js';
import { call, irisModel, serverPool, writeIris, writeModelDir } from '../test/helpers.js';

const { dir } = await makeTempDir('mlship-serve-reload-');
const v1 = writeIris(join(dir, 'v1'), 1, 0);
const v2 = writeIris(join(dir, 'v2'), 2, 0.5);
const v3 = writeIris(join(dir, 'v3'), 3, 1);
const rose = writeModelDir(join(dir, 'rose'), irisModel(), {}, { name: 'rose', version: 1 });
const serve = serverPool(dir, [v1]);

const body = { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0] }] };

describe('versions side by side', () => {
  it('routes unversioned requests by the traffic split (90/10 within ±5 points over 1,000) and versioned ones to their version', async () => {
    const server = await serve({ models: [v1, v2], trafficSplit: { '1': 90, '2': 10 }, seed: 42 });
    const counts: Record<string, number> = { '1': 0, '2': 0 };
    for (let round = 0; round < 50; round++) {
      const responses = await Promise.all(Array.from({ length: 20 }, () => call(`${server.url}/v2/models/iris/infer`, { body })));
      for (const response of responses) counts[response.body.model_version as string]! += 1;
    }
    expect(counts['1']! + counts['2']!).toBe(1000);
    expect(Math.abs(counts['2']! / 1000 - 0.1)).toBeLessThanOrEqual(0.05);
    const pinned = await Promise.all(Array.from({ length: 20 }, () => call(`${server.url}/v2/models/iris/versions/2/infer`, { body })));
    expect(new Set(pinned.map((response) => response.body.model_version))).toEqual(new Set(['2']));
    // The two versions give different outputs: routing is visible in the data too.
    expect(pinned[0]!.body.outputs[0].data).not.toEqual((await call(`${server.url}/v2/models/iris/versions/1/infer`, { body })).body.outputs[0].data);
    expect((await call(`${server.url}/v2/models/iris`)).body.versions).toEqual(['1', '2']);
  });

  it('sends unversioned requests to the highest version without a split', async () => {
    const server = await serve({ models: [v2, v1] });
    expect((await call(`${server.url}/v2/models/iris/infer`, { body })).body.model_version).toBe('2');
  });

  it('refuses to start with two models or two directories of one version', async () => {
    await expect(startServer({ models: [v1, rose], port: 0 })).rejects.toMatchObject({ code: 'MLSHIP_E_SERVE_MODEL_DIR', message: expect.stringMatching(/one server serves one model/) });
    const copy = writeIris(join(dir, 'copy'), 1);
    await expect(startServer({ models: [v1, copy], port: 0 })).rejects.toMatchObject({ code: 'MLSHIP_E_SERVE_MODEL_DIR', message: expect.stringMatching(/both iris version 1/) });
    await expect(startServer({ models: [v1, v2], port: 0, trafficSplit: { '1': 50, '7': 50 } })).rejects.toThrow(/version 7, which is not loaded/);
  });
});

describe('admin API', () => {
  it('lists, loads, splits and unloads versions, with 4xx for bad calls', async () => {
    const server = await serve({ adminApi: true });
    const index = await call(`${server.url}/v2/repository/index`, { body: {} });
    expect(index.status).toBe(200);
    expect(index.body).toMatchObject({ name: 'iris', versions: [{ version: '1', state: 'READY', dir: v1, ref: 'models/iris:1', providers: ['cpu'] }], split: null });

    const load = await call(`${server.url}/v2/repository/models/iris/load`, { body: { dir: v2, split: { '1': 70, '2': 30 } } });
    expect(load.status).toBe(200);
    expect(load.body.versions.map((v: { version: string }) => v.version)).toEqual(['1', '2']);
    expect(load.body.split).toEqual({ '1': 70, '2': 30 });
    const split = await call(`${server.url}/v2/repository/models/iris/split`, { body: { split: { '2': 1 } } });
    expect(split.body.split).toEqual({ '2': 1 });
    expect((await call(`${server.url}/v2/models/iris/infer`, { body })).body.model_version).toBe('2');

    const bad: [string, unknown, number, RegExp][] = [
      ['/v2/repository/models/iris/load', { dir: join(dir, 'missing') }, 400, /missing is not a model directory this server can read/],
      ['/v2/repository/models/iris/load', { dir: rose }, 400, /holds model rose; this server serves iris/],
      ['/v2/repository/models/iris/load', {}, 400, /load needs \{"dir"/],
      ['/v2/repository/models/iris/load', { dir: v3, split: { '1': 'lots' } }, 400, /bad split entry/],
      ['/v2/repository/models/iris/load', { dir: v3, split: { '9': 10 } }, 400, /version 9, which is not loaded/],
      ['/v2/repository/models/rose/load', { dir: rose }, 404, /unknown model "rose"/],
      ['/v2/repository/models/iris/versions/8/unload', {}, 404, /no version 8/],
      ['/v2/repository/models/iris/split', { split: { '3': 1 } }, 400, /version 3, which is not loaded/],
      ['/v2/repository/models/iris/explode', {}, 404, /no route/],
    ];
    for (const [path, payload, status, message] of bad) {
      const response = await call(`${server.url}${path}`, { body: payload });
      expect([path, response.status, response.body.error]).toEqual([path, status, expect.stringMatching(message)]);
    }
    // A failed load changes nothing: version 3 did not stay loaded.
    expect((await call(`${server.url}/v2/repository/index`, { body: {} })).body.versions.map((v: { version: string }) => v.version)).toEqual(['1', '2']);

    const unload = await call(`${server.url}/v2/repository/models/iris/versions/2/unload`, { body: {} });
    expect(unload.status).toBe(200);
    expect(unload.body).toMatchObject({ versions: [{ version: '1' }], split: null });
    expect((await call(`${server.url}/v2/models/iris/versions/2/infer`, { body })).status).toBe(404);
    const last = await call(`${server.url}/v2/repository/models/iris/versions/1/unload`, { body: {} });
    expect(last.status).toBe(409);
    expect((await call(`${server.url}/v2/repository/index`)).status).toBe(405);
  });

  it('can be turned off', async () => {
    const server = await serve({ adminApi: false });
    expect((await call(`${server.url}/v2/repository/index`, { body: {} })).status).toBe(403);
  });

  it('is enabled only by admin tokens, or by adminApi on a loopback host with no tokens at all', async () => {
    // Every interface, no tokens: off, with a message saying how to turn it on.
    const open = await serve({ host: '0.0.0.0' });
    const refused = await call(`http://127.0.0.1:${open.port}/v2/repository/index`, { body: {} });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatch(/--admin-token-file/);
    expect((await call(`http://127.0.0.1:${open.port}/v2/models/iris/infer`, { body })).status).toBe(200);
    // Asked for where it cannot be on without admin tokens: refused at start.
    await expect(startServer({ models: [v1], port: 0, host: '0.0.0.0', adminApi: true })).rejects.toMatchObject({ code: 'MLSHIP_E_SERVE_OPTIONS', message: expect.stringMatching(/--admin without --admin-token-file on 0\.0\.0\.0/) });
    await expect(startServer({ models: [v1], port: 0, tokens: ['infer-token'], adminApi: true })).rejects.toMatchObject({ code: 'MLSHIP_E_SERVE_OPTIONS', message: expect.stringMatching(/--admin without --admin-token-file on a server with --token-file/) });
    // Inference tokens do not grant admin calls.
    const inference = await serve({ tokens: ['infer-token'] });
    const withInference = await call(`${inference.url}/v2/repository/index`, { body: {}, headers: { authorization: 'Bearer infer-token' } });
    expect([withInference.status, withInference.body.error]).toEqual([403, expect.stringMatching(/admin tokens, which are separate/)]);
    // Admin tokens: admin calls take those, on any host; inference keeps its own tokens.
    const both = await serve({ host: '0.0.0.0', tokens: ['infer-token'], adminTokens: ['admin-token'] });
    const url = `http://127.0.0.1:${both.port}`;
    expect((await call(`${url}/v2/repository/index`, { body: {} })).status).toBe(401);
    expect((await call(`${url}/v2/repository/index`, { body: {}, headers: { authorization: 'Bearer infer-token' } })).status).toBe(401);
    expect((await call(`${url}/v2/repository/index`, { body: {}, headers: { authorization: 'Bearer admin-token' } })).status).toBe(200);
    expect((await call(`${url}/v2/models/iris/infer`, { body, headers: { authorization: 'Bearer admin-token' } })).status).toBe(401);
    expect((await call(`${url}/v2/models/iris/infer`, { body, headers: { authorization: 'Bearer infer-token' } })).status).toBe(200);
  });

  it('loads, unloads and reloads under load without failing a request', async () => {
    const server = await serve({ maxQueueDelayMicros: 200, adminApi: true });
    let running = true;
    const statuses = new Map<number, number>();
    const versions = new Set<string>();
    const loop = async () => {
      while (running) {
        const response = await call(`${server.url}/v2/models/iris/infer`, { body });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 200) versions.add(response.body.model_version);
      }
    };
    const loops = Array.from({ length: 8 }, loop);
    const pause = () => new Promise((resolve) => setTimeout(resolve, 150));
    await pause();
    expect((await call(`${server.url}/v2/repository/models/iris/load`, { body: { dir: v2, split: { '1': 50, '2': 50 } } })).status).toBe(200);
    await pause();
    expect((await call(`${server.url}/v2/repository/models/iris/versions/1/unload`, { body: {} })).status).toBe(200);
    await pause();
    // Version 2's directory changes in place (new weights); a reload swaps it in.
    writeModelDir(v2, irisModel(0.25), {}, { name: 'iris', version: 2 });
    const reloaded = await server.reload();
    expect(reloaded.versions.map((v) => v.version)).toEqual(['2']);
    await pause();
    expect((await call(`${server.url}/v2/repository/models/iris/load`, { body: { dir: v3 } })).status).toBe(200);
    await pause();
    running = false;
    await Promise.all(loops);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(100);
    expect(Object.fromEntries(statuses)).toEqual({ 200: total });
    expect(versions).toEqual(new Set(['1', '2', '3']));
  });
});
