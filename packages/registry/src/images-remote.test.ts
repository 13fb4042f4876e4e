import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { ErrorCode } from '@mlship/core';
import { caught, type OciRegistryServer, startOciRegistry } from '@mlship/test-utils';
import { gcRegistry } from './gc.js';
import { registryPaths } from './layout.js';
import { MediaType } from './media-types.js';
import { putArtifact } from './put.js';
import { putImage } from './put-image.js';
import { pullArtifact } from './remote/pull.js';
import { pushArtifact } from './remote/push.js';
import { resolveRef } from './resolve.js';
import { tempRegistry } from '../test/temp-registry.js';
import { writeTestImage, writeTestIndex } from '../test/oci-images.js';
import { verifyRegistry } from './verify.js';

const skopeo = async (args: string[]) => (await execa('skopeo', args, { stripFinalNewline: false })).stdout;

describe('images pushed to and pulled from a real OCI registry (docker-registry), checked with skopeo', () => {
  let server: OciRegistryServer;
  let local: Awaited<ReturnType<typeof tempRegistry>>;
  let model: { ref: string; digest: `sha256:${string}` };
  const noAuth = { HOME: '/nonexistent', REGISTRY_AUTH_FILE: '/nonexistent/auth.json' };

  beforeAll(async () => {
    server = await startOciRegistry();
  });
  afterAll(() => server.stop());
  beforeEach(async () => {
    local = await tempRegistry();
    model = await putArtifact({ registry: local.root, kind: 'models', name: 'iris', files: [{ name: 'model.onnx', data: 'onnx' }], git: null });
  });
  afterEach(() => local.cleanup());

  it('pushes a single-platform image byte for byte, skips what is there, and pulls it back as an image version', async () => {
    const image = await writeTestImage(local.root, { model });
    await putImage({ registry: local.root, name: 'iris-cpu', manifest: image.descriptor });
    const pushed = await pushArtifact({ registry: local.root, ref: 'images/iris-cpu:1', to: `oci://${server.host}/ml/iris-cpu`, insecure: true, env: noAuth });
    expect(pushed).toMatchObject({ location: `oci://${server.host}/ml/iris-cpu:1`, digest: image.descriptor.digest, blobsUploaded: 2, blobsSkipped: 0 });
    expect(pushed.bytesUploaded).toBe(image.config.size + image.layer.size);

    const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${server.host}/ml/iris-cpu:1`]);
    expect(raw).toBe(image.bytes.toString('utf8'));
    const inspected = JSON.parse(await skopeo(['inspect', '--tls-verify=false', `docker://${server.host}/ml/iris-cpu:1`]));
    expect(inspected).toMatchObject({ Digest: image.descriptor.digest, Architecture: 'amd64', Layers: [image.layer.digest], Labels: { 'dev.mlship.model.ref': 'models/iris:1' } });

    const again = await pushArtifact({ registry: local.root, ref: 'images/iris-cpu', to: `oci://${server.host}/ml/iris-cpu:stable`, insecure: true, env: noAuth });
    expect(again).toMatchObject({ blobsUploaded: 0, blobsSkipped: 2, bytesUploaded: 0 });

    // An image mlship built (it carries the model labels) is named after the repository when pulled.
    const other = await tempRegistry();
    try {
      const pulled = await pullArtifact({ registry: other.root, from: `oci://${server.host}/ml/iris-cpu:stable`, insecure: true, env: noAuth });
      expect(pulled).toMatchObject({ ref: 'images/iris-cpu:1', digest: image.descriptor.digest, added: true, blobsDownloaded: 2, blobsSkipped: 0 });
      const version = await resolveRef(other.root, 'images/iris-cpu:1');
      expect(version).toMatchObject({ format: 'image', mediaType: MediaType.imageManifest, metadata: { parents: [{ ref: 'models/iris:1', digest: model.digest }] } });
      expect((await verifyRegistry({ registry: other.root })).ok).toBe(true);
      const byDigest = await pullArtifact({ registry: other.root, from: `oci://${server.host}/ml/iris-cpu@${image.descriptor.digest}`, insecure: true, env: noAuth });
      expect(byDigest).toMatchObject({ ref: 'images/iris-cpu:1', added: false, blobsDownloaded: 0, blobsSkipped: 2 });
    } finally {
      await other.cleanup();
    }
  });

  it('pushes an image index after its platform manifests; skopeo picks the arm64 child; pull brings the whole index back', async () => {
    const amd64 = await writeTestImage(local.root, { model, architecture: 'amd64' });
    const arm64 = await writeTestImage(local.root, { model, architecture: 'arm64', variant: 'v8' });
    const index = await writeTestIndex(local.root, [
      { image: amd64, architecture: 'amd64' },
      { image: arm64, architecture: 'arm64', variant: 'v8' },
    ]);
    await putImage({ registry: local.root, name: 'iris-edge', manifest: index.descriptor });
    const pushed = await pushArtifact({ registry: local.root, ref: 'images/iris-edge:1', to: `oci://${server.host}/ml/iris-edge:1`, insecure: true, env: noAuth });
    // Per platform: config and layer, then the manifest.
    expect(pushed).toMatchObject({ digest: index.descriptor.digest, blobsUploaded: 6, blobsSkipped: 0 });

    const target = `docker://${server.host}/ml/iris-edge:1`;
    expect(await skopeo(['inspect', '--raw', '--tls-verify=false', target])).toBe(index.bytes.toString('utf8'));
    const arm = JSON.parse(await skopeo(['--override-os', 'linux', '--override-arch', 'arm64', 'inspect', '--tls-verify=false', target]));
    // skopeo reports the digest of what the tag names (the index) and the chosen child's config and layers.
    expect(arm).toMatchObject({ Digest: index.descriptor.digest, Architecture: 'arm64', Layers: [arm64.layer.digest] });
    const x86 = JSON.parse(await skopeo(['--override-os', 'linux', '--override-arch', 'amd64', 'inspect', '--tls-verify=false', target]));
    expect(x86).toMatchObject({ Architecture: 'amd64', Layers: [amd64.layer.digest] });
    expect(await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${server.host}/ml/iris-edge@${arm64.descriptor.digest}`])).toBe(arm64.bytes.toString('utf8'));

    // A second push finds every blob and child manifest already there.
    const again = await pushArtifact({ registry: local.root, ref: 'images/iris-edge:1', to: `oci://${server.host}/ml/iris-edge:latest`, insecure: true, env: noAuth });
    expect(again).toMatchObject({ blobsUploaded: 0, blobsSkipped: 6 });

    const other = await tempRegistry();
    try {
      const pulled = await pullArtifact({ registry: other.root, from: `oci://${server.host}/ml/iris-edge:latest`, name: 'edge', insecure: true, env: noAuth });
      expect(pulled).toMatchObject({ ref: 'images/edge:1', digest: index.descriptor.digest, added: true, blobsDownloaded: 6 });
      const version = await resolveRef(other.root, 'images/edge:1');
      expect(version.files.map((file) => [file.name, file.digest])).toEqual([
        ['linux/amd64', amd64.descriptor.digest],
        ['linux/arm64/v8', arm64.descriptor.digest],
      ]);
      expect(await skopeo(['inspect', '--raw', `oci:${other.root}:images/edge:1`])).toBe(index.bytes.toString('utf8'));
      // gc keeps the child manifests, configs and layers of the pulled image.
      const old = new Date(Date.now() - 3600_000);
      for (const name of await readdir(registryPaths(other.root).blobs)) await utimes(join(registryPaths(other.root).blobs, name), old, old);
      expect((await gcRegistry({ registry: other.root })).removed).toEqual([]);
      expect((await verifyRegistry({ registry: other.root })).ok).toBe(true);
    } finally {
      await other.cleanup();
    }
  });

  it('refuses to pull an image that mlship did not build unless it is given a name', async () => {
    const image = await writeTestImage(local.root, { content: 'no labels' });
    await putImage({ registry: local.root, name: 'plain', manifest: image.descriptor });
    await pushArtifact({ registry: local.root, ref: 'images/plain:1', to: `oci://${server.host}/third/party:v1`, insecure: true, env: noAuth });
    const other = await tempRegistry();
    try {
      const error = await caught(pullArtifact({ registry: other.root, from: `oci://${server.host}/third/party:v1`, insecure: true, env: noAuth }));
      expect(error.code).toBe(ErrorCode.usage);
      expect(error.hint).toContain('--name');
      const named = await pullArtifact({ registry: other.root, from: `oci://${server.host}/third/party:v1`, name: 'party', insecure: true, env: noAuth });
      expect(named).toMatchObject({ ref: 'images/party:1', added: true });
      expect((await resolveRef(other.root, 'images/party:1')).metadata.parents).toEqual([]);
    } finally {
      await other.cleanup();
    }
  });
});
