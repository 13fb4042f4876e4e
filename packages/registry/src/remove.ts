/**
 * `registry rm` and `registry prune`: versions leave `index.json`, under the registry lock and in one
 * atomic rewrite of it; their blobs stay until `registry gc` finds them unreferenced. A version that
 * an alias names, or that another version records as its lineage parent, is refused by `rm` (unless
 * `force`) and kept by `prune`. The planning is pure (`planRemoval`, `planPrune`, over a `VersionGraph`);
 * `removeVersions` and `pruneVersions` read the graph and write the index.
 */
import { errorCodes, ErrorCode, ExitCode, MlshipError, parseArtifactName, parseRef, versionRef, type ArtifactKind, type Digest } from '@mlship/core';
import type { OciIndex } from '@mlship/oci';
import { buildCatalog, entryFacts, nameKey, readIndex, recordUsedUpTo, writeIndex } from './index-file.js';
import { withRegistryLock } from './lock.js';
import { findVersionEntry, loadVersion } from './resolve.js';

/** Error codes of removing versions. */
export const RemoveErrorCode = errorCodes({
  inUse: {
    code: 'MLSHIP_E_VERSION_IN_USE',
    exitCode: ExitCode.usage,
    meaning: '`registry rm` of a version an alias names or another version records as its lineage parent; nothing was removed (untag it, remove the children first, or pass `--force`).',
  },
});

/** One stored version, as the removal rules see it. */
export interface GraphVersion {
  ref: string;
  kind: ArtifactKind;
  name: string;
  version: number;
  digest: Digest;
  aliases: string[];
  /** Manifest digests of the versions it derives from (its metadata's parents, an image's model). */
  parents: Digest[];
}

export type VersionGraph = GraphVersion[];

/** The versions that record one of `removing`'s digests as a parent, and would keep it no longer (no version left has the digest). */
function childrenLeft(graph: VersionGraph, removing: Set<string>): Map<string, string[]> {
  const remaining = graph.filter((node) => !removing.has(node.ref));
  const stays = new Set(remaining.map((node) => node.digest));
  const children = new Map<string, string[]>();
  for (const node of graph) {
    if (!removing.has(node.ref) || stays.has(node.digest)) continue;
    const users = remaining.filter((child) => child.parents.includes(node.digest)).map((child) => child.ref);
    if (users.length > 0) children.set(node.ref, users);
  }
  return children;
}

export interface RemovalPlan {
  /** The version refs to remove. */
  removed: string[];
  /** Alias refs (`models/iris@production`) removed with them (only with `force`). */
  aliases: string[];
  /** With `force`: versions whose recorded parent goes away (lineage then shows it missing). */
  orphaned: Array<{ ref: string; parent: string }>;
  /** Without `force`: why versions cannot go. Nothing is removed when there is any. */
  refused: Array<{ ref: string; aliases: string[]; children: string[] }>;
}

/** Which of `refs` (version refs in the graph; others are ignored) may go, and what goes with them, in the order given. Pure. */
export function planRemoval(graph: VersionGraph, refs: string[], options: { force?: boolean } = {}): RemovalPlan {
  const removing = new Set(refs);
  const children = childrenLeft(graph, removing);
  const plan: RemovalPlan = { removed: [], aliases: [], orphaned: [], refused: [] };
  const byRef = new Map(graph.map((node) => [node.ref, node]));
  for (const ref of removing) {
    const node = byRef.get(ref);
    if (!node) continue;
    const users = children.get(node.ref) ?? [];
    if (!options.force && (node.aliases.length > 0 || users.length > 0)) {
      plan.refused.push({ ref: node.ref, aliases: node.aliases.map((alias) => `${node.kind}/${node.name}@${alias}`), children: users });
      continue;
    }
    plan.removed.push(node.ref);
    plan.aliases.push(...node.aliases.map((alias) => `${node.kind}/${node.name}@${alias}`));
    plan.orphaned.push(...users.map((ref) => ({ ref, parent: node.ref })));
  }
  return plan;
}

