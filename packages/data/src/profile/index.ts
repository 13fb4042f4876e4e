// Column and table profiles: streamed, bounded in memory, stored as plain JSON, mergeable.
export {
  ColumnProfiler,
  createColumnProfiler,
  finalizeProfile,
  DEFAULT_COLUMN_PROFILE_OPTIONS,
  type CategoryCounts,
  type ColumnKind,
  type ColumnKindOption,
  type ColumnProfile,
  type ColumnProfileOptions,
  type ColumnValue,
  type NumericProfile,
  type ResolvedColumnProfileOptions,
} from './column-profile.js';
export { columnProfileSchema, profileFromJSON } from './profile-json.js';
export { mergeProfiles, type ProfileLike } from './merge-profiles.js';
export {
  TableProfiler,
  createTableProfiler,
  mergeTableProfiles,
  tableProfileFromJSON,
  profileTable,
  type ProfileTableOptions,
  type TableBatch,
  type ColumnarTableBatch,
  type TableProfile,
} from './table-profile.js';
export { ProfileErrorCode } from './profile-errors.js';
export { KllSketch, binWeightedValues, kllRankErrorBound, type KllSketchJSON, type WeightedValues } from './kll-sketch.js';
export { HyperLogLog, type HyperLogLogJSON } from './hyperloglog.js';
export { MisraGries, type MisraGriesJSON } from './misra-gries.js';
export { Moments, type MomentsJSON } from './moments.js';
export type { ValueCountsJSON } from './value-counts.js';
export { murmurHash3 } from './hash.js';
