import type { Command } from 'commander';
import { formatBytes } from '@mlship/core';
import type { ImageFacts } from '@mlship/registry';
import { handle } from '../context.js';
import { keyValues, shortDigest, table } from '../render.js';

export function registerRegistryShow(registry: Command): void {
  registry
    .command('show')
    .description('show one artifact version: files, lineage, metadata')
    .argument('<ref>', 'models/iris, models/iris:3, models/iris@production or models/iris@sha256:<hex>')
    .addHelpText(
      'after',
      `
Examples:
  $ mlship registry show datasets/iris
  $ mlship registry show models/iris@production --json`,
    )
    .action(
      handle(async (context, [ref]) => {
        const { resolveRef } = await import('@mlship/registry');
        const artifact = await resolveRef(await context.registry(), ref!);
        const m = artifact.metadata;
        const git = m.git ? `${m.git.commit?.slice(0, 12) ?? '(no commit)'} on ${m.git.branch ?? '(detached)'}${m.git.dirty ? ', dirty' : ''}` : null;
        const image = artifact.format === 'image' ? (m.extra?.image as ImageFacts | undefined) : undefined;
        const sections = [
          keyValues([
            ['ref', artifact.ref],
            ['digest', artifact.digest],
            ['content', image ? null : m.contentDigest],
            ['type', image ? artifact.mediaType : null],
            ['created', m.created],
            ['aliases', artifact.aliases.join(', ')],
            ['status', m.status],
            ['git', git],
            ['environment', m.environment ? `node ${m.environment.node} ${m.environment.platform}/${m.environment.arch}` : null],
            ['entrypoint', image?.entrypoint ? JSON.stringify(image.entrypoint) : null],
            ['ports', image ? image.exposedPorts.join(', ') : null],
            ['size', image ? formatBytes(image.totalSize) : null],
          ]),
          image
            ? table(
                ['PLATFORM', 'LAYERS', 'MANIFEST'],
                image.platforms.map((p) => [[p.os, p.architecture, p.variant].filter(Boolean).join('/'), String(p.layers), shortDigest(p.digest)]),
              )
            : table(
                ['FILE', 'SIZE', 'DIGEST'],
                artifact.files.map((file) => [file.name, formatBytes(file.size), shortDigest(file.digest)]),
              ),
        ];
        if (m.parents.length > 0) sections.push(`parents:\n${m.parents.map((p) => `  ${p.ref} (${shortDigest(p.digest)})`).join('\n')}`);
        const labels = Object.entries(m.labels ?? {});
        if (labels.length > 0) sections.push(`labels:\n${labels.map(([k, v]) => `  ${k}=${v}`).join('\n')}`);
        const metrics = Object.entries(m.metrics ?? {});
        if (metrics.length > 0) sections.push(`metrics:\n${metrics.map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join('\n')}`);
        return { data: artifact, text: sections.join('\n\n') };
      }),
    );
}
