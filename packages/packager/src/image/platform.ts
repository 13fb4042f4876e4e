import { ErrorCode, ExitCode, MlshipError } from '@mlship/core';
import type { Descriptor, Platform } from '@mlship/oci';

export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** `arm64` without a variant means `v8`; other variants compare as written. */
function normalizedVariant(platform: Platform): string | undefined {
  if (platform.architecture === 'arm64' && (platform.variant === undefined || platform.variant === '')) return 'v8';
  return platform.variant || undefined;
}

/** True when `have` runs `want`: same os and architecture, and the variant when `want` names one. */
export function platformMatches(want: Platform, have: Platform): boolean {
  if (want.os !== have.os || want.architecture !== have.architecture) return false;
  if (want.variant === undefined || want.variant === '') return true;
  return normalizedVariant(want) === normalizedVariant(have);
}

export function platformMissing(what: string, want: Platform, available: string[]): MlshipError {
  return new MlshipError(ErrorCode.usage, `${what} has no image for ${formatPlatform(want)}`, {
    hint: available.length ? `it provides ${available.join(', ')}; choose one of those platforms or another base` : 'choose another base image',
    exitCode: ExitCode.usage,
    details: { platform: formatPlatform(want), available },
  });
}

/** The manifest of `platform` in an index or manifest list; a usage error lists what it has otherwise. */
export function selectPlatformManifest(manifests: Descriptor[], want: Platform, what: string): Descriptor {
  const candidates = manifests.filter((entry) => entry.platform !== undefined && platformMatches(want, entry.platform));
  // The most specific match first: an exact variant wins over an entry without one.
  const exact = candidates.find((entry) => normalizedVariant(entry.platform!) === normalizedVariant(want));
  const chosen = exact ?? candidates[0];
  if (chosen) return chosen;
  const available = manifests
    .filter((entry) => entry.platform !== undefined && entry.platform.architecture !== 'unknown')
    .map((entry) => formatPlatform(entry.platform!));
  throw platformMissing(what, want, [...new Set(available)]);
}
