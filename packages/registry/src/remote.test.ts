import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { ErrorCode, ExitCode, digestOf } from '@mlship/core';
import { caught, type OciRegistryServer, runMlship, startOciRegistry } from '@mlship/test-utils';
import { putArtifact } from './put.js';
import { resolveRef } from './resolve.js';
import { pullArtifact } from './remote/pull.js';
import { pushArtifact } from './remote/push.js';
import { parseOciLocation } from './remote/oci-url.js';
import { readBlobVerified } from './blobs.js';
import { tempRegistry } from '../test/temp-registry.js';
import { verifyRegistry } from './verify.js';

const skopeoRaw = async (args: string[]) => (await execa('skopeo', ['inspect', '--raw', ...args])).stdout;

describe('push and pull against a real OCI registry (docker-registry) checked with skopeo', () => {
  let server: OciRegistryServer;
  let local: Awaited<ReturnType<typeof tempRegistry>>;
  let other: Awaited<ReturnType<typeof tempRegistry>>;
  const noAuth = { HOME: '/nonexistent', REGISTRY_AUTH_FILE: '/nonexistent/auth.json' };

  beforeAll(async () => {
    server = await startOciRegistry();
  });
  afterAll(() => server.stop());
  beforeEach(async () => {
    local = await tempRegistry();
    other = await tempRegistry();
  });
  afterEach(async () => {
    await local.cleanup();
    await other.cleanup();
  });

  it('pushes an artifact that skopeo reads byte for byte, skips blobs already there, and pulls it back', async () => {
    const data = await putArtifact({ registry: local.root, kind: 'datasets', name: 'iris', files: [{ name: 'iris.csv', data: 'a\n1\n' }], git: null });
    const model = await putArtifact({
      registry: local.root,
      kind: 'models',
      name: 'iris',
      files: [{ name: 'model.onnx', data: Buffer.alloc(300_000, 5) }, { name: 'signature.json', data: '{}' }],
      parents: [data.ref],
      git: null,
    });
    const pushed = await pushArtifact({ registry: local.root, ref: 'models/iris', to: `oci://${server.host}/ml/iris`, insecure: true, env: noAuth });
    expect(pushed).toMatchObject({ location: `oci://${server.host}/ml/iris:1`, digest: model.digest, blobsUploaded: 3, blobsSkipped: 0 });

    const manifestText = await skopeoRaw(['--tls-verify=false', `docker://${server.host}/ml/iris:1`]);
    expect(digestOf(manifestText)).toBe(model.digest);
    expect(manifestText).toBe((await readBlobVerified(local.root, model.digest)).toString('utf8'));
    const config = JSON.parse(await skopeoRaw(['--config', '--tls-verify=false', `docker://${server.host}/ml/iris:1`]));
    expect(config).toMatchObject({ kind: 'models', name: 'iris', version: 1, parents: [{ ref: 'datasets/iris:1' }] });

    const again = await pushArtifact({ registry: local.root, ref: 'models/iris:1', to: `oci://${server.host}/ml/iris:prod`, insecure: true, env: noAuth });
    expect(again).toMatchObject({ blobsUploaded: 0, blobsSkipped: 3 });

    const pulled = await pullArtifact({ registry: other.root, from: `oci://${server.host}/ml/iris:prod`, insecure: true, env: noAuth });
    expect(pulled).toMatchObject({ ref: 'models/iris:1', digest: model.digest, added: true, blobsDownloaded: 3 });
    expect((await resolveRef(other.root, 'models/iris:1')).metadata.parents).toEqual([{ ref: 'datasets/iris:1', digest: data.digest }]);
    expect((await verifyRegistry({ registry: other.root })).ok).toBe(true);
    const byDigest = await pullArtifact({ registry: other.root, from: `oci://${server.host}/ml/iris@${model.digest}`, insecure: true, env: noAuth });
    expect(byDigest).toMatchObject({ added: false, blobsDownloaded: 0, blobsSkipped: 3 });
  });

  it('lets skopeo read the local store as an OCI layout, by version and by alias', async () => {
    const stored = await putArtifact({ registry: local.root, kind: 'models', name: 'm', files: [{ name: 'f', data: 'x' }], git: null });
    const { tagArtifact } = await import('./aliases.js');
    await tagArtifact({ registry: local.root, ref: stored.ref, alias: 'production' });
    expect(digestOf(await skopeoRaw([`oci:${local.root}:models/m:1`]))).toBe(stored.digest);
    expect(digestOf(await skopeoRaw([`oci:${local.root}:models/m:production`]))).toBe(stored.digest);
  });

  it('refuses to pull something that is not an mlship artifact', async () => {
    // A manifest with an ordinary image config, pushed with skopeo from a hand-made layout.
    const layout = join(local.dir, 'plain');
    await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
        layers: [],
      }),
    );
    await writeFile(join(layout, 'blobs', 'sha256', digestOf(config).slice(7)), config);
    await writeFile(join(layout, 'blobs', 'sha256', digestOf(manifest).slice(7)), manifest);
    await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(
      join(layout, 'index.json'),
      JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }),
    );
    await execa('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${server.host}/plain/image:v1`]);
    const error = await caught(pullArtifact({ registry: other.root, from: `oci://${server.host}/plain/image:v1`, insecure: true, env: noAuth }));
    expect(error.code).toBe(ErrorCode.usage);
    expect(error.message).toContain('not an mlship artifact');
  });

  it('gives coded errors for bad locations, plain HTTP off loopback, and an unreachable registry', async () => {
    await putArtifact({ registry: local.root, kind: 'models', name: 'm', files: [{ name: 'f', data: 'x' }], git: null });
    expect(() => parseOciLocation('docker://x/y')).toThrow(/must start with oci:\/\//);
    expect(() => parseOciLocation('oci://host')).toThrow(/no repository/);
    expect(() => parseOciLocation('oci://host/Bad_Repo')).toThrow(/bad repository/);
    const offLoopback = await caught(pushArtifact({ registry: local.root, ref: 'models/m', to: 'oci://registry.example.com/m', insecure: true }));
    expect(offLoopback.code).toBe(ErrorCode.usage);
    const refused = await caught(pushArtifact({ registry: local.root, ref: 'models/m', to: 'oci://127.0.0.1:1/m', insecure: true, env: noAuth }));
    expect(refused.code).toBe(ErrorCode.remote);
    expect(refused.exitCode).toBe(ExitCode.runtime);
  });
});

