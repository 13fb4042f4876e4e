import type { Command } from 'commander';
import { defineFlags, formatBytes, parseByteSize } from '@mlship/core';
import { addFlags } from '../add-flags.js';
import { handle } from '../context.js';

const exportFlags = () =>
  defineFlags({
    out: { flag: '--out <file.tar>', description: 'the tarball to write', required: true },
  });

const importFlags = () =>
  defineFlags({
    maxBytes: { flag: '--max-bytes <size>', description: 'the most the tarball may expand to, e.g. 20GiB (default: 100 times its size, at least 1 GiB)', parse: parseByteSize },
  });

const INSECURE_FLAG = { flag: '--insecure', description: 'plain HTTP, for a registry on loopback' } as const;

const pushFlags = () =>
  defineFlags({
    insecure: INSECURE_FLAG,
  });

const pullFlags = () =>
  defineFlags({
    insecure: INSECURE_FLAG,
    name: { flag: '--name <name>', description: 'store a container image as images/NAME (default for an image mlship built: the last part of REPO)' },
  });

export function registerRegistryTransfer(registry: Command): void {
  const exportTable = exportFlags();
  const importTable = importFlags();
  const pushTable = pushFlags();
  const pullTable = pullFlags();
  const exportCommand = registry.command('export').description('write versions to an OCI image layout tarball, to move them offline').argument('<ref...>', 'versions to export');
  addFlags(exportCommand, exportTable)
    .addHelpText(
      'after',
      `
Examples:
  $ mlship registry export models/iris@production datasets/iris:1 --out iris.tar
  $ skopeo inspect --raw oci-archive:iris.tar:models/iris:3`,
    )
    .action(
      handle(exportTable, async (context, refs, options) => {
        const { exportArtifacts } = await import('@mlship/registry');
        const result = await exportArtifacts({ registry: await context.registry(), refs, out: options.out });
        return { data: result, text: `exported ${result.refs.join(', ')} (${result.blobs} blobs, ${formatBytes(result.bytes)}) to ${result.out}` };
      }),
    );

  const importCommand = registry.command('import').description('import versions from an OCI layout tarball made by `registry export`').argument('<file.tar>', 'the tarball (plain or gzip)');
  addFlags(importCommand, importTable)
    .addHelpText(
      'after',
      `
Every blob is checked against its digest; entries with absolute paths, "..", or links leaving the
archive are refused, as are names, versions and parent refs that refs cannot express. A version number
already taken by other content is a conflict: nothing is imported. A gzip archive that expands past
--max-bytes is refused (a decompression bomb). Blobs the import wrote that no version uses are removed.

Examples:
  $ mlship registry import iris.tar
  $ mlship registry import big-model.tar.gz --max-bytes 200GiB`,
    )
    .action(
      handle(importTable, async (context, [file], options) => {
        const { importArchive } = await import('@mlship/registry');
        const result = await importArchive({ registry: await context.registry(), file: file!, ...options });
        const lines = [...result.added.map((ref) => `imported ${ref}`), ...result.present.map((ref) => `already present ${ref}`)];
        if (lines.length === 0) lines.push('nothing to import');
        if (result.blobsRemoved > 0) lines.push(`removed ${result.blobsRemoved} blob(s) that no imported version uses`);
        return { data: result, text: lines.join('\n') };
      }),
    );

  const pushCommand = registry
    .command('push')
    .description('push a version to an OCI registry (distribution API)')
    .argument('<ref>', 'the version')
    .argument('<oci-url>', 'oci://HOST[:PORT]/REPO[:TAG]; the tag defaults to the version number');
  addFlags(pushCommand, pushTable)
    .addHelpText(
      'after',
      `
Blobs the registry already has are skipped. Credentials come from the container auth file
(podman login / skopeo login / docker login).

Examples:
  $ mlship registry push models/iris@production oci://registry.example.com/ml/iris
  $ mlship registry push models/iris:3 oci://127.0.0.1:5000/ml/iris:3 --insecure`,
    )
    .action(
      handle(pushTable, async (context, [ref, url], options) => {
        const { pushArtifact } = await import('@mlship/registry');
        const result = await pushArtifact({
          registry: await context.registry(),
          ref: ref!,
          to: url!,
          insecure: options.insecure === true,
          onProgress: (event) => context.reporter.debug(`${event.uploaded ? 'uploaded' : 'skipped'} ${event.digest}`),
        });
        return {
          data: result,
          text: `pushed ${result.ref} to ${result.location} (${result.blobsUploaded} blobs uploaded, ${formatBytes(result.bytesUploaded)}; ${result.blobsSkipped} already there)\n${result.digest}`,
        };
      }),
    );

  const pullCommand = registry.command('pull').description('pull an mlship artifact from an OCI registry into this registry').argument('<oci-url>', 'oci://HOST[:PORT]/REPO[:TAG|@sha256:…]');
  addFlags(pullCommand, pullTable)
    .addHelpText(
      'after',
      `
Examples:
  $ mlship registry pull oci://127.0.0.1:5000/ml/iris:3 --insecure
  $ mlship registry pull oci://registry.example.com/ml/iris-cpu:1 --name iris-cpu`,
    )
    .action(
      handle(pullTable, async (context, [url], options) => {
        const { pullArtifact } = await import('@mlship/registry');
        const result = await pullArtifact({ registry: await context.registry(), from: url!, ...options, insecure: options.insecure === true });
        return {
          data: result,
          text: `${result.added ? 'pulled' : 'already present'} ${result.ref} from ${result.location} (${result.blobsDownloaded} blobs downloaded, ${result.blobsSkipped} already here)\n${result.digest}`,
        };
      }),
    );
}
