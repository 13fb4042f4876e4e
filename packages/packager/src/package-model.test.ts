import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readAll } from '@mlship/core';
import { ImageLabel, initRegistry, listArtifacts, readBlobVerified, resolveRef, tagArtifact } from '@mlship/registry';
import { caught, makeTempDir } from '@mlship/test-utils';
import type { ImageConfigDocument, Descriptor, OciManifest } from '@mlship/oci';
import { GIT, storeTestModel } from '../test/bundle-fixtures.js';
import { scanTar } from './image/tar-scan.js';
import { makeBaseLayout } from '../test/image-fixtures.js';
import { defaultRuntimeFile, insecureScope, packageModel, type PackageModelOptions } from './package-model.js';

const SOURCE = 'org.opencontainers.image.source';
const REVISION = 'org.opencontainers.image.revision';

describe('packageModel', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let registry: string;
  let runtimeFile: string;
  let server: Server;
  let host: string;
  let layoutBase: string;

  beforeAll(async () => {
    temp = await makeTempDir('mlship-package-model-');
    registry = (await initRegistry({ dir: join(temp.dir, 'project') })).registry;
    await storeTestModel(registry);
    await storeTestModel(registry, { name: 'plain', git: null });
    await tagArtifact({ registry, ref: 'models/iris:1', alias: 'production' });
    // A stand-in server runtime without the package list beside it: the bundle warns.
    runtimeFile = join(temp.dir, 'serve-runtime.mjs');
    await writeFile(runtimeFile, "import 'onnxruntime-node';\n");
    // A base whose labels describe the base's own source.
    const layout = await makeBaseLayout(join(temp.dir, 'base'), [{ os: 'linux', architecture: 'amd64' }], 'base', {
      [SOURCE]: 'https://example.com/base.git',
      [REVISION]: 'base-revision',
    });
    layoutBase = layout.reference;
    // The same base served by a minimal registry on loopback (plain HTTP).
    server = createServer((request, response) => {
      void (async () => {
        const match = /^\/v2\/base\/(manifests|blobs)\/(.+)$/.exec(request.url ?? '');
        if (!match) {
          response.writeHead(request.url === '/v2/' ? 200 : 404);
          return response.end();
        }
        const digest = match[2] === '1' ? layout.digest : match[2]!;
        const bytes = await readFile(join(layout.dir, 'blobs', 'sha256', digest.slice(7))).catch(() => undefined);
        if (!bytes) {
          response.writeHead(404);
          return response.end();
        }
        const headers: Record<string, string | number> = { 'content-length': bytes.length, 'docker-content-digest': digest };
        if (match[1] === 'manifests') headers['content-type'] = 'application/vnd.oci.image.manifest.v1+json';
        response.writeHead(200, headers);
        response.end(bytes);
      })();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((done) => server?.close(done));
    await temp?.cleanup();
  });

  const run = (extra: Partial<PackageModelOptions>) =>
    packageModel({ registry, ref: 'models/iris:1', target: 'cpu', base: `${host}/base:1`, insecure: true, runtimeFile, ...extra });

  const configOf = async (manifest: string): Promise<ImageConfigDocument> => {
    const document = JSON.parse((await readBlobVerified(registry, manifest as `sha256:${string}`)).toString('utf8')) as OciManifest;
    return JSON.parse((await readBlobVerified(registry, document.config.digest)).toString('utf8')) as ImageConfigDocument;
  };

  it('gives the same image however the model version and the base are spelled, and adds no packages/ version for it', async () => {
    const first = await run({});
    expect(first.base).toBe(`${host}/base:1`);
    expect(first.package.reused).toBe(false);
    expect(first.warnings).toEqual(expect.arrayContaining([expect.stringContaining('serve-runtime.packages.json is missing')]));
    for (const [ref, base] of [
      ['models/iris', `docker://${host}/base:1`],
      ['models/iris@production', `${host}/base:1`],
    ] as const) {
      const again = await run({ ref, base });
      expect(again.image.digest).toBe(first.image.digest);
      expect(again.image).toMatchObject({ ref: first.image.ref, reused: true });
      expect(again.package).toEqual({ ...first.package, reused: true });
    }
    expect((await listArtifacts(registry, { kind: 'packages' })).length).toBe(1);
    const labels = (await configOf(first.image.platforms[0]!.digest)).config?.Labels ?? {};
    expect(labels['org.opencontainers.image.base.name']).toBe(`${host}/base:1`);
    expect([labels[SOURCE], labels[REVISION]]).toEqual([GIT.remote, GIT.commit]);
  }, 60_000);

  it('drops the base’s source and revision labels for a model without git facts, and tags the archive with the images/ version', async () => {
    await run({ ref: 'models/plain:1', base: layoutBase });
    const out = join(temp.dir, 'plain.tar');
    const gpu = await run({ ref: 'models/plain:1', base: layoutBase, target: 'gpu', out });
    expect(gpu.image.ref).toBe('images/plain:2');
    const labels = (await configOf(gpu.image.platforms[0]!.digest)).config?.Labels ?? {};
    expect(labels['base.label']).toBe('yes');
    expect(labels[SOURCE]).toBeUndefined();
    expect(labels[REVISION]).toBeUndefined();
    let index: { manifests: Descriptor[] } | undefined;
    await scanTar(out, 'an archive', async (entry, stream) => {
      if (entry.name === 'index.json') index = JSON.parse((await readAll(stream, 1 << 20, entry.name)).toString('utf8')) as typeof index;
    });
    expect(index!.manifests[0]!.annotations!['org.opencontainers.image.ref.name']).toBe('localhost/plain:2');
  }, 60_000);

  it('keeps no credential of a recorded git remote in the image labels, provenance.json or the package metadata', async () => {
    // A model version recorded with a remote from which the credentials were not fully stripped.
    const remote = 'https://alice:p@ssw0rd-SECRET@git.example.com/team/iris.git?private_token=SECRET#SECRET';
    await storeTestModel(registry, { name: 'leaky', git: { ...GIT, remote } });
    const bundleDir = join(temp.dir, 'leaky-bundle');
    const result = await run({ ref: 'models/leaky:1', base: layoutBase, bundleDir });
    const labels = (await configOf(result.image.platforms[0]!.digest)).config?.Labels ?? {};
    expect(labels[SOURCE]).toBe('https://git.example.com/team/iris.git');
    expect(JSON.stringify(labels)).not.toMatch(/SECRET|alice/);
    const provenance = await readFile(join(bundleDir, 'model', 'provenance.json'), 'utf8');
    expect(provenance).toContain(`"uri": "git+https://git.example.com/team/iris.git@${GIT.commit}"`);
    expect(provenance).not.toMatch(/SECRET|alice/);
    expect((await resolveRef(registry, result.package.ref)).metadata.git).toEqual({ ...GIT, remote: 'https://git.example.com/team/iris.git' });
  }, 60_000);

  it('refuses a model marked failed before any work, and with allowFailed marks its image and package failed', async () => {
    await storeTestModel(registry, { name: 'bad', status: 'failed' });
    const steps: string[] = [];
    const error = await caught(run({ ref: 'models/bad:1', base: layoutBase, onProgress: (event) => steps.push(event.step) }));
    expect([error.code, error.exitCode]).toEqual(['MLSHIP_E_VERSION_FAILED', 1]);
    expect(steps).toEqual([]);
    expect(await listArtifacts(registry, { name: 'bad' })).toHaveLength(1);

    const result = await run({ ref: 'models/bad:1', base: layoutBase, allowFailed: true });
    expect(result.status).toBe('failed');
    expect((await configOf(result.image.platforms[0]!.digest)).config?.Labels?.[ImageLabel.status]).toBe('failed');
    expect((await resolveRef(registry, result.image.ref)).metadata.status).toBe('failed');
    expect((await resolveRef(registry, result.package.ref)).metadata.status).toBe('failed');
    // The same image again adds nothing, unless a new version is asked for.
    expect((await run({ ref: 'models/bad:1', base: layoutBase, allowFailed: true })).image).toMatchObject({ ref: result.image.ref, reused: true });
    const forced = await run({ ref: 'models/bad:1', base: layoutBase, allowFailed: true, newVersion: true });
    expect([forced.image.ref, forced.image.reused, forced.package.reused]).toEqual(['images/bad:2', false, false]);
    // A good model's image carries no status label.
    const good = await run({ ref: 'models/plain:1', base: layoutBase });
    expect(good.status).toBe('ok');
    expect((await configOf(good.image.platforms[0]!.digest)).config?.Labels?.[ImageLabel.status]).toBeUndefined();
  }, 60_000);

  it('refuses a platform given twice before any work', async () => {
    const steps: string[] = [];
    const error = await caught(run({ platforms: ['linux/amd64', 'linux/amd64'], onProgress: (event) => steps.push(event.step) }));
    expect([error.code, error.exitCode]).toEqual(['MLSHIP_E_USAGE', 2]);
    expect(steps).toEqual([]);
  });

  it('reports a missing server runtime as MLSHIP_E_PACKAGE_RUNTIME_MISSING (exit 3)', () => {
    let error: { code?: string; exitCode?: number } | undefined;
    try {
      defaultRuntimeFile([join(temp.dir, 'no-such-runtime.mjs')]);
    } catch (thrown) {
      error = thrown as typeof error;
    }
    expect([error?.code, error?.exitCode]).toEqual(['MLSHIP_E_PACKAGE_RUNTIME_MISSING', 3]);
  });
});

describe('insecureScope', () => {
  it('applies --insecure to the base and to the push each only when its host is loopback', () => {
    expect(insecureScope('docker.io/library/node:20', 'oci://127.0.0.1:5000/x', true)).toEqual({ base: false, push: true });
    expect(insecureScope('127.0.0.1:5000/base:1', 'oci://registry.example.com/x:1', true)).toEqual({ base: true, push: false });
    expect(insecureScope('localhost:5000/base:1', undefined, true)).toEqual({ base: true, push: false });
    expect(insecureScope('oci:/tmp/layout:base', 'oci://localhost:5000/x', true)).toEqual({ base: false, push: true });
    expect(insecureScope('127.0.0.1:5000/base:1', 'oci://127.0.0.1:5000/x', false)).toEqual({ base: false, push: false });
  });
});
