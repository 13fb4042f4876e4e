import { readFile } from 'node:fs/promises';
import {
  ErrorCode,
  ExitCode,
  MAX_VERSION,
  MlshipError,
  isArtifactKind,
  validateWithSchema,
  versionRef,
  writeFileAtomic,
  type ArtifactKind,
} from '@mlship/core';
import type { Descriptor, OciIndex } from '@mlship/oci';
import { registryPaths } from './layout.js';
import { Annotation, MediaType } from './media-types.js';
import { indexSchema } from './schemas.js';
import type { ArtifactSummary } from './types.js';

function corrupt(root: string, why: string): MlshipError {
  return new MlshipError(ErrorCode.registryCorrupt, `registry index is unreadable: ${why} (${registryPaths(root).index})`, {
    hint: 'run `mlship registry verify`; restore index.json from a backup or an export',
    exitCode: ExitCode.runtime,
  });
}

/** Parses and checks index.json; a missing or malformed one is a coded error, never a crash. */
export function parseIndex(root: string, text: string): OciIndex {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw corrupt(root, `not valid JSON (${(error as Error).message})`);
  }
  const checked = validateWithSchema<OciIndex>(indexSchema, parsed);
  if (!checked.value) throw corrupt(root, checked.errors.slice(0, 3).join('; '));
  return checked.value;
}

export async function readIndex(root: string): Promise<OciIndex> {
  let text: string;
  try {
    text = await readFile(registryPaths(root).index, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw corrupt(root, 'index.json is missing');
    throw error;
  }
  return parseIndex(root, text);
}

export async function writeIndex(root: string, index: OciIndex): Promise<void> {
  await writeFileAtomic(registryPaths(root).index, `${JSON.stringify(index, null, 2)}\n`);
}

/** What an index entry says about the artifact it names, when it is one of ours. */
export interface EntryFacts {
  kind: ArtifactKind;
  name: string;
  version: number;
  alias: string | undefined;
}

export function entryFacts(entry: Descriptor): EntryFacts | undefined {
  const a = entry.annotations;
  if (!a) return undefined;
  const kind = a[Annotation.kind];
  const name = a[Annotation.name];
  const version = Number(a[Annotation.version]);
  if (kind === undefined || name === undefined || !isArtifactKind(kind) || !Number.isInteger(version) || version < 1) {
    return undefined;
  }
  return { kind, name, version, alias: a[Annotation.alias] };
}

/** The index entries of one artifact version, keyed for lookups. */
export interface Catalog {
  /** `kind/name` → version → version entry. */
  versions: Map<string, Map<number, Descriptor>>;
  /** `kind/name` → alias → alias entry. */
  aliases: Map<string, Map<string, Descriptor>>;
  /** `kind/name` → the highest version number used, as recorded when versions were removed. */
  usedUpTo: Map<string, number>;
}

export const nameKey = (kind: string, name: string): string => `${kind}/${name}`;

export function buildCatalog(index: OciIndex): Catalog {
  const catalog: Catalog = { versions: new Map(), aliases: new Map(), usedUpTo: new Map() };
  for (const [key, value] of Object.entries(index.annotations ?? {})) {
    const number = Number(value);
    if (key.startsWith(Annotation.usedUpTo) && Number.isInteger(number) && number > 0) catalog.usedUpTo.set(key.slice(Annotation.usedUpTo.length), number);
  }
  for (const entry of index.manifests) {
    const facts = entryFacts(entry);
    if (!facts) continue;
    const key = nameKey(facts.kind, facts.name);
    const table = facts.alias === undefined ? catalog.versions : catalog.aliases;
    let byName = table.get(key) as Map<number | string, Descriptor> | undefined;
    if (!byName) {
      byName = new Map();
      table.set(key, byName as never);
    }
    byName.set(facts.alias ?? facts.version, entry);
  }
  return catalog;
}

export function latestVersion(catalog: Catalog, kind: string, name: string): number {
  const versions = catalog.versions.get(nameKey(kind, name));
  return versions ? Math.max(0, ...versions.keys()) : 0;
}

/**
 * The number of the next version of `kind/name`: above every stored one and every removed one (a
 * number is never given to other content); past the highest a ref can name, a conflict (exit 2).
 */
export function nextVersion(catalog: Catalog, kind: ArtifactKind, name: string): number {
  const version = Math.max(latestVersion(catalog, kind, name), catalog.usedUpTo.get(nameKey(kind, name)) ?? 0) + 1;
  if (version > MAX_VERSION) {
    throw new MlshipError(ErrorCode.conflict, `${kind}/${name} has reached version ${MAX_VERSION}, the highest a ref can name`, {
      hint: 'store further versions under another name',
      exitCode: ExitCode.usage,
    });
  }
  return version;
}

/** The index entry that names a version. */
export function versionEntry(
  manifest: { digest: Descriptor['digest']; size: number; mediaType?: string; artifactType?: string },
  facts: { kind: ArtifactKind; name: string; version: number; created?: string | undefined },
): Descriptor {
  const annotations: Record<string, string> = {
    [Annotation.refName]: versionRef(facts.kind, facts.name, facts.version),
    [Annotation.kind]: facts.kind,
    [Annotation.name]: facts.name,
    [Annotation.version]: String(facts.version),
  };
  if (facts.created) annotations[Annotation.created] = facts.created;
  return {
    mediaType: manifest.mediaType ?? MediaType.imageManifest,
    digest: manifest.digest,
    size: manifest.size,
    ...(manifest.artifactType ? { artifactType: manifest.artifactType } : {}),
    annotations,
  };
}

/** The extra index entry an alias adds; `skopeo inspect oci:DIR:models/iris:production` finds it. */
export function aliasEntry(target: Descriptor, facts: EntryFacts, alias: string): Descriptor {
  const annotations: Record<string, string> = {
    ...(target.annotations ?? {}),
    [Annotation.refName]: `${facts.kind}/${facts.name}:${alias}`,
    [Annotation.alias]: alias,
  };
  return { ...target, annotations };
}

/** Records in the index that `kind/name` has used numbers up to `version` (kept when it is lower than what is recorded). */
export function recordUsedUpTo(index: OciIndex, kind: ArtifactKind, name: string, version: number): void {
  const key = `${Annotation.usedUpTo}${nameKey(kind, name)}`;
  const recorded = Number(index.annotations?.[key] ?? 0);
  if (Number.isInteger(recorded) && recorded >= version) return;
  index.annotations = { ...(index.annotations ?? {}), [key]: String(version) };
}

export function summarize(index: OciIndex): ArtifactSummary[] {
  const catalog = buildCatalog(index);
  const rows: ArtifactSummary[] = [];
  for (const [key, versions] of catalog.versions) {
    const aliases = catalog.aliases.get(key);
    for (const [version, entry] of versions) {
      const facts = entryFacts(entry)!;
      rows.push({
        ref: versionRef(facts.kind, facts.name, version),
        kind: facts.kind,
        name: facts.name,
        version,
        digest: entry.digest,
        created: entry.annotations?.[Annotation.created] ?? null,
        aliases: aliases ? [...aliases].filter(([, e]) => e.digest === entry.digest).map(([alias]) => alias).sort() : [],
      });
    }
  }
  return rows.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name) || a.version - b.version);
}
