import { readFile, readdir, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { ErrorCode, ExitCode, digestOf } from '@mlship/core';
import { caught, runMlshipJson } from '@mlship/test-utils';
import { tagArtifact } from './aliases.js';
import { exportArtifacts, importArchive } from './archive.js';
import { writeBlob } from './blobs.js';
import { extractArtifact } from './files.js';
import { gcRegistry } from './gc.js';
import { ImageErrorCode } from './image-version.js';
import { readIndex, versionEntry, writeIndex } from './index-file.js';
import { blobPath, registryPaths } from './layout.js';
import { buildLineage, renderLineageText } from './lineage.js';
import { MediaType } from './media-types.js';
import { putArtifact } from './put.js';
import { putImage } from './put-image.js';
import { listArtifacts, resolveRef } from './resolve.js';
import { tempRegistry } from '../test/temp-registry.js';
import { writeTestImage, writeTestIndex } from '../test/oci-images.js';
import type { ImageFacts } from './types.js';
import { verifyRegistry } from './verify.js';

/** Sets every stored blob's mtime an hour back, so gc judges blobs by reachability alone. */
async function ageBlobs(root: string): Promise<void> {
  const old = new Date(Date.now() - 3600_000);
  const dir = registryPaths(root).blobs;
  for (const name of await readdir(dir)) await utimes(join(dir, name), old, old);
}

describe('container images as registry versions', () => {
  let root: string;
  let dir: string;
  let cleanup: () => Promise<void>;
  let model: { ref: string; digest: `sha256:${string}` };
  let dataset: { ref: string; digest: `sha256:${string}` };
  beforeEach(async () => {
    ({ root, dir, cleanup } = await tempRegistry());
    dataset = await putArtifact({ registry: root, kind: 'datasets', name: 'iris', files: [{ name: 'iris.csv', data: 'a,b\n1,2\n' }], git: null });
    model = await putArtifact({
      registry: root,
      kind: 'models',
      name: 'iris',
      files: [{ name: 'model.onnx', data: 'onnx' }],
      parents: [dataset.ref],
      git: null,
    });
  });
  afterEach(() => cleanup());

  it('stores a single-platform image, resolves it with synthesized metadata, and reuses an equal rebuild', async () => {
    const image = await writeTestImage(root, { model });
    const created = '2026-02-03T04:05:06.000Z';
    const put = await putImage({ registry: root, name: 'iris', manifest: image.descriptor, created });
    expect(put).toEqual({
      ref: 'images/iris:1',
      kind: 'images',
      name: 'iris',
      version: 1,
      digest: image.descriptor.digest,
      mediaType: MediaType.imageManifest,
      size: image.bytes.length,
      reused: false,
    });
    const entry = (await readIndex(root)).manifests.find((m) => m.digest === image.descriptor.digest)!;
    expect(entry).toEqual({
      mediaType: MediaType.imageManifest,
      digest: image.descriptor.digest,
      size: image.bytes.length,
      annotations: {
        'org.opencontainers.image.ref.name': 'images/iris:1',
        'dev.mlship.kind': 'images',
        'dev.mlship.name': 'iris',
        'dev.mlship.version': '1',
        'org.opencontainers.image.created': created,
      },
    });

    const version = await resolveRef(root, 'images/iris');
    expect(version).toMatchObject({ ref: 'images/iris:1', format: 'image', mediaType: MediaType.imageManifest, digest: image.descriptor.digest });
    expect(version.files).toEqual([{ name: 'layer-0', digest: image.layer.digest, size: image.layer.size, mediaType: image.layer.mediaType }]);
    expect(version.metadata).toMatchObject({
      schemaVersion: 1,
      kind: 'images',
      name: 'iris',
      version: 1,
      created,
      contentDigest: image.descriptor.digest,
      status: 'ok',
      parents: [{ ref: 'models/iris:1', digest: model.digest }],
      labels: { 'dev.mlship.model.ref': 'models/iris:1', 'dev.mlship.target': 'cpu' },
    });
    expect(version.metadata.extra?.image).toEqual({
      mediaType: MediaType.imageManifest,
      platforms: [{ os: 'linux', architecture: 'amd64', digest: image.descriptor.digest, size: image.bytes.length, layers: 1 }],
      entrypoint: ['node', '/opt/mlship/server/serve-runtime.mjs', '/opt/mlship/model'],
      exposedPorts: ['8080/tcp'],
      totalSize: image.bytes.length + image.config.size + image.layer.size,
    } satisfies ImageFacts);

    const again = await putImage({ registry: root, name: 'iris', manifest: image.descriptor });
    expect(again).toMatchObject({ ref: 'images/iris:1', version: 1, reused: true });
    const other = await writeTestImage(root, { model, content: 'other weights' });
    expect((await putImage({ registry: root, name: 'iris', manifest: other.descriptor })).ref).toBe('images/iris:2');
    // Reuse is against the latest version only: going back to the first image is a new version.
    expect(await putImage({ registry: root, name: 'iris', manifest: image.descriptor })).toMatchObject({ ref: 'images/iris:3', reused: false });
    expect((await listArtifacts(root, { kind: 'images' })).map((row) => [row.ref, row.digest])).toEqual([
      ['images/iris:1', image.descriptor.digest],
      ['images/iris:2', other.descriptor.digest],
      ['images/iris:3', image.descriptor.digest],
    ]);
    expect((await resolveRef(root, `images/iris@${other.descriptor.digest}`)).version).toBe(2);
    await tagArtifact({ registry: root, ref: 'images/iris:2', alias: 'production' });
    expect(await resolveRef(root, 'images/iris@production')).toMatchObject({ version: 2, format: 'image', aliases: ['production'] });
    const byAlias = await execa('skopeo', ['inspect', '--raw', `oci:${root}:images/iris:production`], { stripFinalNewline: false });
    expect(byAlias.stdout).toBe(other.bytes.toString('utf8'));
  });

  it('stores a multi-platform image index, and follows lineage image → model → dataset', async () => {
    const amd64 = await writeTestImage(root, { model, architecture: 'amd64' });
    const arm64 = await writeTestImage(root, { model, architecture: 'arm64', variant: 'v8' });
    const index = await writeTestIndex(root, [
      { image: amd64, architecture: 'amd64' },
      { image: arm64, architecture: 'arm64', variant: 'v8' },
    ]);
    const put = await putImage({ registry: root, name: 'iris-edge', manifest: index.descriptor });
    expect(put).toMatchObject({ ref: 'images/iris-edge:1', mediaType: MediaType.imageIndex, reused: false });
    expect((await readIndex(root)).manifests.at(-1)?.mediaType).toBe(MediaType.imageIndex);

    const version = await resolveRef(root, 'images/iris-edge:1');
    expect(version.format).toBe('image');
    expect(version.files.map((file) => [file.name, file.digest])).toEqual([
      ['linux/amd64', amd64.descriptor.digest],
      ['linux/arm64/v8', arm64.descriptor.digest],
    ]);
    const facts = version.metadata.extra?.image as ImageFacts;
    expect(facts.platforms).toEqual([
      { os: 'linux', architecture: 'amd64', digest: amd64.descriptor.digest, size: amd64.bytes.length, layers: 1 },
      { os: 'linux', architecture: 'arm64', variant: 'v8', digest: arm64.descriptor.digest, size: arm64.bytes.length, layers: 1 },
    ]);
    const blobs = [index.bytes.length, amd64.bytes.length, amd64.config.size, amd64.layer.size, arm64.bytes.length, arm64.config.size, arm64.layer.size];
    expect(facts.totalSize).toBe(blobs.reduce((a, b) => a + b, 0));
    expect(version.metadata.parents).toEqual([{ ref: 'models/iris:1', digest: model.digest }]);

    const tree = await buildLineage({ registry: root, ref: 'images/iris-edge:1' });
    expect(tree).toMatchObject({
      ref: 'images/iris-edge:1',
      digest: index.descriptor.digest,
      parents: [{ ref: 'models/iris:1', digest: model.digest, parents: [{ ref: 'datasets/iris:1', digest: dataset.digest, parents: [] }] }],
    });
    expect(renderLineageText(tree).split('\n')).toEqual([
      expect.stringMatching(/^images\/iris-edge:1 \(/),
      expect.stringMatching(/^└── models\/iris:1 \(/),
      expect.stringMatching(/^ {4}└── datasets\/iris:1 \(/),
    ]);
    // An artifact can name an image as its parent, and lineage reads through the image's labels.
    await putArtifact({ registry: root, kind: 'deployments', name: 'iris', files: [{ name: 'plan.json', data: '{}' }], parents: [put.ref], git: null });
    const deployment = await buildLineage({ registry: root, ref: 'deployments/iris' });
    expect(deployment.parents[0]).toMatchObject({ ref: 'images/iris-edge:1', parents: [{ ref: 'models/iris:1', parents: [{ ref: 'datasets/iris:1' }] }] });
  });

  it('refuses an image whose blobs are not all in the store, and input that is not an image', async () => {
    const image = await writeTestImage(root, { model });
    await unlink(blobPath(root, image.layer.digest));
    const missingLayer = await caught(putImage({ registry: root, name: 'iris', manifest: image.descriptor }));
    expect(missingLayer).toMatchObject({ code: ImageErrorCode.incomplete, exitCode: ExitCode.runtime, details: { digest: image.layer.digest } });
    expect(missingLayer.message).toContain('layer');

    const amd64 = await writeTestImage(root, { model, content: 'a' });
    const arm64 = await writeTestImage(root, { model, architecture: 'arm64', content: 'b' });
    const index = await writeTestIndex(root, [
      { image: amd64, architecture: 'amd64' },
      { image: arm64, architecture: 'arm64' },
    ]);
    await unlink(blobPath(root, arm64.config.digest));
    expect((await caught(putImage({ registry: root, name: 'edge', manifest: index.descriptor }))).details).toEqual({
      image: index.descriptor.digest,
      digest: arm64.config.digest,
    });
    await unlink(blobPath(root, arm64.descriptor.digest));
    expect((await caught(putImage({ registry: root, name: 'edge', manifest: index.descriptor }))).details?.digest).toBe(arm64.descriptor.digest);
    const never = { ...amd64.descriptor, digest: digestOf('never written') };
    expect((await caught(putImage({ registry: root, name: 'edge', manifest: never }))).code).toBe(ImageErrorCode.incomplete);

    const wrongSize = await caught(putImage({ registry: root, name: 'edge', manifest: { ...amd64.descriptor, size: amd64.descriptor.size + 1 } }));
    expect(wrongSize.code).toBe(ErrorCode.registryCorrupt);
    const notImage = await caught(putImage({ registry: root, name: 'edge', manifest: { mediaType: MediaType.imageManifest, digest: model.digest, size: (await readFile(blobPath(root, model.digest))).length } }));
    expect(notImage.code).toBe(ErrorCode.usage);
    expect(notImage.message).toContain('not a container image');
    expect((await caught(putImage({ registry: root, name: 'Bad/Name', manifest: amd64.descriptor }))).code).toBe(ErrorCode.invalidRef);
    expect((await caught(putImage({ registry: root, name: 'edge', manifest: { ...amd64.descriptor, mediaType: 'application/json' } }))).code).toBe(ErrorCode.usage);
    expect(await listArtifacts(root, { kind: 'images' })).toEqual([]);
  });

  it('is readable by skopeo as an OCI layout: raw bytes, and inspect of the image', async () => {
    const image = await writeTestImage(root, { model });
    await putImage({ registry: root, name: 'iris', manifest: image.descriptor });
    const raw = await execa('skopeo', ['inspect', '--raw', `oci:${root}:images/iris:1`], { stripFinalNewline: false });
    expect(raw.stdout).toBe(image.bytes.toString('utf8'));
    const inspected = JSON.parse((await execa('skopeo', ['inspect', `oci:${root}:images/iris:1`])).stdout);
    expect(inspected).toMatchObject({
      Digest: image.descriptor.digest,
      Architecture: 'amd64',
      Os: 'linux',
      Layers: [image.layer.digest],
      Labels: { 'dev.mlship.model.ref': 'models/iris:1', 'dev.mlship.model.digest': model.digest },
    });

    const arm64 = await writeTestImage(root, { model, architecture: 'arm64', content: 'arm' });
    const index = await writeTestIndex(root, [
      { image, architecture: 'amd64' },
      { image: arm64, architecture: 'arm64' },
    ]);
    await putImage({ registry: root, name: 'iris-edge', manifest: index.descriptor });
    expect((await execa('skopeo', ['inspect', '--raw', `oci:${root}:images/iris-edge:1`], { stripFinalNewline: false })).stdout).toBe(index.bytes.toString('utf8'));
    const arm = JSON.parse((await execa('skopeo', ['--override-arch', 'arm64', 'inspect', `oci:${root}:images/iris-edge:1`])).stdout);
    expect(arm).toMatchObject({ Architecture: 'arm64', Layers: [arm64.layer.digest] });
  });

  it('passes verify, keeps every blob an image reaches through gc, and names a broken image config', async () => {
    const amd64 = await writeTestImage(root, { model });
    const arm64 = await writeTestImage(root, { model, architecture: 'arm64' });
    const index = await writeTestIndex(root, [
      { image: amd64, architecture: 'amd64' },
      { image: arm64, architecture: 'arm64' },
    ]);
    await putImage({ registry: root, name: 'edge', manifest: index.descriptor });
    const single = await writeTestImage(root, { model, content: 'single' });
    await putImage({ registry: root, name: 'cpu', manifest: single.descriptor });
    const orphan = await writeBlob(root, Buffer.from('nobody references me'));
    await ageBlobs(root);

    const before = await verifyRegistry({ registry: root });
    expect(before).toMatchObject({ ok: true, problems: [] });
    expect(before.manifestsChecked).toBe(2 + 1 + 2 + 1); // dataset, model, the index and its two manifests, the single image
    const report = await gcRegistry({ registry: root });
    expect(report.removed.map((blob) => blob.digest)).toEqual([orphan.digest]);
    expect((await verifyRegistry({ registry: root })).ok).toBe(true);
    expect((await resolveRef(root, 'images/edge:1')).files).toHaveLength(2);
    expect((await resolveRef(root, 'images/cpu:1')).files).toHaveLength(1);

    // A config that is not an image config any more: verify names it; resolving fails with a coded error.
    const bad = Buffer.from('{"not":"a config"}');
    const badConfig = await writeBlob(root, bad);
    const broken = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.imageManifest, config: { mediaType: MediaType.imageConfig, digest: badConfig.digest, size: bad.length }, layers: [] }),
    );
    const brokenBlob = await writeBlob(root, broken);
    const brokenDescriptor = { mediaType: MediaType.imageManifest, ...brokenBlob };
    const refused = await caught(putImage({ registry: root, name: 'broken', manifest: brokenDescriptor }));
    expect(refused.code).toBe(ErrorCode.registryCorrupt);
    // Named in the index all the same (as a damaged store or another tool could leave it).
    const indexFile = await readIndex(root);
    indexFile.manifests.push(versionEntry(brokenDescriptor, { kind: 'images', name: 'broken', version: 1 }));
    await writeIndex(root, indexFile);
    expect((await caught(resolveRef(root, 'images/broken:1'))).code).toBe(ErrorCode.registryCorrupt);
    await unlink(blobPath(root, arm64.layer.digest));
    const after = await verifyRegistry({ registry: root });
    expect(after.problems).toEqual([
      expect.objectContaining({ problem: 'missing-blob', digest: arm64.layer.digest, ref: 'images/edge:1' }),
      expect.objectContaining({ problem: 'malformed-metadata', digest: badConfig.digest, ref: 'images/broken:1' }),
    ]);
  });

  it('refuses `get` of an image with a coded error that points at the tools that handle images', async () => {
    const image = await writeTestImage(root, { model });
    await putImage({ registry: root, name: 'iris', manifest: image.descriptor });
    const error = await caught(extractArtifact({ registry: root, ref: 'images/iris:1', outDir: join(dir, 'out') }));
    expect(error).toMatchObject({ code: ImageErrorCode.unsupported, exitCode: ExitCode.usage });
    expect(error.hint).toContain('skopeo copy');
    expect(error.hint).toContain('mlship package --out');
  });

  it('round-trips image versions through export and import, and refuses an image named as another kind', async () => {
    const amd64 = await writeTestImage(root, { model });
    const arm64 = await writeTestImage(root, { model, architecture: 'arm64' });
    const index = await writeTestIndex(root, [
      { image: amd64, architecture: 'amd64' },
      { image: arm64, architecture: 'arm64' },
    ]);
    await putImage({ registry: root, name: 'edge', manifest: index.descriptor, created: '2026-03-01T00:00:00.000Z' });
    await putImage({ registry: root, name: 'cpu', manifest: amd64.descriptor });
    const out = join(dir, 'images.tar');
    const exported = await exportArtifacts({ registry: root, refs: ['images/edge:1', 'images/cpu:1', 'models/iris:1', 'datasets/iris:1'], out });
    expect(exported.blobs).toBe(7 + 3 + 3); // index, 2 manifests, 2 configs, 2 layers; model and dataset: manifest, config, layer
    expect((await execa('skopeo', ['inspect', '--raw', `oci-archive:${out}:images/edge:1`], { stripFinalNewline: false })).stdout).toBe(index.bytes.toString('utf8'));

    const other = await tempRegistry();
    try {
      const imported = await importArchive({ registry: other.root, file: out });
      expect(imported.added.sort()).toEqual(['datasets/iris:1', 'images/cpu:1', 'images/edge:1', 'models/iris:1']);
      const edge = await resolveRef(other.root, 'images/edge:1');
      expect(edge).toMatchObject({ digest: index.descriptor.digest, mediaType: MediaType.imageIndex, metadata: { created: '2026-03-01T00:00:00.000Z' } });
      expect((await buildLineage({ registry: other.root, ref: 'images/cpu:1' })).parents[0]?.parents[0]?.ref).toBe('datasets/iris:1');
      expect((await verifyRegistry({ registry: other.root })).ok).toBe(true);
      expect((await importArchive({ registry: other.root, file: out })).present.sort()).toEqual(['datasets/iris:1', 'images/cpu:1', 'images/edge:1', 'models/iris:1']);
    } finally {
      await other.cleanup();
    }

    // The same archive with the image's entry renamed to a model: refused, nothing added.
    const tarText = await readFile(out, 'latin1');
    const renamed = tarText.replaceAll('"dev.mlship.kind": "images"', '"dev.mlship.kind": "models"');
    expect(renamed).not.toBe(tarText);
    const mislabeled = join(dir, 'mislabeled.tar');
    await writeFile(mislabeled, Buffer.from(renamed, 'latin1'));
    const third = await tempRegistry();
    try {
      const error = await caught(importArchive({ registry: third.root, file: mislabeled }));
      expect(error.code).toBe(ImageErrorCode.unsupported);
      expect(await listArtifacts(third.root)).toEqual([]);
    } finally {
      await third.cleanup();
    }
  });

  it('shows, lists and traces images from the CLI, and refuses `registry get` of one', async () => {
    const image = await writeTestImage(root, { model });
    await putImage({ registry: root, name: 'iris', manifest: image.descriptor });
    const show = await runMlshipJson(['--registry', root, 'registry', 'show', 'images/iris:1'], { cwd: dir });
    expect(show.exitCode).toBe(0);
    expect(show.data).toMatchObject({ ref: 'images/iris:1', format: 'image', metadata: { parents: [{ ref: 'models/iris:1' }] } });
    const text = await runMlshipJson(['--registry', root, 'registry', 'list', 'images'], { cwd: dir });
    expect(text.data.artifacts.map((row: { ref: string }) => row.ref)).toEqual(['images/iris:1']);
    const lineage = await runMlshipJson(['--registry', root, 'registry', 'lineage', 'images/iris:1'], { cwd: dir });
    expect(lineage.data).toMatchObject({ ref: 'images/iris:1', parents: [{ ref: 'models/iris:1', parents: [{ ref: 'datasets/iris:1' }] }] });
    const get = await runMlshipJson(['--registry', root, 'registry', 'get', 'images/iris:1', '--out', join(dir, 'out')], { cwd: dir });
    expect(get.exitCode).toBe(2);
    expect(get.stderr).toContain(ImageErrorCode.unsupported);
  });
});
