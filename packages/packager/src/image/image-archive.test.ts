import { createHash, randomBytes } from 'node:crypto';
import { open, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { blobPath, initRegistry, readBlobVerified, writeBlob, MAX_DOCUMENT_BYTES } from '@mlship/registry';
import { caught, containersEnv, makeTempDir } from '@mlship/test-utils';
import { buildImage, type BuiltImage, type ImagePlatform } from './build-image.js';
import { writeImageArchive } from './image-archive.js';
import { readAll } from '@mlship/core';
import { ImageMediaType, canonicalBytes, type OciManifest } from '@mlship/oci';
import { scanTar } from './tar-scan.js';
import { makeBaseLayout } from '../../test/image-fixtures.js';

const AMD64: ImagePlatform = { os: 'linux', architecture: 'amd64' };
const ARM64: ImagePlatform = { os: 'linux', architecture: 'arm64' };

async function tarListing(file: string): Promise<Array<{ name: string; type: string; data?: Buffer }>> {
  const entries: Array<{ name: string; type: string; data?: Buffer }> = [];
  await scanTar(file, 'an archive', async (entry, stream) => {
    entries.push({ name: entry.name, type: entry.type, ...(entry.size < 100_000 && entry.type === 'file' ? { data: await readAll(stream, 100_000, entry.name) } : {}) });
  });
  return entries;
}

describe('writeImageArchive', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let registry: string;
  let single: BuiltImage;
  let multi: BuiltImage;
  let env: Record<string, string>;

  beforeAll(async () => {
    temp = await makeTempDir('mlship-image-archive-');
    registry = (await initRegistry({ dir: join(temp.dir, 'project') })).registry;
    const base = await makeBaseLayout(join(temp.dir, 'base'), [AMD64, ARM64], 'base');
    await writeFile(join(temp.dir, 'model.onnx'), Buffer.alloc(50_000, 3));
    const common = {
      registry,
      base: base.reference,
      layers: (platform: ImagePlatform) => [
        [{ path: 'opt/mlship/arch.txt', source: { data: platform.architecture } }],
        [{ path: 'opt/mlship/model/model.onnx', source: { file: join(temp.dir, 'model.onnx') } }],
      ],
      config: { entrypoint: ['/usr/bin/base-tool'], exposedPorts: [8080] },
      created: '2026-01-02T03:04:05.000Z',
    };
    single = await buildImage({ ...common, platforms: [AMD64] });
    multi = await buildImage({ ...common, platforms: [AMD64, ARM64] });
    env = { ...(await containersEnv(temp.dir)) };
  });
  afterAll(() => temp.cleanup());

  it('writes an OCI layout plus a docker manifest.json, byte-identical each time', async () => {
    const file = join(temp.dir, 'single.tar');
    const result = await writeImageArchive({ registry, digest: single.digest, mediaType: single.mediaType, file, repoTag: 'localhost/iris:1' });
    expect(result).toMatchObject({ file, digest: single.digest, dockerManifest: single.digest, blobs: 2 + 1 + 2 });
    const entries = await tarListing(file);
    expect(entries.slice(0, 5).map((entry) => entry.name)).toEqual(['oci-layout', 'index.json', 'manifest.json', 'blobs', 'blobs/sha256']);
    const index = JSON.parse(entries[1]!.data!.toString('utf8')) as { manifests: Array<{ digest: string; annotations: Record<string, string> }> };
    expect(index.manifests).toEqual([
      {
        mediaType: single.mediaType,
        digest: single.digest,
        size: single.size,
        annotations: { 'io.containerd.image.name': 'localhost/iris:1', 'org.opencontainers.image.ref.name': 'localhost/iris:1' },
      },
    ]);
    const docker = JSON.parse(entries[2]!.data!.toString('utf8')) as Array<{ Config: string; RepoTags: string[]; Layers: string[] }>;
    const manifest = single.manifests[0]!;
    const stored = JSON.parse((await readBlobVerified(registry, single.digest)).toString('utf8')) as OciManifest;
    expect(docker).toEqual([
      {
        Config: `blobs/sha256/${manifest.config.digest.slice(7)}`,
        RepoTags: ['localhost/iris:1'],
        Layers: stored.layers.map((layer) => `blobs/sha256/${layer.digest.slice(7)}`),
      },
    ]);
    expect(docker[0]!.Layers.slice(1)).toEqual(manifest.layers.map((layer) => `blobs/sha256/${layer.digest.slice(7)}`));
    for (const name of [docker[0]!.Config, ...docker[0]!.Layers]) expect(entries.some((entry) => entry.name === name)).toBe(true);

    const again = join(temp.dir, 'single-again.tar');
    await writeImageArchive({ registry, digest: single.digest, mediaType: single.mediaType, file: again, repoTag: 'localhost/iris:1' });
    const hash = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');
    expect(await hash(again)).toBe(await hash(file));

    const inspected = JSON.parse((await execa('skopeo', ['inspect', `oci-archive:${file}`])).stdout) as { Digest: string; Architecture: string; Layers: string[] };
    expect(inspected).toMatchObject({ Digest: single.digest, Architecture: 'amd64' });
    expect(inspected.Layers).toHaveLength(3);
  });

  it('is loaded by podman load (single image and image index)', async () => {
    const storage = ['--root', join(temp.dir, 'storage'), '--runroot', join(temp.dir, 'runroot'), '--storage-driver', 'vfs'];
    const podman = (args: string[]) => execa('podman', [...storage, ...args], { env });
    const file = join(temp.dir, 'load-single.tar');
    await writeImageArchive({ registry, digest: single.digest, mediaType: single.mediaType, file, repoTag: 'localhost/iris:1' });
    const loaded = await podman(['load', '-i', file]);
    expect(loaded.stdout).toContain('localhost/iris:1');
    const [inspect] = JSON.parse((await podman(['image', 'inspect', 'localhost/iris:1'])).stdout) as Array<{ Id: string; Digest: string; Architecture: string; Config: { Entrypoint: string[]; ExposedPorts: Record<string, object> } }>;
    expect(inspect!.Id).toBe(single.manifests[0]!.config.digest.slice(7));
    expect(inspect!.Digest).toBe(single.digest);
    expect(inspect!.Config.Entrypoint).toEqual(['/usr/bin/base-tool']);

    const edge = join(temp.dir, 'load-edge.tar');
    await writeImageArchive({ registry, digest: multi.digest, mediaType: multi.mediaType, file: edge, repoTag: 'localhost/edge:1' });
    expect((await podman(['load', '-i', edge])).stdout).toContain('localhost/edge:1');
    const [edgeImage] = JSON.parse((await podman(['image', 'inspect', 'localhost/edge:1'])).stdout) as Array<{ Id: string; Architecture: string }>;
    expect(edgeImage).toMatchObject({ Architecture: 'amd64', Id: multi.manifests[0]!.config.digest.slice(7) });
  });

  it('lists the linux/amd64 manifest of an index in manifest.json, or the platform asked for', async () => {
    const file = join(temp.dir, 'edge.tar');
    const amd = await writeImageArchive({ registry, digest: multi.digest, mediaType: multi.mediaType, file });
    expect(amd.dockerManifest).toBe(multi.manifests[0]!.digest);
    const arm = await writeImageArchive({ registry, digest: multi.digest, mediaType: multi.mediaType, file, dockerPlatform: ARM64 });
    expect(arm.dockerManifest).toBe(multi.manifests[1]!.digest);
    const docker = JSON.parse((await tarListing(file)).find((entry) => entry.name === 'manifest.json')!.data!.toString('utf8')) as Array<{ Config: string; RepoTags: string[] }>;
    expect(docker[0]).toMatchObject({ Config: `blobs/sha256/${multi.manifests[1]!.config.digest.slice(7)}`, RepoTags: [] });
    const raw = JSON.parse((await execa('skopeo', ['inspect', '--raw', `oci-archive:${file}`])).stdout) as { manifests: unknown[] };
    expect(raw.manifests).toHaveLength(2);
    const missing = await caught(writeImageArchive({ registry, digest: multi.digest, mediaType: multi.mediaType, file, dockerPlatform: { os: 'linux', architecture: 's390x' } }));
    expect(missing.code).toBe('MLSHIP_E_USAGE');
    const wrongType = await caught(writeImageArchive({ registry, digest: multi.digest, mediaType: single.mediaType, file }));
    expect(wrongType.code).toBe('MLSHIP_E_USAGE');
    const badPath = await caught(writeImageArchive({ registry, digest: single.digest, mediaType: single.mediaType, file: join(temp.dir, 'no', 'dir', 'x.tar') }));
    expect(badPath.code).toBe('MLSHIP_E_FILE_NOT_FOUND');
  });
});

