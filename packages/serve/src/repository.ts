/**
 * The served model: one name, one or more versions side by side, and the traffic split that routes
 * unversioned requests. Every change builds the new state aside and swaps it in one synchronous
 * assignment, so a request sees the old state or the new one; replaced versions finish what they
 * have queued before their session is released.
 */
import { HttpError } from './errors.js';
import type { RandomSource } from './random.js';
import type { ServedVersion } from './served-version.js';

export type TrafficSplit = Record<string, number>;

interface Routing {
  versions: Map<string, ServedVersion>;
  /** The version unversioned requests get without a split: the highest number. */
  latest: ServedVersion | undefined;
  /** Cumulative weights for a split, in `splitVersions` order. */
  split: TrafficSplit | undefined;
  splitVersions: ServedVersion[];
  splitCumulative: number[];
  splitTotal: number;
}

export interface VersionSummary {
  name: string;
  version: string;
  state: 'READY';
  dir: string;
  ref?: string;
  digest?: string;
  providers: string[];
  fallback?: string;
}

export class ModelRepository {
  private routing: Routing;

  constructor(
    readonly name: string,
    versions: ServedVersion[],
    split: TrafficSplit | undefined,
    private readonly random: RandomSource,
  ) {
    this.routing = buildRouting(versions, split);
  }

  get size(): number {
    return this.routing.versions.size;
  }

  get split(): TrafficSplit | undefined {
    return this.routing.split;
  }

  get(version: string): ServedVersion | undefined {
    return this.routing.versions.get(version);
  }

  all(): ServedVersion[] {
    return [...this.routing.versions.values()].sort((a, b) => Number(a.version) - Number(b.version));
  }

  /** The version an unversioned request goes to: by the split's weights, else the latest. */
  pick(): ServedVersion | undefined {
    const routing = this.routing;
    if (routing.split === undefined) return routing.latest;
    const point = this.random() * routing.splitTotal;
    const cumulative = routing.splitCumulative;
    for (let i = 0; i < cumulative.length; i++) if (point < cumulative[i]!) return routing.splitVersions[i];
    return routing.splitVersions[routing.splitVersions.length - 1];
  }

  /** The version unversioned metadata describes: the split's heaviest, else the latest. */
  primary(): ServedVersion | undefined {
    const routing = this.routing;
    if (routing.split === undefined) return routing.latest;
    let best: ServedVersion | undefined;
    let weight = -1;
    for (const version of routing.splitVersions) {
      const w = routing.split[version.version]!;
      if (w > weight) [best, weight] = [version, w];
    }
    return best;
  }

  /**
   * Swaps in `versions` (replacing versions of the same number) and the split; returns the versions
   * no longer served, for the caller to retire. `split` undefined keeps the current split when all
   * its versions remain, `null` clears it.
   */
  replace(update: { add?: ServedVersion[]; remove?: string[]; keepOnly?: boolean; split?: TrafficSplit | null }): ServedVersion[] {
    const current = this.routing.versions;
    const next = new Map(update.keepOnly ? [] : current);
    for (const version of update.remove ?? []) next.delete(version);
    for (const version of update.add ?? []) next.set(version.version, version);
    if (next.size === 0) throw new HttpError(409, `cannot leave ${this.name} without versions`);
    let split = update.split === null ? undefined : (update.split ?? this.routing.split);
    if (split && update.split === undefined && !Object.keys(split).every((v) => next.has(v))) {
      // A version of the kept split went away: drop it from the split; no weight left means no split.
      const kept = Object.fromEntries(Object.entries(split).filter(([v]) => next.has(v)));
      split = Object.values(kept).some((w) => w > 0) ? kept : undefined;
    }
    if (split) checkSplit(split, next);
    const routing = buildRouting([...next.values()], split);
    this.routing = routing;
    return [...current.values()].filter((version) => routing.versions.get(version.version) !== version);
  }

  summary(): { name: string; versions: VersionSummary[]; split: TrafficSplit | null } {
    return {
      name: this.name,
      versions: this.all().map((version) => ({
        name: version.name,
        version: version.version,
        state: 'READY' as const,
        dir: version.model.dir,
        ...(version.model.ref ? { ref: version.model.ref } : {}),
        ...(version.model.digest ? { digest: version.model.digest } : {}),
        providers: version.providers,
        ...(version.fallback ? { fallback: version.fallback } : {}),
      })),
      split: this.routing.split ?? null,
    };
  }
}

/** Throws a 400 for a split naming versions not served, or without a positive weight. */
export function checkSplit(split: TrafficSplit, versions: Map<string, unknown>): void {
  const entries = Object.entries(split);
  if (entries.length === 0) throw new HttpError(400, 'the split names no version');
  for (const [version, weight] of entries) {
    if (!versions.has(version)) throw new HttpError(400, `the split names version ${version}, which is not loaded (loaded: ${[...versions.keys()].join(', ')})`);
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) throw new HttpError(400, `the split weight of version ${version} must be a number ≥ 0`);
  }
  if (!entries.some(([, weight]) => weight > 0)) throw new HttpError(400, 'the split needs a weight above 0');
}

function buildRouting(versions: ServedVersion[], split: TrafficSplit | undefined): Routing {
  const map = new Map(versions.map((version) => [version.version, version]));
  let latest: ServedVersion | undefined;
  for (const version of map.values()) if (!latest || Number(version.version) > Number(latest.version)) latest = version;
  const splitVersions: ServedVersion[] = [];
  const splitCumulative: number[] = [];
  let total = 0;
  if (split) {
    for (const [version, weight] of Object.entries(split)) {
      const served = map.get(version);
      if (!served || weight <= 0) continue;
      total += weight;
      splitVersions.push(served);
      splitCumulative.push(total);
    }
  }
  return { versions: map, latest, split: split ? { ...split } : undefined, splitVersions, splitCumulative, splitTotal: total };
}