export interface PrunePlan {
  /** `kind/name`. */
  name: string;
  removed: string[];
  /** The versions kept and why: among the `keepLast` newest, named by an alias, or a parent of a version that stays. */
  kept: Array<{ ref: string; reason: 'recent' | 'aliased' | 'parent'; aliases?: string[]; children?: string[] }>;
}

/**
 * Keeps the `keepLast` newest versions of `kind/name`, and of the older ones those an alias names and
 * those a remaining version derives from (any name, through any chain: a parent of a kept parent is
 * kept); the rest go. Pure.
 */
export function planPrune(graph: VersionGraph, kind: ArtifactKind, name: string, keepLast: number): PrunePlan {
  const versions = graph.filter((node) => node.kind === kind && node.name === name).sort((a, b) => b.version - a.version);
  const plan: PrunePlan = { name: nameKey(kind, name), removed: [], kept: [] };
  const candidates = new Set<string>();
  for (const [position, node] of versions.entries()) {
    if (position < keepLast) plan.kept.push({ ref: node.ref, reason: 'recent' });
    else if (node.aliases.length > 0) plan.kept.push({ ref: node.ref, reason: 'aliased', aliases: node.aliases.map((alias) => `${kind}/${name}@${alias}`) });
    else candidates.add(node.ref);
  }
  // A candidate that a version staying derives from stays; keeping it may keep its own parents.
  for (;;) {
    const children = childrenLeft(graph, candidates);
    if (children.size === 0) break;
    for (const [ref, users] of children) {
      candidates.delete(ref);
      plan.kept.push({ ref, reason: 'parent', children: users });
    }
  }
  plan.removed = versions.filter((node) => candidates.has(node.ref)).map((node) => node.ref);
  const order = new Map(versions.map((node, position) => [node.ref, position]));
  plan.kept.sort((a, b) => order.get(a.ref)! - order.get(b.ref)!);
  return plan;
}

/** Every mlship version in the index with its aliases and parents (metadata read and verified). */
export async function readVersionGraph(root: string, index: OciIndex): Promise<VersionGraph> {
  const catalog = buildCatalog(index);
  const graph: VersionGraph = [];
  for (const versions of catalog.versions.values()) {
    for (const entry of versions.values()) {
      const facts = entryFacts(entry)!;
      const ref = versionRef(facts.kind, facts.name, facts.version);
      let loaded;
      try {
        loaded = await loadVersion(root, index, entry);
      } catch (error) {
        // Without its metadata we cannot know what it derives from: refuse rather than guess.
        throw new MlshipError(ErrorCode.registryCorrupt, `cannot read ${ref} to know what it derives from: ${(error as Error).message}`, {
          hint: 'run `mlship registry verify` and repair the store before removing versions',
          exitCode: ExitCode.runtime,
        });
      }
      graph.push({ ref, kind: facts.kind, name: facts.name, version: facts.version, digest: entry.digest, aliases: loaded.aliases, parents: loaded.metadata.parents.map((parent) => parent.digest) });
    }
  }
  return graph;
}

/**
 * Takes the versions `refs` name (and with `force` the aliases naming them) out of the index, and
 * records each name's highest number so that no later version is given a removed one.
 */
function applyRemoval(index: OciIndex, graph: VersionGraph, removed: string[]): void {
  const doomed = new Set(removed);
  const byRef = new Map(graph.map((node) => [node.ref, node]));
  for (const ref of removed) {
    const node = byRef.get(ref)!;
    const highest = Math.max(...graph.filter((other) => other.kind === node.kind && other.name === node.name).map((other) => other.version));
    recordUsedUpTo(index, node.kind, node.name, highest);
  }
  index.manifests = index.manifests.filter((entry) => {
    const facts = entryFacts(entry);
    return !facts || !doomed.has(versionRef(facts.kind, facts.name, facts.version));
  });
}

export interface RemoveResult {
  removed: string[];
  aliases: string[];
  orphaned: Array<{ ref: string; parent: string }>;
}