describe('writeImageArchive with a damaged store', () => {
  it('fails with MLSHIP_E_INTEGRITY on a corrupt large blob and leaves no temp file', async () => {
    const temp = await makeTempDir('mlship-image-archive-corrupt-');
    try {
      const registry = (await initRegistry({ dir: join(temp.dir, 'project') })).registry;
      const layer = await writeBlob(registry, randomBytes(MAX_DOCUMENT_BYTES + (1 << 20)));
      const config = await writeBlob(registry, canonicalBytes({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.digest] } }));
      const manifest = canonicalBytes({
        schemaVersion: 2,
        mediaType: ImageMediaType.ociManifest,
        config: { mediaType: ImageMediaType.ociConfig, digest: config.digest, size: config.size },
        layers: [{ mediaType: ImageMediaType.ociLayer, digest: layer.digest, size: layer.size }],
      });
      const stored = await writeBlob(registry, manifest);
      // Same size, one byte changed near the end: only the end of the stream can tell.
      const handle = await open(blobPath(registry, layer.digest), 'r+');
      await handle.write(Buffer.from([0]), 0, 1, layer.size - 10);
      await handle.write(Buffer.from([1]), 0, 1, layer.size - 11);
      await handle.close();
      const out = join(temp.dir, 'out');
      await execa('mkdir', ['-p', out]);
      const error = await caught(writeImageArchive({ registry, digest: stored.digest, mediaType: ImageMediaType.ociManifest, file: join(out, 'image.tar') }));
      expect(error.code).toBe('MLSHIP_E_INTEGRITY');
      expect(await readdir(out)).toEqual([]);
    } finally {
      await temp.cleanup();
    }
  });
});
