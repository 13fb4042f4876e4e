/** Small, real base images for the image tests: OCI layouts and docker-archives made here. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { digestOf, writeFileAtomic, type Digest } from '@mlship/core';
import { initRegistry, openBlobStream, writeBlob } from '@mlship/registry';
import { ImageMediaType, canonicalBytes, type ImageConfigDocument, type Descriptor, type Platform } from '@mlship/oci';
import { buildLayer } from '../src/image/layer.js';

export const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const BASE_CREATED = '2020-01-01T00:00:00Z';

export function baseConfig(platform: Platform, diffIds: Digest[], labels: Record<string, string> = {}): ImageConfigDocument {
  return {
    created: BASE_CREATED,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {
      Env: [`PATH=${BASE_PATH}`, 'BASE_ONLY=1', 'SHARED=base'],
      Cmd: ['/bin/sh'],
      WorkingDir: '/',
      Labels: { 'base.label': 'yes', shared: 'base', ...labels },
      ExposedPorts: { '22/tcp': {} },
    },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map((_, position) => ({ created: BASE_CREATED, created_by: `base layer ${position}` })),
  };
}

export interface BaseLayout {
  dir: string;
  /** `oci:DIR:NAME` */
  reference: string;
  /** Digest of what NAME points to (manifest or index). */
  digest: Digest;
  manifests: Array<{ platform: Platform; digest: Digest; size: number; layers: Descriptor[] }>;
}

/**
 * An OCI layout with one small image per platform (a file naming its architecture and a 0755 script),
 * under index.json name NAME: a manifest for one platform, an image index for several.
 */
export async function makeBaseLayout(dir: string, platforms: Platform[], name = 'base', labels: Record<string, string> = {}): Promise<BaseLayout> {
  await initRegistry({ dir, layoutOnly: true });
  const manifests: BaseLayout['manifests'] = [];
  for (const platform of platforms) {
    const layer = await buildLayer({
      registry: dir,
      mtime: 1_600_000_000,
      entries: [
        { path: 'etc/base-release', source: { data: `base for ${platform.architecture}\n` } },
        { path: 'usr/bin/base-tool', source: { data: '#!/bin/sh\necho base\n' }, mode: 0o755 },
      ],
    });
    const config = await writeBlob(dir, canonicalBytes(baseConfig(platform, [layer.diffId], labels)));
    const manifest = {
      schemaVersion: 2,
      mediaType: ImageMediaType.ociManifest,
      config: { mediaType: ImageMediaType.ociConfig, digest: config.digest, size: config.size },
      layers: [layer.descriptor],
    };
    const written = await writeBlob(dir, canonicalBytes(manifest));
    manifests.push({ platform, digest: written.digest, size: written.size, layers: [layer.descriptor] });
  }
  let top: Descriptor;
  if (manifests.length === 1) {
    top = { mediaType: ImageMediaType.ociManifest, digest: manifests[0]!.digest, size: manifests[0]!.size };
  } else {
    const index = {
      schemaVersion: 2,
      mediaType: ImageMediaType.ociIndex,
      manifests: manifests.map((m) => ({ mediaType: ImageMediaType.ociManifest, digest: m.digest, size: m.size, platform: m.platform })),
    };
    const written = await writeBlob(dir, canonicalBytes(index));
    top = { mediaType: ImageMediaType.ociIndex, digest: written.digest, size: written.size };
  }
  await addLayoutEntry(dir, { ...top, annotations: { 'org.opencontainers.image.ref.name': name } });
  return { dir, reference: `oci:${dir}:${name}`, digest: top.digest, manifests };
}

/** Appends an entry to a layout's index.json (skopeo and umoci find images by these). */
export async function addLayoutEntry(dir: string, entry: Descriptor): Promise<void> {
  const path = join(dir, 'index.json');
  const index = JSON.parse(await readFile(path, 'utf8')) as { manifests: Descriptor[] };
  const name = entry.annotations?.['org.opencontainers.image.ref.name'];
  index.manifests = index.manifests.filter((existing) => name === undefined || existing.annotations?.['org.opencontainers.image.ref.name'] !== name);
  index.manifests.push(entry);
  await writeFileAtomic(path, `${JSON.stringify(index, null, 2)}\n`);
}

/** An uncompressed tar of small files, as `docker save` stores layers. */
export async function plainTar(files: Array<{ name: string; data: string; mode?: number }>): Promise<Buffer> {
  const pack = tar.pack();
  for (const file of files) pack.entry({ name: file.name, mode: file.mode ?? 0o644, mtime: new Date(0) }, file.data);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * A legacy `docker save` archive: `<id>/layer.tar` (uncompressed), `<config hex>.json`,
 * manifest.json and repositories, with the base config of `baseConfig`.
 */
export async function writeDockerArchive(
  file: string,
  options: { platform: Platform; layers: Buffer[]; repoTag: string; /** Wrong ones, to test the check. */ diffIds?: Digest[] },
): Promise<{ config: Buffer }> {
  const diffIds = options.diffIds ?? options.layers.map((layer) => digestOf(layer));
  const config = canonicalBytes(baseConfig(options.platform, diffIds));
  const configName = `${digestOf(config).slice(7)}.json`;
  const pack = tar.pack();
  const layerNames = diffIds.map((id) => `${id.slice(7, 71)}/layer.tar`);
  const add = (name: string, data: Buffer | string) =>
    new Promise<void>((done, fail) => pack.entry({ name, mode: 0o644, mtime: new Date(0) }, data, (error) => (error ? fail(error) : done())));
  const [repo, tag] = [options.repoTag.slice(0, options.repoTag.lastIndexOf(':')), options.repoTag.slice(options.repoTag.lastIndexOf(':') + 1)];
  const written = (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
    await writeFileAtomic(file, Buffer.concat(chunks));
  })();
  for (const [position, layer] of options.layers.entries()) {
    await new Promise<void>((done, fail) =>
      pack.entry({ name: layerNames[position]!.replace('/layer.tar', '/'), type: 'directory', mode: 0o755, mtime: new Date(0) }, (error) => (error ? fail(error) : done())),
    );
    await add(layerNames[position]!, layer);
    await add(layerNames[position]!.replace('layer.tar', 'VERSION'), '1.0');
  }
  await add(configName, config);
  await add('manifest.json', JSON.stringify([{ Config: configName, RepoTags: [options.repoTag], Layers: layerNames }]));
  await add('repositories', JSON.stringify({ [repo]: { [tag]: diffIds.at(-1)!.slice(7) } }));
  pack.finalize();
  await written;
  return { config };
}

export interface TarFile {
  name: string;
  type: string;
  mode: number;
  mtime: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  data: Buffer;
}

/** The entries of a stored gzip layer, in archive order. */
export async function readLayer(registry: string, digest: Digest): Promise<TarFile[]> {
  const extract = tar.extract();
  const input = (await openBlobStream(registry, digest)).pipe(createGunzip());
  input.pipe(extract);
  const files: TarFile[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry as unknown as Readable) chunks.push(chunk as Buffer);
    const h = entry.header;
    files.push({
      name: h.name,
      type: h.type,
      mode: h.mode,
      mtime: h.mtime.getTime() / 1000,
      uid: h.uid,
      gid: h.gid,
      uname: h.uname,
      gname: h.gname,
      data: Buffer.concat(chunks),
    });
  }
  return files;
}
