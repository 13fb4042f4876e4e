/**
 * The prediction log (format in docs/serve.md#prediction-log): JSON lines appended to
 * `DIR/predictions-<worker>.jsonl`, rotated by size into `.1` … `.<maxFiles>`. Lines are buffered in
 * memory and written off the request path; a full buffer or a failed write drops lines (counted in
 * `mlship_prediction_log_dropped_total`) and never fails or delays a request.
 */
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirectory } from '@mlship/core';
import type { Counter } from 'prom-client';
import type { RandomSource } from './random.js';

export interface PredictionLogOptions {
  dir: string;
  /** The worker slot (0 … workers-1): one file per process, no cross-process appends. */
  worker: number;
  /** Fraction of rows logged, 0 … 1. */
  sample: number;
  maxBytes: number;
  /** Rotated files kept beside the live one. */
  maxFiles: number;
  random: RandomSource;
  lines?: Counter;
  dropped?: Counter;
  onError?: (error: Error) => void;
}

/** Above this many buffered characters new lines are dropped. */
const MAX_BUFFERED = 16 * 1024 * 1024;
const FLUSH_AT = 64 * 1024;
const FLUSH_AFTER_MS = 100;

export class PredictionLog {
  readonly path: string;
  private pending: string[] = [];
  private pendingChars = 0;
  private size = 0;
  private handle: FileHandle | undefined;
  private pumping: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly flushLater = (): void => {
    this.timer = undefined;
    void this.flush();
  };

  private constructor(private readonly options: PredictionLogOptions) {
    this.path = join(options.dir, `predictions-${options.worker}.jsonl`);
  }

  /** Makes the directory (failing fast where it cannot be made, as under /proc) and opens the live file. */
  static async open(options: PredictionLogOptions): Promise<PredictionLog> {
    const log = new PredictionLog(options);
    await makeDirectory(options.dir);
    await log.openFile();
    return log;
  }

  /** Whether to log the next row (`sample` of them, at random). */
  sampled(): boolean {
    const sample = this.options.sample;
    return sample >= 1 || (sample > 0 && this.options.random() < sample);
  }

  /** Queues one record (an object, serialised here); never throws. */
  write(record: unknown): void {
    if (this.closed) return;
    if (this.pendingChars > MAX_BUFFERED) {
      this.options.dropped?.inc();
      return;
    }
    let line: string;
    try {
      line = `${JSON.stringify(record)}\n`;
    } catch {
      this.options.dropped?.inc();
      return;
    }
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars >= FLUSH_AT) void this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(this.flushLater, FLUSH_AFTER_MS);
      this.timer.unref();
    }
  }

  /** Writes everything buffered so far. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.pumping) {
      this.pumping = this.pump().finally(() => {
        this.pumping = undefined;
      });
    }
    return this.pumping;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
  }

  private async openFile(): Promise<void> {
    this.handle = await open(this.path, 'a');
    this.size = (await stat(this.path)).size;
  }

  private async pump(): Promise<void> {
    while (this.pending.length > 0) {
      const lines = this.pending;
      this.pending = [];
      this.pendingChars = 0;
      // Lines go out in chunks that fit the live file, rotating between them: a flush holding more
      // than maxBytes of lines spreads over files rather than taking one past the limit.
      for (let start = 0; start < lines.length; ) {
        let end = start;
        let bytes = 0;
        try {
          const first = Buffer.byteLength(lines[start]!, 'utf8');
          if (this.size > 0 && this.size + first > this.options.maxBytes) await this.rotate();
          const room = this.options.maxBytes - this.size;
          // At least one line per chunk, even one longer than the limit (into an empty file).
          do bytes += Buffer.byteLength(lines[end++]!, 'utf8');
          while (end < lines.length && bytes + Buffer.byteLength(lines[end]!, 'utf8') <= room);
          if (!this.handle) await this.openFile();
          await this.handle!.write(Buffer.from(lines.slice(start, end).join(''), 'utf8'));
          this.size += bytes;
          this.options.lines?.inc(end - start);
        } catch (error) {
          if (end === start) end = start + 1;
          this.options.dropped?.inc(end - start);
          this.options.onError?.(error as Error);
          // Reopen on the next chunk: the file may have been moved or the disk freed meanwhile.
          await this.handle?.close().catch(() => undefined);
          this.handle = undefined;
        }
        start = end;
      }
    }
  }

  private async rotate(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    const keep = this.options.maxFiles;
    if (keep <= 0) {
      await rm(this.path, { force: true });
    } else {
      for (let k = keep - 1; k >= 1; k--) {
        await rename(`${this.path}.${k}`, `${this.path}.${k + 1}`).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
      }
      // ENOENT: the live file was moved or deleted meanwhile (e.g. by an outside rotation): it counts as rotated.
      await rename(this.path, `${this.path}.1`).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    await this.openFile();
  }
}
