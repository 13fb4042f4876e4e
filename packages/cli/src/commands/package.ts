import type { Command } from 'commander';
import { defineFlags } from '@mlship/core';
import { addFlags } from '../add-flags.js';
import { handle } from '../context.js';
import { TOP_LEVEL_COMMANDS } from './command-index.js';
import { ALLOW_FAILED_FLAG, NEW_VERSION_FLAG } from './shared-flags.js';

/** An empty value counts as not given (the package's default applies). */
const unlessEmpty = (value: string): string | undefined => value || undefined;

const packageFlags = () =>
  defineFlags({
    target: { flag: '--target <target>', description: 'what the image runs on', choices: ['cpu', 'gpu', 'edge'], default: 'cpu' },
    base: {
      flag: '--base <image>',
      description: 'base image: oci:DIR[:REF], oci-archive:FILE, docker-archive:FILE or [docker://]HOST/REPO:TAG (default by target, see below)',
      parse: unlessEmpty,
    },
    platforms: {
      flag: '--platform <list>',
      description: 'comma-separated platforms (default linux/amd64; edge: linux/amd64,linux/arm64)',
      parse: (list: string) => (list ? list.split(',').map((text) => text.trim()).filter(Boolean) : undefined),
    },
    name: { flag: '--name <name>', description: 'name of the images/ and packages/ versions (default the model name)', parse: unlessEmpty },
    push: { flag: '--push <location>', description: 'push the image to an OCI registry, e.g. oci://registry.example.com/team/iris:1', parse: unlessEmpty },
    out: { flag: '--out <file>', description: 'also write the image as an archive (podman load, docker load, skopeo oci-archive:)', parse: unlessEmpty },
    bundleDir: { flag: '--bundle-dir <dir>', description: 'keep the bundle directory (Dockerfile, runtime, model, SBOM) here', parse: unlessEmpty },
    insecure: {
      flag: '--insecure',
      description: 'plain HTTP to a registry on this machine (127.0.0.1, localhost): for the base and for --push, each when its host is one',
    },
    allowFailed: ALLOW_FAILED_FLAG,
    newVersion: NEW_VERSION_FLAG,
  });

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export function registerPackage(program: Command): void {
  const flags = packageFlags();
  const command = program.command('package').description(TOP_LEVEL_COMMANDS.package.description).argument('<ref>', 'the model, e.g. models/iris:1 or models/iris@production');
  addFlags(command, flags)
    .addHelpText(
      'after',
      `
The image is built without a daemon. The base image is pulled through the OCI distribution API (or
read from a local layout or archive) into the registry's blob store, then three layers are added: the
runtime (ONNX Runtime's native libraries: the same digest for every model), the app (the mlship server,
package.json, lockfile, SBOM) and the weights (model, signature, model card, provenance). A new model
version therefore uploads only its weights layer. Builds are reproducible: the same inputs give the
same image digest, and an image equal to the latest images/ version adds none (unless --new-version).
The image runs \`mlship serve\`'s runtime on port 8080 (KServe V2 and /v1/predict). A model marked
failed is refused (MLSHIP_E_VERSION_FAILED, exit 1) unless --allow-failed; its image (label
dev.mlship.status=failed) and package are then marked failed too.

Default bases (glibc with Node.js >= 20 on PATH):
  cpu   docker.io/library/node:20-bookworm-slim           linux/amd64
  gpu   docker.io/library/node:20-bookworm-slim           linux/amd64 (give a CUDA base with Node for the CUDA provider)
  edge  gcr.io/distroless/nodejs20-debian12               linux/amd64 + linux/arm64 (an image index)

Examples:
  $ mlship package models/iris@production --target cpu
  $ skopeo copy oci:.mlship/registry:images/iris:1 containers-storage:localhost/iris:1 && podman run -p 8080:8080 localhost/iris:1
  $ mlship package models/iris:3 --target edge --push oci://registry.example.com/ml/iris:3
  $ mlship package models/iris:3 --base oci-archive:base.tar --out iris.tar --bundle-dir build/iris`,
    )
    .action(
      handle(flags, async (context, [ref], options) => {
        const registry = await context.registry();
        const { packageModel } = await import('@mlship/packager');
        const result = await packageModel({
          registry,
          ref: ref!,
          ...options,
          onProgress: (event) => context.reporter.info(`${event.step}: ${event.detail ?? ''}`),
        });
        for (const warning of result.warnings) context.reporter.warn(warning);
        const lines = [
          `model:    ${result.model.ref} (${result.model.digest.slice(0, 19)})${result.status === 'failed' ? ', marked failed: the image and package are marked failed too' : ''}`,
          `package:  ${result.package.ref}${result.package.reused ? ' (unchanged)' : ''}`,
          `image:    ${result.image.ref} ${result.image.digest}${result.image.reused ? ' (unchanged: same digest as the latest version)' : ''}`,
          `base:     ${result.base}`,
        ];
        for (const platform of result.image.platforms) {
          lines.push(
            `  ${platform.platform}: ${megabytes(platform.sizeAboveBase)} above the base (${platform.layers.map((layer) => `${layer.name} ${megabytes(layer.size)}`).join(', ')})`,
          );
        }
        if (result.bundleDir) lines.push(`bundle:   ${result.bundleDir}`);
        if (result.archive) lines.push(`archive:  ${result.archive}`);
        if (result.pushed) lines.push(`pushed:   ${result.pushed.location} (${result.pushed.blobsUploaded} blobs uploaded, ${result.pushed.blobsSkipped} already there)`);
        // podman 4.3 names an image run from oci:DIR:REF after DIR, and refuses a DIR part starting with a dot.
        const local = result.image.ref.slice('images/'.length);
        lines.push(
          registry.split('/').some((part) => part.startsWith('.'))
            ? `run:      skopeo copy oci:${registry}:${result.image.ref} containers-storage:localhost/${local} && podman run -p 8080:8080 localhost/${local}`
            : `run:      podman run -p 8080:8080 oci:${registry}:${result.image.ref}`,
        );
        lines.push(`time:     ${result.seconds.total.toFixed(1)} s (bundle ${result.seconds.bundle.toFixed(1)} s, image ${result.seconds.image.toFixed(1)} s)`);
        return { data: result, text: lines.join('\n') };
      }),
    );
}
