import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Digest } from '@mlship/core';
import { initRegistry, readBlobVerified } from '@mlship/registry';
import { caught, makeTempDir } from '@mlship/test-utils';
import type { ImageConfigDocument, OciIndex, OciManifest } from '@mlship/oci';
import { buildImage, type BuildImageOptions, type ImagePlatform } from './build-image.js';
import { writeImageArchive } from './image-archive.js';
import type { LayerEntry } from './layer.js';
import { addLayoutEntry, BASE_PATH, makeBaseLayout, plainTar, writeDockerArchive, type BaseLayout } from '../../test/image-fixtures.js';

const AMD64: ImagePlatform = { os: 'linux', architecture: 'amd64' };
const ARM64: ImagePlatform = { os: 'linux', architecture: 'arm64' };
const CREATED = '2026-11-28T15:31:56.775Z';

describe('buildImage from local bases', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let registry: string;
  let single: BaseLayout;
  let multi: BaseLayout;
  const file = (name: string) => join(temp.dir, 'inputs', name);

  beforeAll(async () => {
    temp = await makeTempDir('mlship-image-');
    registry = (await initRegistry({ dir: join(temp.dir, 'project') })).registry;
    single = await makeBaseLayout(join(temp.dir, 'base-single'), [AMD64], 'single');
    multi = await makeBaseLayout(join(temp.dir, 'base-multi'), [AMD64, ARM64], 'multi');
    await execa('mkdir', ['-p', join(temp.dir, 'inputs')]);
    await writeFile(file('lib-amd64.so'), Buffer.alloc(1_500_000, 0x41));
    await writeFile(file('lib-arm64.so'), Buffer.alloc(1_500_000, 0x42));
    await writeFile(file('weights-1.onnx'), Buffer.alloc(200_000, 1));
    await writeFile(file('weights-2.onnx'), Buffer.alloc(200_000, 2));
  });
  afterAll(() => temp.cleanup());

  const layers =
    (weights: string) =>
    (platform: ImagePlatform): LayerEntry[][] => [
      [{ path: 'opt/mlship/node_modules/onnxruntime-node/bin/libonnxruntime.so.1', source: { file: file(`lib-${platform.architecture}.so`) } }],
      [
        { path: 'opt/mlship/server/serve-runtime.mjs', source: { data: 'console.log("serve")\n' } },
        { path: 'opt/mlship/package.json', source: { data: '{"private":true}\n' } },
      ],
      [{ path: 'opt/mlship/model/model.onnx', source: { file: file(weights) } }],
    ];

  const options = (base: string, extra: Partial<BuildImageOptions> = {}): BuildImageOptions => ({
    registry,
    base,
    platforms: [AMD64],
    layers: layers('weights-1.onnx'),
    layerNames: ['runtime', 'app', 'weights'],
    config: {
      entrypoint: ['node', '/opt/mlship/server/serve-runtime.mjs', '/opt/mlship/model'],
      env: { MLSHIP_PORT: '8080', SHARED: 'ours' },
      exposedPorts: [8080],
      workingDir: '/opt/mlship',
      user: '65532:65532',
      labels: { 'dev.mlship.target': 'cpu', shared: 'ours' },
      healthcheck: { test: ['CMD', 'node', '-e', '0'], intervalSeconds: 10, timeoutSeconds: 3, startPeriodSeconds: 5, retries: 3 },
    },
    created: CREATED,
    ...extra,
  });

  const json = async <T>(digest: Digest): Promise<T> => JSON.parse((await readBlobVerified(registry, digest)).toString('utf8')) as T;

  /** Names the image in the registry's index.json, as the lead's putImage does, so skopeo and umoci find it. */
  const name = async (ref: string, image: { mediaType: string; digest: Digest; size: number }) =>
    addLayoutEntry(registry, { mediaType: image.mediaType, digest: image.digest, size: image.size, annotations: { 'org.opencontainers.image.ref.name': ref } });

  it('builds on an oci: layout: base layers then ours, the config merged over the base', async () => {
    const image = await buildImage(options(single.reference));
    expect(image.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(image.manifests).toHaveLength(1);
    const [built] = image.manifests;
    expect(built).toMatchObject({ platform: AMD64, digest: image.digest, baseLayers: 1 });
    expect(built!.layers.map((layer) => layer.name)).toEqual(['runtime', 'app', 'weights']);

    const manifest = await json<OciManifest>(image.digest);
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.config.mediaType).toBe('application/vnd.oci.image.config.v1+json');
    expect(manifest.layers.map((layer) => layer.digest)).toEqual([single.manifests[0]!.layers[0]!.digest, ...built!.layers.map((layer) => layer.digest)]);
    expect(manifest.annotations).toEqual({
      'org.opencontainers.image.created': CREATED,
      'org.opencontainers.image.base.name': single.reference,
      'org.opencontainers.image.base.digest': single.digest,
    });

    const config = await json<ImageConfigDocument>(manifest.config.digest);
    expect(config).toMatchObject({ created: CREATED, architecture: 'amd64', os: 'linux' });
    expect(config.rootfs.diff_ids).toHaveLength(4);
    expect(config.rootfs.diff_ids.slice(1)).toEqual(built!.layers.map((layer) => layer.diffId));
    expect(config.history!.map((entry) => [entry.created, entry.created_by])).toEqual([
      ['2020-01-01T00:00:00Z', 'base layer 0'],
      [CREATED, 'mlship package: runtime'],
      [CREATED, 'mlship package: app'],
      [CREATED, 'mlship package: weights'],
    ]);
    expect(config.config).toEqual({
      Entrypoint: ['node', '/opt/mlship/server/serve-runtime.mjs', '/opt/mlship/model'],
      Env: [`PATH=${BASE_PATH}`, 'BASE_ONLY=1', 'SHARED=ours', 'MLSHIP_PORT=8080'],
      ExposedPorts: { '22/tcp': {}, '8080/tcp': {} },
      WorkingDir: '/opt/mlship',
      User: '65532:65532',
      Labels: { 'base.label': 'yes', shared: 'ours', 'dev.mlship.target': 'cpu' },
      Healthcheck: { Test: ['CMD', 'node', '-e', '0'], Interval: 10_000_000_000, Timeout: 3_000_000_000, StartPeriod: 5_000_000_000, Retries: 3 },
    });

    // skopeo and umoci read it from the registry once index.json names it.
    await name('images/local:1', image);
    const inspected = JSON.parse((await execa('skopeo', ['inspect', `oci:${registry}:images/local:1`])).stdout) as { Digest: string; Layers: string[]; Architecture: string };
    expect(inspected).toMatchObject({ Digest: image.digest, Architecture: 'amd64' });
    expect(inspected.Layers).toEqual(manifest.layers.map((layer) => layer.digest));
    const bundle = join(temp.dir, 'bundle');
    await execa('umoci', ['unpack', '--image', `${registry}:images/local:1`, bundle]);
    const rootfs = join(bundle, 'rootfs');
    const weights = await stat(join(rootfs, 'opt/mlship/model/model.onnx'));
    expect([weights.mode & 0o7777, weights.mtimeMs, weights.uid, weights.gid, weights.size]).toEqual([0o644, 0, 0, 0, 200_000]);
    expect(await readFile(join(rootfs, 'opt/mlship/model/model.onnx'))).toEqual(await readFile(file('weights-1.onnx')));
    expect((await stat(join(rootfs, 'opt/mlship/server'))).mode & 0o7777).toBe(0o755);
    expect((await stat(join(rootfs, 'usr/bin/base-tool'))).mode & 0o7777).toBe(0o755);
    expect(await readFile(join(rootfs, 'etc/base-release'), 'utf8')).toBe('base for amd64\n');
    const runtime = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as { process: { args: string[]; env: string[]; cwd: string } };
    expect(runtime.process.args).toEqual(['node', '/opt/mlship/server/serve-runtime.mjs', '/opt/mlship/model']);
    expect(runtime.process.cwd).toBe('/opt/mlship');
  });

  it('is reproducible: the same inputs give the same digest; new weights change only the weights layer', async () => {
    const first = await buildImage(options(single.reference));
    const again = await buildImage(options(single.reference));
    expect(again.digest).toBe(first.digest);
    expect(again.manifests[0]!.layers.every((layer) => layer.cached)).toBe(true);
    const other = await buildImage(options(single.reference, { layers: layers('weights-2.onnx') }));
    expect(other.digest).not.toBe(first.digest);
    const [a, b] = [first.manifests[0]!.layers, other.manifests[0]!.layers];
    expect(b[0]!.digest).toBe(a[0]!.digest);
    expect(b[1]!.digest).toBe(a[1]!.digest);
    expect(b[2]!.digest).not.toBe(a[2]!.digest);
    // Layers are rebuilt (cache cleared): byte-identical anyway.
    const rebuilt = await buildImage(options(single.reference, { layers: layers('weights-2.onnx') }));
    expect(rebuilt.digest).toBe(other.digest);
  });

  it('builds on an oci-archive and a docker-archive base', async () => {
    const fromLayout = await buildImage(options(single.reference));
    const archive = join(temp.dir, 'base-oci.tar');
    await execa('skopeo', ['copy', `oci:${single.dir}:single`, `oci-archive:${archive}:single`]);
    const fromArchive = await buildImage(options(`oci-archive:${archive}`));
    const layoutManifest = await json<OciManifest>(fromLayout.digest);
    const archiveManifest = await json<OciManifest>(fromArchive.digest);
    expect(archiveManifest.layers).toEqual(layoutManifest.layers);
    expect(archiveManifest.annotations!['org.opencontainers.image.base.name']).toBe(`oci-archive:${archive}`);

    // Legacy docker save: uncompressed layer tars whose digest is the diff_id.
    const saved = join(temp.dir, 'docker-save.tar');
    const layer = await plainTar([{ name: 'etc/docker-base', data: 'from docker\n' }]);
    await writeDockerArchive(saved, { platform: AMD64, layers: [layer], repoTag: 'localhost/dbase:7' });
    const fromDocker = await buildImage(options(`docker-archive:${saved}:localhost/dbase:7`));
    const dockerManifest = await json<OciManifest>(fromDocker.digest);
    const diffId = `sha256:${createHash('sha256').update(layer).digest('hex')}`;
    expect(dockerManifest.layers[0]).toEqual({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: diffId, size: layer.length });
    expect((await json<ImageConfigDocument>(dockerManifest.config.digest)).rootfs.diff_ids[0]).toBe(diffId);
    expect(dockerManifest.layers.slice(1)).toEqual(layoutManifest.layers.slice(1));
    // docker.io/ normalisation of the tag, and @N
    expect((await buildImage(options(`docker-archive:${saved}:@0`))).manifests[0]!.base.digest).toBe(fromDocker.manifests[0]!.base.digest);

    await name('images/docker-base:1', fromDocker);
    const bundle = join(temp.dir, 'bundle-docker');
    await execa('umoci', ['unpack', '--image', `${registry}:images/docker-base:1`, bundle]);
    expect(await readFile(join(bundle, 'rootfs/etc/docker-base'), 'utf8')).toBe('from docker\n');

    // The OCI layout + manifest.json archives mlship (and Docker 25+) write read as docker-archive too.
    const ours = join(temp.dir, 'ours.tar');
    await writeImageArchive({ registry, digest: fromLayout.digest, mediaType: fromLayout.mediaType, file: ours, repoTag: 'localhost/ours:1' });
    const onOurs = await buildImage(options(`docker-archive:${ours}`, { layers: () => [] }));
    const onOursManifest = await json<OciManifest>(onOurs.digest);
    expect(onOursManifest.layers).toEqual(layoutManifest.layers);
  });

  it('builds an image index for several platforms from a multi-platform base', async () => {
    const image = await buildImage(options(multi.reference, { platforms: [AMD64, ARM64] }));
    expect(image.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    const index = await json<OciIndex>(image.digest);
    expect(index.manifests.map((entry) => [entry.platform, entry.digest])).toEqual([
      [{ architecture: 'amd64', os: 'linux' }, image.manifests[0]!.digest],
      [{ architecture: 'arm64', os: 'linux' }, image.manifests[1]!.digest],
    ]);
    expect(index.annotations).toMatchObject({ 'org.opencontainers.image.base.digest': multi.digest, 'org.opencontainers.image.created': CREATED });
    const [amd, arm] = image.manifests.map((manifest) => manifest.layers);
    expect(arm![0]!.digest).not.toBe(amd![0]!.digest); // the platform's own runtime
    expect(arm!.slice(1)).toEqual(amd!.slice(1).map((layer) => ({ ...layer, cached: true })));
    const armManifest = await json<OciManifest>(image.manifests[1]!.digest);
    expect(armManifest.layers[0]!.digest).toBe(multi.manifests[1]!.layers[0]!.digest);
    expect((await json<ImageConfigDocument>(armManifest.config.digest)).architecture).toBe('arm64');

    await name('images/edge:1', image);
    const raw = JSON.parse((await execa('skopeo', ['inspect', '--raw', `oci:${registry}:images/edge:1`])).stdout) as OciIndex;
    expect(raw.manifests).toHaveLength(2);
    // skopeo picks the arm64 manifest (its Digest names the index it came through).
    const arm64 = JSON.parse((await execa('skopeo', ['--override-arch', 'arm64', 'inspect', `oci:${registry}:images/edge:1`])).stdout) as { Digest: string; Architecture: string; Layers: string[] };
    expect(arm64).toMatchObject({ Architecture: 'arm64', Digest: image.digest, Layers: armManifest.layers.map((layer) => layer.digest) });
  });

  it('gives coded errors for a missing platform, an unknown name and a bad base', async () => {
    const platformMissing = await caught(buildImage(options(single.reference, { platforms: [ARM64] })));
    expect([platformMissing.code, platformMissing.exitCode]).toEqual(['MLSHIP_E_USAGE', 2]);
    expect(platformMissing.hint).toContain('linux/amd64');
    const notInIndex = await caught(buildImage(options(multi.reference, { platforms: [{ os: 'linux', architecture: 's390x' }] })));
    expect(notInIndex.code).toBe('MLSHIP_E_USAGE');
    expect(notInIndex.hint).toContain('linux/amd64, linux/arm64');
    const unknown = await caught(buildImage(options(`oci:${single.dir}:nope`)));
    expect([unknown.code, unknown.exitCode, unknown.hint]).toEqual(['MLSHIP_E_REF_NOT_FOUND', 2, 'it has single']);
    const notLayout = await caught(buildImage(options(`oci:${temp.dir}/inputs`)));
    expect(notLayout.code).toBe('MLSHIP_E_USAGE');
    const notTar = await caught(buildImage(options(`oci-archive:${file('weights-1.onnx')}`)));
    expect(notTar.code).toBe('MLSHIP_E_USAGE');
    const missingFile = await caught(buildImage(options(`oci-archive:${temp.dir}/none.tar`)));
    expect(missingFile.code).toBe('MLSHIP_E_FILE_NOT_FOUND');
    const saved = join(temp.dir, 'bad-diff-id.tar');
    const layer = await plainTar([{ name: 'etc/x', data: 'x' }]);
    await writeDockerArchive(saved, { platform: AMD64, layers: [layer], repoTag: 'localhost/bad:1', diffIds: [`sha256:${'0'.repeat(64)}`] });
    const tampered = await caught(buildImage(options(`docker-archive:${saved}`)));
    expect([tampered.code, tampered.exitCode]).toEqual(['MLSHIP_E_INTEGRITY', 3]);
    const noTag = await caught(buildImage(options(`docker-archive:${saved}:localhost/other:1`)));
    expect([noTag.code, noTag.hint]).toEqual(['MLSHIP_E_REF_NOT_FOUND', 'it holds localhost/bad:1']);
    const notDocker = await caught(buildImage(options(`docker-archive:${file('weights-1.onnx')}`)));
    expect(notDocker.code).toBe('MLSHIP_E_USAGE');
    const badRef = await caught(buildImage(options('oci:')));
    expect([badRef.code, badRef.exitCode]).toEqual(['MLSHIP_E_USAGE', 2]);
    const twice = await caught(buildImage(options(single.reference, { platforms: [AMD64, AMD64] })));
    expect(twice.code).toBe('MLSHIP_E_USAGE');
  });
});
