import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { digestOf, type Digest } from '@mlship/core';
import type { Descriptor } from '@mlship/oci';
import { writeBlob } from '../src/blobs.js';
import { ImageLabel, MediaType } from '../src/media-types.js';

/** A real gzip tar with one file, made deterministically (mtime 0, uid/gid 0). */
async function layerTar(files: Record<string, string>): Promise<{ tar: Buffer; gzip: Buffer }> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) {
    pack.entry({ name, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0 }, content);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  return { tar: bytes, gzip: gzipSync(bytes, { level: 9 }) };
}

export interface TestImage {
  descriptor: Descriptor;
  bytes: Buffer;
  config: Descriptor;
  layer: Descriptor;
}

/**
 * Writes a small but real single-platform image into the store, as an image builder would: a gzip tar
 * layer, an OCI image config (labels pointing at `model` when given), and the manifest.
 */
export async function writeTestImage(
  root: string,
  options: { architecture?: string; variant?: string; content?: string; model?: { ref: string; digest: Digest }; labels?: Record<string, string> } = {},
): Promise<TestImage> {
  const architecture = options.architecture ?? 'amd64';
  const layerFiles = await layerTar({ 'opt/mlship/model/model.json': options.content ?? `{"name":"iris","arch":"${architecture}"}\n` });
  const layer = await writeBlob(root, layerFiles.gzip);
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': 'iris',
    'dev.mlship.target': 'cpu',
    ...(options.model ? { [ImageLabel.modelRef]: options.model.ref, [ImageLabel.modelDigest]: options.model.digest } : {}),
    ...options.labels,
  };
  const config = Buffer.from(
    JSON.stringify({
      created: '2026-01-01T00:00:00.000Z',
      architecture,
      os: 'linux',
      ...(options.variant ? { variant: options.variant } : {}),
      config: {
        Entrypoint: ['node', '/opt/mlship/server/serve-runtime.mjs', '/opt/mlship/model'],
        Env: ['MLSHIP_HOST=0.0.0.0', 'MLSHIP_PORT=8080'],
        ExposedPorts: { '8080/tcp': {} },
        WorkingDir: '/opt/mlship',
        Labels: labels,
      },
      rootfs: { type: 'layers', diff_ids: [digestOf(layerFiles.tar)] },
      history: [{ created: '2026-01-01T00:00:00.000Z', created_by: 'mlship test' }],
    }),
  );
  const configBlob = await writeBlob(root, config);
  const configDescriptor = { mediaType: MediaType.imageConfig, digest: configBlob.digest, size: configBlob.size };
  const layerDescriptor = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer.digest, size: layer.size };
  const bytes = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.imageManifest, config: configDescriptor, layers: [layerDescriptor] }),
  );
  const manifest = await writeBlob(root, bytes);
  return {
    descriptor: { mediaType: MediaType.imageManifest, digest: manifest.digest, size: manifest.size },
    bytes,
    config: configDescriptor,
    layer: layerDescriptor,
  };
}

/** Writes an image index over the given images, each with the platform of its config. */
export async function writeTestIndex(
  root: string,
  images: Array<{ image: TestImage; architecture: string; variant?: string }>,
): Promise<{ descriptor: Descriptor; bytes: Buffer }> {
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.imageIndex,
      manifests: images.map(({ image, architecture, variant }) => ({
        ...image.descriptor,
        platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) },
      })),
    }),
  );
  const index = await writeBlob(root, bytes);
  return { descriptor: { mediaType: MediaType.imageIndex, digest: index.digest, size: index.size }, bytes };
}