describe('push and pull with basic auth from the container auth file', () => {
  let server: OciRegistryServer;
  let local: Awaited<ReturnType<typeof tempRegistry>>;
  beforeAll(async () => {
    server = await startOciRegistry({ basicAuth: { username: 'alice', password: 's3cret' } });
  });
  afterAll(() => server.stop());
  beforeEach(async () => {
    local = await tempRegistry();
    await putArtifact({ registry: local.root, kind: 'models', name: 'secure', files: [{ name: 'w', data: 'weights' }], git: null });
  });
  afterEach(() => local.cleanup());

  const authFile = async (password: string) => {
    const file = join(local.dir, `auth-${password}.json`);
    await writeFile(file, JSON.stringify({ auths: { [server.host]: { auth: Buffer.from(`alice:${password}`).toString('base64') } } }));
    return { HOME: local.dir, REGISTRY_AUTH_FILE: file };
  };

  it('authenticates with the credentials podman/skopeo login would store', async () => {
    const env = await authFile('s3cret');
    const pushed = await pushArtifact({ registry: local.root, ref: 'models/secure', to: `oci://${server.host}/team/secure`, insecure: true, env });
    expect(pushed.blobsUploaded).toBe(2);
    const raw = await skopeoRaw(['--tls-verify=false', '--creds', 'alice:s3cret', `docker://${server.host}/team/secure:1`]);
    expect(digestOf(raw)).toBe(pushed.digest);
  });

  it('fails with a coded auth error and a login hint without credentials or with wrong ones', async () => {
    for (const env of [{ HOME: local.dir, REGISTRY_AUTH_FILE: join(local.dir, 'none.json') }, await authFile('wrong')]) {
      const error = await caught(pushArtifact({ registry: local.root, ref: 'models/secure', to: `oci://${server.host}/team/secure`, insecure: true, env }));
      expect(error.code).toBe(ErrorCode.remoteAuth);
      expect(error.hint).toContain('podman login');
    }
  });

  it('works from the CLI too', async () => {
    const env = await authFile('s3cret');
    const result = await runMlship(['--registry', local.root, 'registry', 'push', 'models/secure', `oci://${server.host}/team/cli:v1`, '--insecure', '--json'], {
      cwd: local.dir,
      env,
    });
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ref: 'models/secure:1', location: `oci://${server.host}/team/cli:v1` });
  });
});

describe('push and pull with bearer tokens from a token service', () => {
  let server: OciRegistryServer;
  let local: Awaited<ReturnType<typeof tempRegistry>>;
  beforeAll(async () => {
    server = await startOciRegistry({ tokenAuth: { username: 'bob', password: 'hunter2' } });
  });
  afterAll(() => server.stop());
  beforeEach(async () => {
    local = await tempRegistry();
  });
  afterEach(() => local.cleanup());

  it('asks the realm for a token with the stored credentials, then pushes and pulls', async () => {
    const file = join(local.dir, 'auth.json');
    await writeFile(file, JSON.stringify({ auths: { [`http://${server.host}`]: { auth: Buffer.from('bob:hunter2').toString('base64') } } }));
    const env = { HOME: local.dir, REGISTRY_AUTH_FILE: file };
    const stored = await putArtifact({ registry: local.root, kind: 'models', name: 'tok', files: [{ name: 'w', data: 'weights' }], git: null });
    const pushed = await pushArtifact({ registry: local.root, ref: 'models/tok', to: `oci://${server.host}/team/tok`, insecure: true, env });
    expect(pushed.digest).toBe(stored.digest);
    expect(server.tokensIssued()).toBeGreaterThan(0);
    const other = await tempRegistry();
    try {
      const pulled = await pullArtifact({ registry: other.root, from: `oci://${server.host}/team/tok:1`, insecure: true, env });
      expect(pulled).toMatchObject({ ref: 'models/tok:1', digest: stored.digest, added: true });
    } finally {
      await other.cleanup();
    }
    const denied = await caught(
      pushArtifact({ registry: local.root, ref: 'models/tok', to: `oci://${server.host}/team/tok`, insecure: true, env: { HOME: local.dir, REGISTRY_AUTH_FILE: join(local.dir, 'none.json') } }),
    );
    expect(denied.code).toBe(ErrorCode.remoteAuth);
  });
});
