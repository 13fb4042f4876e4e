/** Flag-table entries and parsers that several commands share. */
import { parseArtifactName, usageError, type ArtifactKind } from '@mlship/core';

/** Parses repeated `--meta key=value` flags: the metadata labels of the version a command stores. */
export function parseMetadataLabels(pairs: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    const key = equals > 0 ? pair.slice(0, equals) : '';
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(key)) {
      throw usageError(`bad --meta "${pair}"`, 'write --meta key=value, with a key of letters, digits, ".", "_" or "-"');
    }
    labels[key] = pair.slice(equals + 1);
  }
  return labels;
}

/** A bare artifact name of `kind` (`--name iris`, not `models/iris:1`); `example` goes into the hint. */
export function artifactName(kind: ArtifactKind, example: string): (value: string, flag: string) => string {
  return (value, flag) => {
    const parsed = parseArtifactName(`${kind}/${value}`);
    if (parsed.kind !== kind) throw usageError(`bad ${flag} "${value}"`, `give a bare name, e.g. ${flag} ${example}`);
    return parsed.name;
  };
}

/**
 * Key=value pairs recorded with the new version (the metadata's `labels`): the `metadataLabels` of the
 * commands that store one, and of the functions they call.
 */
export const META_FLAG = { flag: '--meta <key=value>', description: 'a label to record (repeatable)', repeatable: true, parse: parseMetadataLabels } as const;

/** The CSV delimiter of the data commands' readers. */
export const DELIMITER_FLAG = { flag: '--delimiter <char>', description: 'CSV delimiter, or "auto"' } as const;

/**
 * Act on a version marked failed (`tag`, `package`, `serve`, `compress`): refused without it, with
 * MLSHIP_E_VERSION_FAILED (exit 1). What is made from a failed version is marked failed.
 */
export const ALLOW_FAILED_FLAG = {
  flag: '--allow-failed',
  description: 'act on a version marked failed (refused otherwise); what it makes is marked failed too',
} as const;

/** Store a new version even when the latest one of the name is identical (by default that one is returned, `reused: true`). */
export const NEW_VERSION_FLAG = {
  flag: '--new-version',
  description: 'store a new version even when the latest one is identical (by default that one is returned)',
} as const;
