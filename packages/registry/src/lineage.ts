import type { Digest } from '@mlship/core';
import { buildCatalog, entryFacts, readIndex } from './index-file.js';
import { findByDigest, loadVersion, resolveRef } from './resolve.js';
import type { ParentLink } from './types.js';

/** A node of an ancestry tree. A node met again (shared ancestry) is marked `repeated` with no parents. */
export interface LineageNode {
  ref: string;
  digest: Digest;
  /** The parent is recorded but not in this registry (removed, or never imported). */
  missing?: boolean;
  repeated?: boolean;
  parents: LineageNode[];
}

/** The ancestry of a version, following parent digests recorded in each version's metadata. */
export async function buildLineage(options: { registry: string; ref: string; maxDepth?: number }): Promise<LineageNode> {
  const root = options.registry;
  const start = await resolveRef(root, options.ref);
  const index = await readIndex(root);
  const catalog = buildCatalog(index);
  const seen = new Set<string>();
  const maxDepth = options.maxDepth ?? 64;

  const visit = async (ref: string, digest: Digest, parents: ParentLink[] | undefined, depth: number): Promise<LineageNode> => {
    if (seen.has(digest)) return { ref, digest, repeated: true, parents: [] };
    seen.add(digest);
    let links = parents;
    if (links === undefined) {
      const entry = findByDigest(catalog, digest);
      if (!entry) return { ref, digest, missing: true, parents: [] };
      const facts = entryFacts(entry)!;
      ref = `${facts.kind}/${facts.name}:${facts.version}`;
      // An image's parents come from its config labels, an artifact's from its metadata.
      links = (await loadVersion(root, index, entry)).metadata.parents;
    }
    const children: LineageNode[] = [];
    if (depth < maxDepth) {
      for (const link of links) children.push(await visit(link.ref, link.digest, undefined, depth + 1));
    }
    return { ref, digest, parents: children };
  };
  return visit(start.ref, start.digest, start.metadata.parents, 0);
}

const shortDigest = (digest: string) => digest.slice(7, 19);
const label = (node: LineageNode) => `${node.ref} (${shortDigest(node.digest)})${node.missing ? ' [missing]' : ''}${node.repeated ? ' [see above]' : ''}`;

export function renderLineageText(tree: LineageNode): string {
  const lines = [label(tree)];
  const walk = (node: LineageNode, prefix: string) => {
    node.parents.forEach((parent, position) => {
      const last = position === node.parents.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${label(parent)}`);
      walk(parent, prefix + (last ? '    ' : '│   '));
    });
  };
  walk(tree, '');
  return lines.join('\n');
}

function edges(tree: LineageNode): Array<[LineageNode, LineageNode]> {
  const out: Array<[LineageNode, LineageNode]> = [];
  const walk = (node: LineageNode) => {
    for (const parent of node.parents) {
      out.push([parent, node]);
      walk(parent);
    }
  };
  walk(tree);
  return out;
}

function nodes(tree: LineageNode): LineageNode[] {
  const byDigest = new Map<string, LineageNode>();
  const walk = (node: LineageNode) => {
    if (!byDigest.has(node.digest) || !node.repeated) byDigest.set(node.digest, node);
    node.parents.forEach(walk);
  };
  walk(tree);
  return [...byDigest.values()];
}

/**
 * Label text as character entities beyond a plain set (letters, digits, `/:@._+-` and space), which both
 * Graphviz and Mermaid decode: a ref read from a registry can then never close its label and add statements.
 */
const escapeLabel = (text: string, entity: (code: number) => string) =>
  text.replace(/[^A-Za-z0-9/:@._+\- ]/gu, (character) => entity(character.codePointAt(0)!));

/** Graphviz: edges point from parent to child, the direction data flows. */
export function renderLineageDot(tree: LineageNode): string {
  const id = (node: LineageNode) => `"${shortDigest(node.digest)}"`;
  const text = (value: string) => escapeLabel(value, (code) => `&#${code};`);
  const lines = ['digraph lineage {', '  rankdir=LR;', '  node [shape=box];'];
  for (const node of nodes(tree)) {
    lines.push(`  ${id(node)} [label="${text(node.ref)}\\n${shortDigest(node.digest)}"${node.missing ? ', style=dashed' : ''}];`);
  }
  for (const [from, to] of edges(tree)) lines.push(`  ${id(from)} -> ${id(to)};`);
  lines.push('}');
  return lines.join('\n');
}

export function renderLineageMermaid(tree: LineageNode): string {
  const id = (node: LineageNode) => `n${shortDigest(node.digest)}`;
  const text = (value: string) => escapeLabel(value, (code) => `#${code};`);
  const lines = ['flowchart LR'];
  for (const node of nodes(tree)) lines.push(`  ${id(node)}["${text(node.ref)}<br/>${shortDigest(node.digest)}"]`);
  for (const [from, to] of edges(tree)) lines.push(`  ${id(from)} --> ${id(to)}`);
  return lines.join('\n');
}