/**
 * `registry rm`: removes the versions `refs` name (each a version number, alias or digest; a bare
 * name is refused as too easy to mistype) from the index, all or none. A version an alias names or
 * another version derives from is refused with `MLSHIP_E_VERSION_IN_USE` unless `force`, which also
 * removes its aliases. Blobs stay until `gcRegistry`.
 */
export async function removeVersions(options: { registry: string; refs: string[]; force?: boolean }): Promise<RemoveResult> {
  const root = options.registry;
  const parsed = options.refs.map((text) => {
    const ref = parseRef(text);
    if (ref.selector.type === 'latest') {
      throw new MlshipError(ErrorCode.usage, `${text} names no version`, { hint: `name the version to remove, e.g. ${text}:1; to remove old versions, use \`mlship registry prune\``, exitCode: ExitCode.usage });
    }
    return ref;
  });
  if (parsed.length === 0) throw new MlshipError(ErrorCode.usage, 'no version to remove', { hint: 'name one, e.g. models/iris:1', exitCode: ExitCode.usage });
  return withRegistryLock(root, async (assertHeld) => {
    const index = await readIndex(root);
    const catalog = buildCatalog(index);
    const refs = [...new Set(parsed.map((ref) => versionRef(ref.kind, ref.name, findVersionEntry(catalog, ref).version)))];
    const graph = await readVersionGraph(root, index);
    const plan = planRemoval(graph, refs, { force: options.force === true });
    if (plan.refused.length > 0) {
      const reasons = plan.refused.map((item) =>
        [item.aliases.length > 0 ? `${item.ref} is named by ${item.aliases.join(', ')}` : '', item.children.length > 0 ? `${item.ref} is the parent of ${item.children.join(', ')}` : '']
          .filter(Boolean)
          .join('; '),
      );
      throw new MlshipError(RemoveErrorCode.inUse, `${reasons.join('; ')}; nothing removed`, {
        hint: 'untag the aliases (`mlship registry untag`) or remove the children first, or pass --force (the children keep a parent that is gone)',
        exitCode: ExitCode.usage,
        details: { refused: plan.refused },
      });
    }
    applyRemoval(index, graph, plan.removed);
    await assertHeld();
    await writeIndex(root, index);
    return { removed: plan.removed, aliases: plan.aliases, orphaned: plan.orphaned };
  });
}

export interface PruneResult extends PrunePlan {
  dryRun: boolean;
}

/**
 * `registry prune`: removes all but the `keepLast` newest versions of `name` (`kind/name`), keeping
 * those an alias names and those another version derives from (`planPrune`). A dry run takes no
 * lock and changes nothing.
 */
export async function pruneVersions(options: { registry: string; name: string; keepLast: number; dryRun?: boolean }): Promise<PruneResult> {
  const root = options.registry;
  const { kind, name } = parseArtifactName(options.name);
  if (!Number.isInteger(options.keepLast) || options.keepLast < 1) {
    throw new MlshipError(ErrorCode.usage, `keep-last must be a whole number of at least 1, got ${options.keepLast}`, { hint: 'e.g. --keep-last 5; to remove one version, use `mlship registry rm`', exitCode: ExitCode.usage });
  }
  const dryRun = options.dryRun === true;
  const prune = async (assertHeld: () => Promise<void>): Promise<PruneResult> => {
    const index = await readIndex(root);
    if (!buildCatalog(index).versions.get(nameKey(kind, name))?.size) {
      throw new MlshipError(ErrorCode.refNotFound, `no artifact ${nameKey(kind, name)} in the registry`, { hint: 'run `mlship registry list` to see what is stored', exitCode: ExitCode.usage });
    }
    const graph = await readVersionGraph(root, index);
    const plan = planPrune(graph, kind, name, options.keepLast);
    if (!dryRun && plan.removed.length > 0) {
      applyRemoval(index, graph, plan.removed);
      await assertHeld();
      await writeIndex(root, index);
    }
    return { ...plan, dryRun };
  };
  return dryRun ? prune(async () => undefined) : withRegistryLock(root, prune);
}
