import { ErrorCode, ExitCode, MlshipError, quoteUntrusted } from '@mlship/core';

/** A location in an OCI registry: `oci://HOST[:PORT]/REPO[:TAG | @sha256:…]`. */
export interface OciLocation {
  /** `host[:port]` as the user wrote it; also the key in container auth files. */
  host: string;
  repository: string;
  tag: string | undefined;
  digest: string | undefined;
}

const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const HOST = /^(?:\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::[0-9]{1,5})?$/;

function invalid(text: string, why: string): MlshipError {
  return new MlshipError(ErrorCode.usage, `invalid registry location ${quoteUntrusted(text, 200)}: ${why}`, {
    hint: 'write it as oci://HOST[:PORT]/REPO[:TAG], e.g. oci://127.0.0.1:5000/team/iris:3',
    exitCode: ExitCode.usage,
  });
}

export function parseOciLocation(text: string): OciLocation {
  if (!text.startsWith('oci://')) throw invalid(text, 'it must start with oci://');
  const rest = text.slice('oci://'.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) throw invalid(text, 'no repository after the host');
  const host = rest.slice(0, slash);
  if (!HOST.test(host)) throw invalid(text, `bad host ${quoteUntrusted(host)}`);
  let path = rest.slice(slash + 1);
  let tag: string | undefined;
  let digest: string | undefined;
  const at = path.indexOf('@');
  if (at >= 0) {
    digest = path.slice(at + 1);
    path = path.slice(0, at);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw invalid(text, 'a digest is sha256: and 64 lowercase hex digits');
  } else {
    const colon = path.lastIndexOf(':');
    if (colon >= 0) {
      tag = path.slice(colon + 1);
      path = path.slice(0, colon);
      if (!TAG.test(tag)) throw invalid(text, `bad tag ${quoteUntrusted(tag)}`);
    }
  }
  if (!REPOSITORY.test(path)) throw invalid(text, `bad repository ${quoteUntrusted(path, 100)} (lowercase letters, digits and separators)`);
  return { host, repository: path, tag, digest };
}

export function formatOciLocation(location: OciLocation): string {
  const suffix = location.digest ? `@${location.digest}` : location.tag ? `:${location.tag}` : '';
  return `oci://${location.host}/${location.repository}${suffix}`;
}
