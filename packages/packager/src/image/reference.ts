import { ErrorCode, ExitCode, MlshipError, type Digest } from '@mlship/core';

/**
 * A base image reference, in the transport syntax skopeo and podman use:
 * - `oci:DIR[:REF]`: an OCI image layout directory; REF matches an index.json entry's
 *   `org.opencontainers.image.ref.name` (default: the only entry, else `latest`).
 * - `oci-archive:FILE[:REF]`: a tar of an OCI image layout.
 * - `docker-archive:FILE[:REPO:TAG | :@N]`: `docker save` / `podman save` output (manifest.json format).
 * - `docker://HOST/REPO[:TAG | @sha256:…]`, `oci://…` (mlship's spelling of a registry location), or a
 *   bare `HOST/REPO:TAG` / `node:20` as docker and podman read it (docker.io, `library/` for one-name repositories).
 */
export type ImageReference = LayoutReference | DockerArchiveReference | RegistryReference;

export interface LayoutReference {
  transport: 'oci' | 'oci-archive';
  path: string;
  ref: string | undefined;
  /** The reference as written; `org.opencontainers.image.base.name` of images built on it. */
  name: string;
}

export interface DockerArchiveReference {
  transport: 'docker-archive';
  path: string;
  /** `REPO:TAG` to pick among several images, as written. */
  ref: string | undefined;
  /** `@N`: the N-th image of manifest.json. */
  index: number | undefined;
  name: string;
}

export interface RegistryReference {
  transport: 'docker';
  /** Host to connect to (`registry-1.docker.io` for Docker Hub), with its port. */
  host: string;
  /** Host as people write it (`docker.io`). */
  domain: string;
  repository: string;
  tag: string | undefined;
  digest: Digest | undefined;
  /** Normalised `DOMAIN/REPO[:TAG][@DIGEST]`, e.g. `docker.io/library/node:20-bookworm-slim`. */
  name: string;
}

const FORMS =
  'write the base as oci:DIR[:REF], oci-archive:FILE[:REF], docker-archive:FILE[:REPO:TAG], docker://HOST/REPO:TAG (or @sha256:…), or HOST/REPO:TAG such as docker.io/library/node:20-bookworm-slim';

function invalid(text: string, why: string): MlshipError {
  return new MlshipError(ErrorCode.usage, `invalid image reference "${text}": ${why}`, { hint: FORMS, exitCode: ExitCode.usage });
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DOMAIN = /^(?:\[[0-9a-fA-F:]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)(?::[0-9]{1,5})?$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

export const DOCKER_HUB_DOMAIN = 'docker.io';
export const DOCKER_HUB_HOST = 'registry-1.docker.io';

export function parseImageReference(text: string): ImageReference {
  if (typeof text !== 'string' || text.trim() === '') throw invalid(String(text), 'it is empty');
  if (text !== text.trim() || /[\s\0]/.test(text)) throw invalid(text, 'it contains white space');
  if (text.startsWith('docker://')) return parseRegistryReference(text, text.slice('docker://'.length));
  if (text.startsWith('oci://')) return parseRegistryReference(text, text.slice('oci://'.length));
  for (const transport of ['oci', 'oci-archive', 'docker-archive'] as const) {
    const prefix = `${transport}:`;
    if (!text.startsWith(prefix)) continue;
    const rest = text.slice(prefix.length);
    // As in containers/image: the path ends at the first colon; the rest names the image.
    const colon = rest.indexOf(':');
    const path = colon < 0 ? rest : rest.slice(0, colon);
    const ref = colon < 0 ? undefined : rest.slice(colon + 1);
    if (path === '') throw invalid(text, `no ${transport === 'oci' ? 'directory' : 'file'} after "${prefix}"`);
    if (ref === '') throw invalid(text, 'an empty name after the path');
    if (transport !== 'docker-archive') return { transport, path, ref, name: text };
    if (ref?.startsWith('@')) {
      const index = Number(ref.slice(1));
      if (!/^[0-9]+$/.test(ref.slice(1)) || !Number.isSafeInteger(index)) throw invalid(text, `"${ref}" is not @N, an image number`);
      return { transport, path, ref: undefined, index, name: text };
    }
    if (ref !== undefined) parseRegistryReference(text, ref); // validates REPO:TAG
    return { transport, path, ref, index: undefined, name: text };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw invalid(text, `unknown transport "${text.slice(0, text.indexOf(':'))}"`);
  if (/^(?:dir|containers-storage|docker-daemon|ostree|sif|tarball):/.test(text)) {
    throw invalid(text, `the "${text.slice(0, text.indexOf(':'))}:" transport is not supported`);
  }
  return parseRegistryReference(text, text);
}

/** Parses `[DOMAIN/]REPO[:TAG][@sha256:…]` with Docker's normalisation. */
export function parseRegistryReference(text: string, body: string): RegistryReference {
  let rest = body;
  let digest: Digest | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const value = rest.slice(at + 1);
    if (!DIGEST.test(value)) throw invalid(text, 'a digest is sha256: and 64 lowercase hex digits');
    digest = value as Digest;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > rest.lastIndexOf('/')) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) throw invalid(text, `bad tag "${tag}"`);
  }
  if (rest === '') throw invalid(text, 'no repository name');
  const slash = rest.indexOf('/');
  const first = slash < 0 ? '' : rest.slice(0, slash);
  let domain: string;
  let path: string;
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))) {
    domain = first;
    path = rest.slice(slash + 1);
    if (!DOMAIN.test(domain)) throw invalid(text, `bad registry host "${domain}"`);
  } else {
    domain = DOCKER_HUB_DOMAIN;
    path = rest;
  }
  if (domain === 'index.docker.io' || domain === DOCKER_HUB_HOST) domain = DOCKER_HUB_DOMAIN;
  if (domain === DOCKER_HUB_DOMAIN && !path.includes('/')) path = `library/${path}`;
  for (const component of path.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      throw invalid(text, `bad repository "${path}" (lowercase letters, digits and the separators . _ -)`);
    }
  }
  if (path.length > 255) throw invalid(text, 'the repository name is longer than 255 characters');
  if (tag === undefined && digest === undefined) tag = 'latest';
  const name = `${domain}/${path}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
  return { transport: 'docker', host: domain === DOCKER_HUB_DOMAIN ? DOCKER_HUB_HOST : domain, domain, repository: path, tag, digest, name };
}

/** The reference written as `org.opencontainers.image.base.name`: normalised for registries, as given otherwise. */
export function formatImageReference(reference: ImageReference): string {
  return reference.name;
}
