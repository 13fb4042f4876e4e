import { countNewlines } from './utf8-chunks.js';

/**
 * Maps byte offsets of a stream to 1-based line numbers. Chunks are added as they pass to a parser; queries
 * must not go backwards, and chunks wholly before the last query are dropped, so it holds only the bytes
 * the parser has not finished with yet.
 */
export class LineIndex {
  private readonly chunks: Buffer[] = [];
  /** Stream offset of chunks[0][0]. */
  private chunksStart = 0;
  /** Offset up to which newlines are counted, and the line number there. */
  private offset = 0;
  private line = 1;

  add(chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  /** The line holding the byte at `offset` (where a record starting at `offset` starts). */
  lineAt(offset: number): number {
    while (this.offset < offset) {
      const chunk = this.chunks[0];
      if (chunk === undefined) break;
      const end = Math.min(offset - this.chunksStart, chunk.length);
      this.line += countNewlines(chunk, this.offset - this.chunksStart, end);
      this.offset = this.chunksStart + end;
      if (end === chunk.length) {
        this.chunks.shift();
        this.chunksStart += chunk.length;
      }
    }
    return this.line;
  }
}
