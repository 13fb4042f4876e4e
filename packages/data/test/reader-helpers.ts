/** Helpers for the reader tests: read a whole (small) table, catch a coded error, write a file. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readTable } from '../src/readers/read-table.js';
import type { Cell, ReadTableOptions, RowBatch } from '../src/readers/types.js';

export interface WholeTable {
  /** The columns of the last batch (for JSONL, every key seen). */
  columns: string[];
  rows: Cell[][];
  lines: number[];
  batches: RowBatch[];
}

export async function readAll(file: string, options: ReadTableOptions = {}): Promise<WholeTable> {
  const table: WholeTable = { columns: [], rows: [], lines: [], batches: [] };
  for await (const batch of readTable(file, options)) {
    table.columns = batch.columns;
    table.rows.push(...batch.rows);
    table.lines.push(...batch.lines);
    table.batches.push(batch);
  }
  return table;
}


/** Writes `content` to `dir/name` and returns the path. */
export async function fileWith(dir: string, name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}
