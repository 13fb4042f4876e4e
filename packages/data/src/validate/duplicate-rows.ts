/**
 * Exact duplicate-row detection in bounded memory, whatever the row count.
 *
 * Finding duplicates in one pass means remembering every row seen. The first `memoryRows` row hashes go
 * to an in-memory set (about 12 bytes a row); a later row is a duplicate at once when the set has it,
 * and otherwise its (hash, line) pair is buffered, sorted by hash when the buffer is full, and written
 * to a temporary file as a run. At the end the runs are merged: within a run of equal hashes every row
 * after the first (runs keep line order) is a duplicate. So memory stays at the set plus one buffer
 * (about 17 MB for the set and 4 MB for the buffer with the defaults, plus 12 MB while a run is sorted) and the disk holds 16 bytes a spilled row, removed at the end.
 */
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sortByKey } from '../profile/sort-numbers.js';
import { RowHashSet } from './row-hash-set.js';

export interface DuplicateRowsOptions {
  /** Rows whose hashes stay in memory (default 1.5M). */
  memoryRows?: number;
  /** Rows buffered before a run is written (default 256Ki). */
  runRows?: number;
  /** Rows expected (an estimate), to size the in-memory set once. */
  expectedRows?: number;
}

export interface DuplicateRowsResult {
  count: number;
  /** The first (smallest) lines of rows that repeat an earlier row, at most `maxLines`. */
  lines: number[];
}

/** Pairs read per run at a time while merging. */
const MERGE_CHUNK = 16 * 1024;

export class DuplicateRows {
  private readonly memoryRows: number;
  private readonly runRows: number;
  private readonly maxLines: number;
  private readonly seen = new RowHashSet();
  private count = 0;
  private lines: number[] = [];
  private hashes: Float64Array | undefined;
  private runLines: Float64Array | undefined;
  private buffered = 0;
  private dir: string | undefined;
  private runs: Array<{ path: string; pairs: number }> = [];

  constructor(maxLines: number, options: DuplicateRowsOptions = {}) {
    this.maxLines = maxLines;
    this.memoryRows = options.memoryRows ?? 1_500_000;
    this.runRows = options.runRows ?? 256 * 1024;
    if (options.expectedRows !== undefined) this.seen.reserve(Math.min(options.expectedRows, this.memoryRows));
  }

  /** Adds a row; true when the buffer is full and `flush` must be awaited before the next `add`. */
  add(hash: number, line: number): boolean {
    if (this.seen.size < this.memoryRows) {
      if (!this.seen.add(hash)) this.hit(line);
      return false;
    }
    if (this.seen.has(hash)) {
      this.hit(line);
      return false;
    }
    this.hashes ??= new Float64Array(this.runRows);
    this.runLines ??= new Float64Array(this.runRows);
    this.hashes[this.buffered] = hash;
    this.runLines[this.buffered] = line;
    this.buffered += 1;
    return this.buffered === this.runRows;
  }

  /** Writes the full buffer to disk as a sorted run. */
  flush(): Promise<void> {
    return this.writeRun();
  }

  /** Merges what was spilled and gives the result; removes the temporary files, also on failure. */
  async finish(): Promise<DuplicateRowsResult> {
    try {
      if (this.runs.length > 0 && this.buffered > 0) await this.writeRun();
      if (this.runs.length > 0) await this.mergeRuns();
      else if (this.buffered > 0) this.scanSorted(this.buffered);
      return { count: this.count, lines: [...this.lines] };
    } finally {
      await this.dispose();
    }
  }

  /** Removes the temporary files (for callers that stop early). */
  async dispose(): Promise<void> {
    if (this.dir !== undefined) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private hit(line: number): void {
    this.count += 1;
    if (this.lines.length < this.maxLines || line < this.lines[this.lines.length - 1]!) {
      this.lines.push(line);
      this.lines.sort((a, b) => a - b);
      if (this.lines.length > this.maxLines) this.lines.pop();
    }
  }

  /** Duplicates within the buffer alone (nothing was written): sort it and scan the groups. */
  private scanSorted(n: number): void {
    const hashes = this.hashes!.subarray(0, n);
    const lines = this.runLines!.subarray(0, n);
    sortByKey(hashes, lines);
    for (let i = 1; i < n; i += 1) if (hashes[i] === hashes[i - 1]) this.hit(lines[i]!);
  }

  private async writeRun(): Promise<void> {
    const n = this.buffered;
    const hashes = this.hashes!.subarray(0, n);
    const lines = this.runLines!.subarray(0, n);
    sortByKey(hashes, lines);
    this.dir ??= await mkdtemp(join(tmpdir(), 'mlship-duplicates-'));
    const path = join(this.dir, `run-${this.runs.length}`);
    const file = await open(path, 'w');
    try {
      // Hashes then lines, each as raw float64.
      await file.write(new Uint8Array(hashes.buffer, hashes.byteOffset, n * 8));
      await file.write(new Uint8Array(lines.buffer, lines.byteOffset, n * 8));
    } finally {
      await file.close();
    }
    this.runs.push({ path, pairs: n });
    this.buffered = 0;
  }

  /** k-way merge of the sorted runs; ties go to the earlier run, so each group comes in line order. */
  private async mergeRuns(): Promise<void> {
    const readers = await Promise.all(this.runs.map((run) => RunReader.open(run.path, run.pairs)));
    try {
      let previous = -1;
      for (;;) {
        let best = -1;
        for (let r = 0; r < readers.length; r += 1) {
          const reader = readers[r]!;
          if (reader.done) continue;
          if (best < 0 || reader.hash < readers[best]!.hash) best = r;
        }
        if (best < 0) break;
        const reader = readers[best]!;
        if (reader.hash === previous) this.hit(reader.line);
        previous = reader.hash;
        await reader.next();
      }
    } finally {
      await Promise.all(readers.map((reader) => reader.close()));
    }
  }
}

/** Reads one run's pairs in order, a chunk at a time. */
class RunReader {
  hash = 0;
  line = 0;
  done = false;
  private position = 0;
  private chunkStart = 0;
  private hashes = new Float64Array(0);
  private lines = new Float64Array(0);

  private constructor(
    private readonly file: FileHandle,
    private readonly pairs: number,
  ) {}

  static async open(path: string, pairs: number): Promise<RunReader> {
    const reader = new RunReader(await open(path, 'r'), pairs);
    await reader.next();
    return reader;
  }

  async next(): Promise<void> {
    if (this.position >= this.pairs) {
      this.done = true;
      return;
    }
    const offset = this.position - this.chunkStart;
    if (offset >= this.hashes.length) await this.load();
    this.hash = this.hashes[this.position - this.chunkStart]!;
    this.line = this.lines[this.position - this.chunkStart]!;
    this.position += 1;
  }

  close(): Promise<void> {
    return this.file.close();
  }

  private async load(): Promise<void> {
    const count = Math.min(MERGE_CHUNK, this.pairs - this.position);
    this.hashes = new Float64Array(count);
    this.lines = new Float64Array(count);
    await this.file.read(new Uint8Array(this.hashes.buffer), 0, count * 8, this.position * 8);
    await this.file.read(new Uint8Array(this.lines.buffer), 0, count * 8, (this.pairs + this.position) * 8);
    this.chunkStart = this.position;
  }
}
