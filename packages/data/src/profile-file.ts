import { fileSize, startBatchProfiler } from './batch-profiler.js';
import type { ProfileTableOptions, TableProfile } from './profile/index.js';
import { readColumnsWithRows, type ReadTableOptions } from './readers/index.js';
export { toProfileBatch, toProfileColumns } from './profile-batches.js';
import type { ColumnChart } from './validate/html-report.js';

export interface ProfileFileOptions extends ReadTableOptions {
  file: string;
  /** Sketch sizes and column kinds (defaults as createTableProfiler). */
  profile?: ProfileTableOptions;
}

/**
 * Quantile-sketch size of the profiles mlship writes for files (`data profile`, `data validate
 * --profile-out`, `data register`, `data drift`): up to about this many values a numeric column's
 * sketch is exact, so references of at most 1,000 rows (tested with KS, as Evidently does) are
 * compared exactly; above it the rank error is about 0.35% (0.05% of n values kept, about 15k).
 */
export const FILE_PROFILE_QUANTILE_K = 1024;

/** `data profile`: one streaming pass; numeric text becomes numbers, so numeric columns get moments and sketches. */
export async function profileFile(options: ProfileFileOptions): Promise<TableProfile & { file: string }> {
  const { file, profile, ...read } = options;
  // Reading goes on here while the worker (for big files) profiles what was read.
  const profiler = startBatchProfiler({ quantileK: FILE_PROFILE_QUANTILE_K, ...profile }, await fileSize(file));
  let result: TableProfile;
  try {
    for await (const batch of readColumnsWithRows(file, read)) await profiler.add(batch);
    result = await profiler.finish();
  } finally {
    await profiler.close();
  }
  return { file, ...result };
}

const formatEdge = (value: number) => (Math.abs(value) >= 1000 || Number.isInteger(value) ? String(Math.round(value)) : value.toPrecision(3));

/** The chart of each column for the HTML report: histogram bins for numbers, the most frequent values otherwise. */
export function chartsOfProfile(profile: TableProfile): ColumnChart[] {
  return Object.entries(profile.columns).map(([name, column]) => {
    const nulls = column.nullCount > 0 ? `, ${column.nullCount} missing` : '';
    if (column.kind === 'numeric' && column.numeric && column.numeric.moments.count === 0) {
      return { name, kind: 'numeric' as const, bars: [], summary: `no numbers${nulls}` };
    }
    if (column.kind === 'numeric' && column.numeric) {
      const { edges, counts } = column.numeric.histogram;
      return {
        name,
        kind: 'numeric' as const,
        bars: counts.map((count, i) => ({ label: `${formatEdge(edges[i] ?? 0)}–${formatEdge(edges[i + 1] ?? 0)}`, count })),
        summary: `mean ${column.numeric.moments.mean.toPrecision(4)}, sd ${column.numeric.stdDev.toPrecision(3)}${nulls}`,
      };
    }
    const bars = column.topValues.slice(0, 20).map(({ value, count }) => ({ label: String(value), count }));
    const shown = column.distinctCount > bars.length ? `, the ${bars.length} most frequent shown` : '';
    return { name, kind: 'categorical' as const, bars, summary: `${column.distinctCount} distinct${shown}${nulls}` };
  });
}
