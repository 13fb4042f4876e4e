import { ColumnProfiler, type ColumnProfile } from './column-profile.js';
import { profileFromJSON } from './profile-json.js';

/** A live profiler or a finalised (stored) profile. */
export type ProfileLike = ColumnProfiler | ColumnProfile;

/** A new profiler holding a copy of `profile`'s state; stored profiles are checked first. */
export function toProfiler(profile: ProfileLike): ColumnProfiler {
  return profile instanceof ColumnProfiler ? ColumnProfiler.fromState(profile.toJSON()) : profileFromJSON(profile);
}

/**
 * The profile of two chunks of a column combined, from their profiles alone; inputs are not changed.
 * Counts, min, max, mean and variance come out as if profiled together (up to rounding); sketches
 * within their bounds. Throws `MLSHIP_E_PROFILE_INCOMPATIBLE` when the sketch options differ.
 */
export function mergeProfiles(a: ProfileLike, b: ProfileLike): ColumnProfile {
  const merged = toProfiler(a);
  merged.merge(b instanceof ColumnProfiler ? b : profileFromJSON(b));
  return merged.toJSON();
}
