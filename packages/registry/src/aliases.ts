import { ErrorCode, ExitCode, MlshipError, isValidAlias, parseRef, versionRef } from '@mlship/core';
import { aliasEntry, buildCatalog, entryFacts, nameKey, readIndex, writeIndex } from './index-file.js';
import { withRegistryLock } from './lock.js';
import { findVersionEntry, loadVersion } from './resolve.js';
import { assertUsable } from './version-status.js';

function checkAlias(alias: string): void {
  if (!isValidAlias(alias)) {
    throw new MlshipError(ErrorCode.invalidRef, `bad alias "${alias}"`, {
      hint: 'an alias starts with a letter, then letters, digits, ".", "_" or "-" (e.g. production)',
      exitCode: ExitCode.usage,
    });
  }
}

export interface TagResult {
  alias: string;
  ref: string;
  digest: string;
  /** The version the alias pointed to before, if it moved. */
  previous: string | null;
}

/**
 * Points `<kind>/<name>@<alias>` at the version `ref` names; an alias that existed moves. A version
 * marked failed is refused (`MLSHIP_E_VERSION_FAILED`) unless `allowFailed`.
 */
export async function tagArtifact(options: { registry: string; ref: string; alias: string; allowFailed?: boolean }): Promise<TagResult> {
  checkAlias(options.alias);
  const ref = parseRef(options.ref);
  return withRegistryLock(options.registry, async (assertHeld) => {
    const index = await readIndex(options.registry);
    const catalog = buildCatalog(index);
    const { entry, version } = findVersionEntry(catalog, ref);
    assertUsable(await loadVersion(options.registry, index, entry), { action: 'tag', ...(options.allowFailed ? { allowFailed: true } : {}) });
    const facts = entryFacts(entry)!;
    const old = catalog.aliases.get(nameKey(ref.kind, ref.name))?.get(options.alias);
    const previousVersion = old ? entryFacts(old)?.version : undefined;
    index.manifests = index.manifests.filter((e) => e !== old);
    index.manifests.push(aliasEntry(entry, facts, options.alias));
    await assertHeld();
    await writeIndex(options.registry, index);
    return {
      alias: `${ref.kind}/${ref.name}@${options.alias}`,
      ref: versionRef(ref.kind, ref.name, version),
      digest: entry.digest,
      previous: previousVersion === undefined ? null : versionRef(ref.kind, ref.name, previousVersion),
    };
  });
}

/** Removes an alias; the version it pointed to stays. */
export async function untagArtifact(options: { registry: string; name: string; alias: string }): Promise<{ alias: string; ref: string }> {
  checkAlias(options.alias);
  const ref = parseRef(options.name);
  return withRegistryLock(options.registry, async (assertHeld) => {
    const index = await readIndex(options.registry);
    const old = buildCatalog(index).aliases.get(nameKey(ref.kind, ref.name))?.get(options.alias);
    if (!old) {
      throw new MlshipError(ErrorCode.refNotFound, `no alias ${ref.kind}/${ref.name}@${options.alias}`, {
        hint: 'run `mlship registry show` on the name to see its aliases',
        exitCode: ExitCode.usage,
      });
    }
    index.manifests = index.manifests.filter((e) => e !== old);
    await assertHeld();
    await writeIndex(options.registry, index);
    return { alias: `${ref.kind}/${ref.name}@${options.alias}`, ref: versionRef(ref.kind, ref.name, entryFacts(old)!.version) };
  });
}
