import { join } from 'node:path';
import { execa } from 'execa';
import type { Digest } from '@mlship/core';
import { initRegistry, readBlobVerified } from '@mlship/registry';
import { caught, makeTempDir, startOciRegistry, type OciRegistryServer } from '@mlship/test-utils';
import type { ImageConfigDocument, OciIndex, OciManifest } from '@mlship/oci';
import { fetchBaseImage } from './base-image.js';
import { buildImage, type BuildImageOptions, type ImagePlatform } from './build-image.js';
import { makeBaseLayout, type BaseLayout } from '../../test/image-fixtures.js';
import type { ImageProgress } from './types.js';

const AMD64: ImagePlatform = { os: 'linux', architecture: 'amd64' };
const ARM64: ImagePlatform = { os: 'linux', architecture: 'arm64' };

describe('buildImage from an OCI registry (docker-registry)', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let server: OciRegistryServer;
  let single: BaseLayout;
  let multi: BaseLayout;
  let registry: string;

  const push = (from: string, to: string, ...flags: string[]) =>
    execa('skopeo', ['copy', ...flags, '--dest-tls-verify=false', from, `docker://${server.host}/${to}`]);

  beforeAll(async () => {
    temp = await makeTempDir('mlship-image-remote-');
    server = await startOciRegistry();
    single = await makeBaseLayout(join(temp.dir, 'single'), [AMD64], 'single');
    multi = await makeBaseLayout(join(temp.dir, 'multi'), [AMD64, ARM64], 'multi');
    await push(`oci:${single.dir}:single`, 'base:1');
    await push(`oci:${single.dir}:single`, 'base-docker:1', '--format', 'v2s2');
    await push(`oci:${multi.dir}:multi`, 'multi:1', '--all');
    await push(`oci:${multi.dir}:multi`, 'multi-docker:1', '--all', '--format', 'v2s2');
    registry = (await initRegistry({ dir: join(temp.dir, 'project') })).registry;
  });
  afterAll(async () => {
    await server?.stop();
    await temp?.cleanup();
  });

  const options = (base: string, extra: Partial<BuildImageOptions> = {}): BuildImageOptions => ({
    registry,
    base,
    insecure: true,
    platforms: [AMD64],
    layers: (platform) => [[{ path: 'opt/mlship/arch', source: { data: platform.architecture } }]],
    layerNames: ['app'],
    config: { entrypoint: ['/usr/bin/base-tool'], env: { A: '1' } },
    created: '2026-02-03T04:05:06.000Z',
    ...extra,
  });
  const downloads = (events: ImageProgress[]) =>
    events.flatMap((event) => (event.phase === 'base' && event.done && !event.cached ? [event.digest] : []));
  const json = async <T>(digest: Digest): Promise<T> => JSON.parse((await readBlobVerified(registry, digest)).toString('utf8')) as T;

  it('pulls only what the store lacks: a warm build downloads nothing', async () => {
    const cold: ImageProgress[] = [];
    const first = await buildImage(options(`docker://${server.host}/base:1`, { onProgress: (event) => cold.push(event) }));
    expect(downloads(cold)).toEqual([single.manifests[0]!.layers[0]!.digest]);
    const manifest = await json<OciManifest>(first.digest);
    expect(manifest.layers[0]).toEqual(single.manifests[0]!.layers[0]);
    expect(manifest.annotations).toMatchObject({
      'org.opencontainers.image.base.name': `${server.host}/base:1`,
      'org.opencontainers.image.base.digest': single.digest,
    });

    const warm: ImageProgress[] = [];
    const started = performance.now();
    const second = await buildImage(options(`docker://${server.host}/base:1`, { onProgress: (event) => warm.push(event) }));
    const seconds = (performance.now() - started) / 1000;
    expect(second.digest).toBe(first.digest);
    expect(downloads(warm)).toEqual([]);
    expect(warm.filter((event) => event.phase === 'layer').every((event) => event.cached)).toBe(true);
    expect(seconds).toBeLessThan(5);
  });

  it('reads Docker schema2 manifests and writes OCI media types', async () => {
    const image = await buildImage(options(`${server.host}/base-docker:1`));
    const manifest = await json<OciManifest>(image.digest);
    expect(manifest.layers[0]).toEqual({ ...single.manifests[0]!.layers[0], mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' });
    expect(manifest.config.mediaType).toBe('application/vnd.oci.image.config.v1+json');
    const base = await fetchBaseImage({ registry, base: `${server.host}/base-docker:1`, platform: AMD64, insecure: true });
    expect(base.manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect(base.config.config?.Env).toContain('BASE_ONLY=1');
  });

  it('selects platforms from a registry index and builds an index', async () => {
    const image = await buildImage(options(`docker://${server.host}/multi:1`, { platforms: [AMD64, ARM64] }));
    const index = await json<OciIndex>(image.digest);
    expect(index.manifests.map((entry) => entry.platform?.architecture)).toEqual(['amd64', 'arm64']);
    const arm = await json<OciManifest>(image.manifests[1]!.digest);
    expect(arm.layers[0]!.digest).toBe(multi.manifests[1]!.layers[0]!.digest);
    expect((await json<ImageConfigDocument>(arm.config.digest)).architecture).toBe('arm64');
    // A Docker manifest list gives the same platform manifests' layers.
    const docker = await buildImage(options(`docker://${server.host}/multi-docker:1`, { platforms: [AMD64, ARM64] }));
    const base = await fetchBaseImage({ registry, base: `${server.host}/multi-docker:1`, platform: ARM64, insecure: true });
    expect(base.manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    expect((await json<OciIndex>(base.source.digest)).mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
    expect(docker.manifests.map((manifest) => manifest.layers)).toEqual(image.manifests.map((manifest) => manifest.layers.map((layer) => ({ ...layer, cached: true }))));
    const missing = await caught(buildImage(options(`docker://${server.host}/multi:1`, { platforms: [{ os: 'linux', architecture: 'riscv64' }] })));
    expect([missing.code, missing.exitCode]).toEqual(['MLSHIP_E_USAGE', 2]);
    expect(missing.hint).toContain('linux/amd64, linux/arm64');
  });

  it('maps an unknown repository or tag to MLSHIP_E_REF_NOT_FOUND and a refused connection to MLSHIP_E_REMOTE', async () => {
    for (const base of [`docker://${server.host}/nothing:1`, `docker://${server.host}/base:2`]) {
      const error = await caught(buildImage(options(base)));
      expect([error.code, error.exitCode]).toEqual(['MLSHIP_E_REF_NOT_FOUND', 2]);
    }
    const tls = await caught(buildImage(options(`docker://${server.host}/base:1`, { insecure: false })));
    expect([tls.code, tls.exitCode]).toEqual(['MLSHIP_E_REMOTE', 3]);
  });

  it('builds from a digest reference with no registry at all once the base is stored', async () => {
    const pinned = `docker://${server.host}/base@${single.digest}`;
    const first = await buildImage(options(pinned));
    await server.stop();
    const offline: ImageProgress[] = [];
    const again = await buildImage(options(pinned, { onProgress: (event) => offline.push(event) }));
    expect(again.digest).toBe(first.digest);
    expect(downloads(offline)).toEqual([]);
    const unreachable = await caught(buildImage(options(`docker://${server.host}/base:1`)));
    expect([unreachable.code, unreachable.exitCode]).toEqual(['MLSHIP_E_REMOTE', 3]);
  });
});
