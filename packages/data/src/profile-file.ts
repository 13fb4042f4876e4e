import { createTableProfiler, type TableProfile } from './profile/index.js';
import { readTable, type ReadTableOptions } from './readers/index.js';
import { coerceCell } from './schema/values.js';
import type { ColumnChart } from './validate/html-report.js';

export interface ProfileFileOptions extends ReadTableOptions {
  file: string;
}

/** `data profile`: one streaming pass; numeric text becomes numbers, so numeric columns get moments and sketches. */
export async function profileFile(options: ProfileFileOptions): Promise<TableProfile & { file: string }> {
  const { file, ...read } = options;
  const profiler = createTableProfiler();
  for await (const batch of readTable(file, read)) {
    profiler.addBatch({ columns: batch.columns, rows: batch.rows.map((row) => row.map(coerceCell)) });
  }
  return { file, ...profiler.toJSON() };
}

const formatEdge = (value: number) => (Math.abs(value) >= 1000 || Number.isInteger(value) ? String(Math.round(value)) : value.toPrecision(3));

/** The chart of each column for the HTML report: histogram bins for numbers, the most frequent values otherwise. */
export function chartsOfProfile(profile: TableProfile): ColumnChart[] {
  return Object.entries(profile.columns).map(([name, column]) => {
    const nulls = column.nullCount > 0 ? `, ${column.nullCount} missing` : '';
    if (column.kind === 'numeric' && column.numeric) {
      const { edges, counts } = column.numeric.histogram;
      return {
        name,
        kind: 'numeric' as const,
        bars: counts.map((count, i) => ({ label: `${formatEdge(edges[i] ?? 0)}–${formatEdge(edges[i + 1] ?? 0)}`, count })),
        summary: `mean ${column.numeric.moments.mean.toPrecision(4)}, sd ${column.numeric.stdDev.toPrecision(3)}${nulls}`,
      };
    }
    return {
      name,
      kind: 'categorical' as const,
      bars: column.topValues.slice(0, 20).map(({ value, count }) => ({ label: String(value), count })),
      summary: `${column.distinctCount} distinct${nulls}`,
    };
  });
}
