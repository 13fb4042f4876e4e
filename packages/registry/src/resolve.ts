import {
  ErrorCode,
  ExitCode,
  MlshipError,
  formatRef,
  parseRef,
  versionRef,
  type ArtifactRef,
  type Digest,
} from '@mlship/core';
import { type Descriptor, type OciIndex, isImageConfigMediaType, isIndexMediaType, isManifestMediaType } from '@mlship/oci';
import { readManifest, readMetadata } from './documents.js';
import { buildCatalog, entryFacts, nameKey, readIndex, summarize, type Catalog } from './index-file.js';
import { describeImage } from './image-version.js';
import { readManifestTree } from './manifest-tree.js';
import { Annotation } from './media-types.js';
import type { ArtifactSummary, ArtifactVersion } from './types.js';

function notFound(text: string, hint: string): MlshipError {
  return new MlshipError(ErrorCode.refNotFound, `no artifact ${text} in the registry`, { hint, exitCode: ExitCode.usage });
}

function describeVersions(catalog: Catalog, key: string): string {
  const versions = [...(catalog.versions.get(key)?.keys() ?? [])].sort((a, b) => a - b);
  const aliases = [...(catalog.aliases.get(key)?.keys() ?? [])].sort();
  const parts = [`${key} has version${versions.length === 1 ? '' : 's'} ${versions.length > 5 ? `1..${versions.at(-1)}` : versions.join(', ')}`];
  if (aliases.length > 0) parts.push(`aliases: ${aliases.join(', ')}`);
  return parts.join('; ');
}

/** Finds the index entry of the version a ref names, from index.json alone. */
export function findVersionEntry(catalog: Catalog, ref: ArtifactRef): { entry: Descriptor; version: number } {
  const key = nameKey(ref.kind, ref.name);
  const text = formatRef(ref);
  const versions = catalog.versions.get(key);
  if (!versions || versions.size === 0) throw notFound(text, `there is no ${key}; run \`mlship registry list\` to see what is stored`);
  const selector = ref.selector;
  switch (selector.type) {
    case 'latest': {
      const version = Math.max(...versions.keys());
      return { entry: versions.get(version)!, version };
    }
    case 'version': {
      const entry = versions.get(selector.version);
      if (!entry) throw notFound(text, describeVersions(catalog, key));
      return { entry, version: selector.version };
    }
    case 'alias': {
      const aliasEntry = catalog.aliases.get(key)?.get(selector.alias);
      const version = aliasEntry ? entryFacts(aliasEntry)?.version : undefined;
      const entry = version === undefined ? undefined : versions.get(version);
      if (!entry || version === undefined) throw notFound(text, describeVersions(catalog, key));
      return { entry, version };
    }
    case 'digest': {
      const matches = [...versions].filter(([, entry]) => entry.digest.startsWith(selector.digest));
      if (matches.length === 0) throw notFound(text, describeVersions(catalog, key));
      if (matches.length > 1) {
        throw new MlshipError(ErrorCode.invalidRef, `digest prefix in ${text} matches ${matches.length} versions`, {
          hint: 'give more hex digits of the digest',
          exitCode: ExitCode.usage,
        });
      }
      const [version, entry] = matches[0]!;
      return { entry, version };
    }
  }
}

/** Every version entry whose manifest digest is `digest` (any name). */
export function findByDigest(catalog: Catalog, digest: Digest): Descriptor | undefined {
  for (const versions of catalog.versions.values()) {
    for (const entry of versions.values()) if (entry.digest === digest) return entry;
  }
  return undefined;
}

/** Reads one version whole (manifest and metadata, or an image's documents, all integrity-checked). */
export async function loadVersion(root: string, index: OciIndex, entry: Descriptor): Promise<ArtifactVersion> {
  const facts = entryFacts(entry);
  if (!facts) throw new Error(`index entry ${entry.digest} is not an mlship artifact`);
  const catalog = buildCatalog(index);
  const aliases = [...(catalog.aliases.get(nameKey(facts.kind, facts.name)) ?? [])]
    .filter(([, e]) => e.digest === entry.digest)
    .map(([alias]) => alias)
    .sort();
  const base = {
    ref: versionRef(facts.kind, facts.name, facts.version),
    kind: facts.kind,
    name: facts.name,
    version: facts.version,
    digest: entry.digest,
    size: entry.size,
    mediaType: entry.mediaType,
    aliases,
  };
  if (!isIndexMediaType(entry.mediaType)) {
    const manifest = await readManifest(root, entry.digest);
    if (!isImageConfigMediaType(manifest.config.mediaType)) {
      const metadata = await readMetadata(root, manifest.config.digest);
      const files = manifest.layers.map((layer, position) => ({
        name: layer.annotations?.[Annotation.title] ?? `layer-${position}`,
        digest: layer.digest,
        size: layer.size,
        mediaType: layer.mediaType,
      }));
      return { ...base, format: 'artifact', files, metadata };
    }
  }
  const image = describeImage(await readManifestTree(root, entry), entry, facts);
  return { ...base, format: 'image', ...image };
}

/** Resolves a ref (`models/iris`, `:3`, `@production`, `@sha256:…`) to the version it names. */
export async function resolveRef(root: string, ref: string | ArtifactRef): Promise<ArtifactVersion> {
  const parsed = typeof ref === 'string' ? parseRef(ref) : ref;
  const index = await readIndex(root);
  const { entry } = findVersionEntry(buildCatalog(index), parsed);
  if (!isManifestMediaType(entry.mediaType) && !isIndexMediaType(entry.mediaType)) {
    throw new MlshipError(ErrorCode.usage, `${formatRef(parsed)} is a ${entry.mediaType}, neither an artifact manifest nor an image`, {
      exitCode: ExitCode.usage,
    });
  }
  return loadVersion(root, index, entry);
}

export interface ListOptions {
  kind?: string;
  name?: string;
  /**
   * Also read each listed version's metadata (verified) for its `status`, and a model's scalar
   * `metrics`. Without it, listing reads index.json alone.
   */
  details?: boolean;
}

/** A model's headline figures: the metrics that are finite numbers. */
function scalarMetrics(metrics: Record<string, unknown> | undefined): Record<string, number> {
  const scalars: Record<string, number> = {};
  for (const [key, value] of Object.entries(metrics ?? {})) if (typeof value === 'number' && Number.isFinite(value)) scalars[key] = value;
  return scalars;
}

/** Lists stored versions from index.json (and with `details`, their metadata). */
export async function listArtifacts(root: string, options: ListOptions = {}): Promise<ArtifactSummary[]> {
  const index = await readIndex(root);
  const rows = summarize(index).filter((row) => (!options.kind || row.kind === options.kind) && (!options.name || row.name === options.name));
  if (!options.details) return rows;
  const catalog = buildCatalog(index);
  for (const row of rows) {
    const entry = catalog.versions.get(nameKey(row.kind, row.name))?.get(row.version);
    const metadata = entry ? await loadVersion(root, index, entry).then((version) => version.metadata, () => undefined) : undefined;
    row.status = metadata ? (metadata.status === 'failed' ? 'failed' : 'ok') : null;
    if (row.kind === 'models') row.metrics = scalarMetrics(metadata?.metrics);
  }
  return rows;
}
