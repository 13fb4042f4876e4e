/**
 * Which columns of a training table hold personal data: a value a PII detector flags, or a
 * placeholder of one (a dataset registered with its personal data masked). Training leaves such
 * columns out of the features unless the spec hashes them (`hashBuckets`), and refuses one as the label.
 */
import { describePiiCounts, isPiiPlaceholder, PiiMasker, type PiiCounts } from '@mlship/core';
import type { Table } from './load-table.js';

/** Counts by kind for each of `columns` that holds personal data (`masked` counts placeholders). */
export function personalColumns(tables: readonly Table[], columns: readonly string[]): Map<string, PiiCounts & { masked?: number }> {
  const found = new Map<string, PiiCounts & { masked?: number }>();
  for (const name of columns) {
    const masker = new PiiMasker();
    let masked = 0;
    for (const table of tables) {
      const index = table.columns.indexOf(name);
      if (index < 0) continue;
      for (const cells of table.rows) {
        const cell = cells[index];
        if (typeof cell !== 'string' && typeof cell !== 'number') continue;
        if (isPiiPlaceholder(cell)) masked += 1;
        else masker.mask(cell);
      }
    }
    if (masker.flagged > 0 || masked > 0) found.set(name, { ...masker.counts, ...(masked > 0 ? { masked } : {}) });
  }
  return found;
}

/** "29 e-mail addresses, 3 masked values": what was found, never a value. */
export function describePersonalColumn({ masked, ...counts }: PiiCounts & { masked?: number }): string {
  return [describePiiCounts(counts), ...(masked ? [`${masked} masked values`] : [])].filter((part) => part !== '').join(', ');
}
