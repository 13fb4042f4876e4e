import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { digestOf } from '@mlship/core';
import { initRegistry } from '@mlship/registry';
import { caught, makeTempDir } from '@mlship/test-utils';
import { ImageMediaType, canonicalBytes } from '@mlship/oci';
import { fetchBaseImage } from './base-image.js';

const AMD64 = { os: 'linux', architecture: 'amd64' };

/** Writes chunks until the client goes away: a body that never ends. */
function endless(response: ServerResponse, prefix: Buffer = Buffer.alloc(0)): void {
  response.writeHead(200, { 'content-type': 'application/octet-stream' });
  response.write(prefix);
  const chunk = Buffer.alloc(64 << 10, 0x61);
  let open = true;
  response.on('close', () => (open = false));
  const more = () => {
    while (open && response.write(chunk));
    if (open) response.once('drain', more);
  };
  more();
}

describe('a registry that sends more than it describes', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let server: Server;
  let host: string;
  let registry: string;

  const layer = Buffer.from('layer bytes');
  const config = canonicalBytes({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(layer)] } });
  const manifest = canonicalBytes({
    schemaVersion: 2,
    mediaType: ImageMediaType.ociManifest,
    config: { mediaType: ImageMediaType.ociConfig, digest: digestOf(config), size: config.length },
    layers: [{ mediaType: ImageMediaType.ociLayerGzip, digest: digestOf(layer), size: layer.length }],
  });

  beforeAll(async () => {
    temp = await makeTempDir('mlship-base-registry-');
    registry = (await initRegistry({ dir: join(temp.dir, 'project') })).registry;
    server = createServer((request, response) => {
      const [, , repository, kind] = (request.url ?? '').split('/');
      if (kind === 'manifests') {
        if (repository === 'endless-manifest') return endless(response, manifest);
        response.writeHead(200, { 'content-type': ImageMediaType.ociManifest, 'content-length': manifest.length });
        return response.end(manifest);
      }
      if (kind === 'blobs' && request.url!.endsWith(digestOf(config))) {
        if (repository === 'endless-config') return endless(response, config);
        response.writeHead(200, { 'content-length': config.length });
        return response.end(config);
      }
      if (kind === 'blobs' && request.url!.endsWith(digestOf(layer))) return endless(response, layer);
      response.writeHead(request.url === '/v2/' ? 200 : 404);
      response.end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
    await temp.cleanup();
  });

  const fetch = (repository: string) => fetchBaseImage({ registry, base: `docker://${host}/${repository}:1`, platform: AMD64, insecure: true });
  const temps = async () => (await readdir(join(registry, 'blobs', 'sha256'))).filter((name) => name.startsWith('.tmp'));

  it('stops reading a manifest without Content-Length at the document limit', async () => {
    const error = await caught(fetch('endless-manifest'));
    expect([error.code, error.exitCode]).toEqual(['MLSHIP_E_USAGE', 2]);
    expect(error.message).toContain('more than a manifest or config may be');
  });

  it('stops reading a config at its descriptor size', async () => {
    const error = await caught(fetch('endless-config'));
    expect([error.code, error.exitCode]).toEqual(['MLSHIP_E_INTEGRITY', 3]);
  });

  it('stops reading a layer at its descriptor size and leaves no temp file', async () => {
    const error = await caught(fetch('endless-layer'));
    expect([error.code, error.exitCode]).toEqual(['MLSHIP_E_INTEGRITY', 3]);
    expect(await temps()).toEqual([]);
  });
});
