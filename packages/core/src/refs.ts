import { ErrorCode, ExitCode, MlshipError } from './errors.js';

/** Artifact kinds; each is a namespace of names in the registry. */
export const ARTIFACT_KINDS = ['datasets', 'models', 'packages', 'images', 'deployments'] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

export type RefSelector =
  | { type: 'latest' }
  | { type: 'version'; version: number }
  | { type: 'alias'; alias: string }
  | { type: 'digest'; digest: string };

/** A parsed artifact ref: `<kind>/<name>[:<version> | @<alias> | @sha256:<hex>]`. */
export interface ArtifactRef {
  kind: ArtifactKind;
  name: string;
  selector: RefSelector;
}

/** Lowercase letters and digits, separated by single `.`, `_` or `-`; at most 128 characters. */
const NAME_PATTERN = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
/** Aliases start with a letter, so they never read as versions. */
const ALIAS_PATTERN = /^[a-z][a-z0-9._-]{0,63}$/;
/** A full digest or an unambiguous prefix of at least 7 hex digits. */
const DIGEST_PATTERN = /^sha256:[0-9a-f]{7,64}$/;
/** The highest version a ref can name; no version past it is stored, imported or pulled. */
export const MAX_VERSION = 2 ** 31 - 1;

const REF_HINT = 'refs look like models/iris, models/iris:3, models/iris@production or models/iris@sha256:<hex>';

function invalidRef(text: string, why: string): MlshipError {
  return new MlshipError(ErrorCode.invalidRef, `invalid ref "${text}": ${why}`, {
    hint: REF_HINT,
    exitCode: ExitCode.usage,
  });
}

export function isArtifactKind(value: string): value is ArtifactKind {
  return (ARTIFACT_KINDS as readonly string[]).includes(value);
}

export function isValidName(name: string): boolean {
  return name.length <= 128 && NAME_PATTERN.test(name);
}

export function isValidVersion(version: number): boolean {
  return Number.isInteger(version) && version >= 1 && version <= MAX_VERSION;
}

export function isValidAlias(alias: string): boolean {
  return ALIAS_PATTERN.test(alias);
}

/** Parses a ref; throws MLSHIP_E_REF_INVALID (exit 2) with a hint on anything malformed. */
export function parseRef(text: string): ArtifactRef {
  const slash = text.indexOf('/');
  if (slash <= 0) throw invalidRef(text, 'expected <kind>/<name>');
  const kind = text.slice(0, slash);
  if (!isArtifactKind(kind)) {
    throw invalidRef(text, `unknown kind "${kind}" (kinds: ${ARTIFACT_KINDS.join(', ')})`);
  }
  const rest = text.slice(slash + 1);
  const at = rest.indexOf('@');
  const colon = rest.indexOf(':');
  let name: string;
  let selector: RefSelector;
  if (at >= 0 && (colon < 0 || at < colon)) {
    name = rest.slice(0, at);
    const target = rest.slice(at + 1);
    if (target.startsWith('sha256:')) {
      if (!DIGEST_PATTERN.test(target)) throw invalidRef(text, 'a digest is sha256: followed by 7 to 64 lowercase hex digits');
      selector = { type: 'digest', digest: target };
    } else {
      if (!isValidAlias(target)) {
        throw invalidRef(text, `bad alias "${target}" (a letter, then letters, digits, ".", "_" or "-")`);
      }
      selector = { type: 'alias', alias: target };
    }
  } else if (colon >= 0) {
    name = rest.slice(0, colon);
    const version = rest.slice(colon + 1);
    if (!/^[1-9][0-9]*$/.test(version) || Number(version) > MAX_VERSION) {
      throw invalidRef(text, `bad version "${version}" (versions are whole numbers from 1)`);
    }
    selector = { type: 'version', version: Number(version) };
  } else {
    name = rest;
    selector = { type: 'latest' };
  }
  if (!isValidName(name)) {
    throw invalidRef(text, `bad name "${name}" (lowercase letters and digits, joined by ".", "_" or "-")`);
  }
  return { kind, name, selector };
}

/** True for a well-formed `<kind>/<name>:<version>`, the form lineage records parents in. */
export function isVersionRef(text: string): boolean {
  try {
    return parseRef(text).selector.type === 'version';
  } catch {
    return false;
  }
}

/** Parses `<kind>/<name>` with no version, alias or digest (the target of `registry put`). */
export function parseArtifactName(text: string): { kind: ArtifactKind; name: string } {
  const ref = parseRef(text);
  if (ref.selector.type !== 'latest') throw invalidRef(text, 'expected <kind>/<name> without a version, alias or digest');
  return { kind: ref.kind, name: ref.name };
}

export function formatRef(ref: ArtifactRef): string {
  const base = `${ref.kind}/${ref.name}`;
  switch (ref.selector.type) {
    case 'latest':
      return base;
    case 'version':
      return `${base}:${ref.selector.version}`;
    case 'alias':
      return `${base}@${ref.selector.alias}`;
    case 'digest':
      return `${base}@${ref.selector.digest}`;
  }
}

export function versionRef(kind: ArtifactKind, name: string, version: number): string {
  return `${kind}/${name}:${version}`;
}
