import { open, type FileHandle } from 'node:fs/promises';
import * as zlib from 'node:zlib';
import { parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type Compressors, type FileMetaData } from 'hyparquet';
import { fromFsError, isMlshipError } from '@mlship/core';
import { invalidDataError, unsupportedError, type Position } from './errors.js';
import type { Cell, RowBatch } from './types.js';

/** Codecs beyond hyparquet's own (snappy, uncompressed) that Node's zlib can undo. */
function zlibCompressors(): Compressors {
  const zstd = (zlib as { zstdDecompressSync?: (input: Uint8Array) => Buffer }).zstdDecompressSync; // Node >= 22.15
  return {
    GZIP: (input) => zlib.gunzipSync(input),
    BROTLI: (input) => zlib.brotliDecompressSync(input),
    ...(zstd ? { ZSTD: (input: Uint8Array) => zstd(input) } : {}),
  };
}

/** Random access to the file through one handle; a read past its end means the file is truncated. */
function handleBuffer(file: string, handle: FileHandle, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end = size): Promise<ArrayBuffer> {
      if (start < 0 || end > size || start > end) throw invalidDataError(file, undefined, `truncated or corrupt: it points at bytes ${start}..${end} of a ${size}-byte file`, 'check that the file was copied whole');
      const bytes = new Uint8Array(end - start);
      for (let done = 0; done < bytes.length; ) {
        const { bytesRead } = await handle.read(bytes, done, bytes.length - done, start + done);
        if (bytesRead === 0) throw invalidDataError(file, undefined, 'truncated: the file ended while being read', 'check that the file was copied whole');
        done += bytesRead;
      }
      return bytes.buffer;
    },
  };
}

function parquetError(file: string, error: unknown, at: Position, what: string): unknown {
  if (isMlshipError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const codec = /unsupported compression codec: (\w+)/.exec(message);
  if (codec) return unsupportedError(file, `Parquet compression ${codec[1]} is not supported here`, 'rewrite the file with snappy, gzip or no compression');
  return invalidDataError(file, at, `${what} (${message})`, 'the file is corrupt or truncated; check that it was copied whole');
}

const jsonSafe = (_key: string, value: unknown): unknown => (typeof value === 'bigint' || value instanceof Uint8Array ? toCell(value) : value);

/** Parquet values as cells: bigint → number when exact (else decimal text), Date → ISO text, bytes → base64, nested → JSON. */
function toCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  return JSON.stringify(value, jsonSafe);
}

interface OpenParquet {
  buffer: AsyncBuffer;
  metadata: FileMetaData;
  /** Top-level fields, in schema order. */
  columns: string[];
  close(): Promise<void>;
}

async function openParquet(file: string): Promise<OpenParquet> {
  let handle: FileHandle;
  let size: number;
  try {
    handle = await open(file, 'r');
    size = (await handle.stat()).size;
  } catch (error) {
    throw fromFsError(error, file, 'cannot read the data');
  }
  const buffer = handleBuffer(file, handle, size);
  try {
    const metadata = await parquetMetadataAsync(buffer);
    const columns = parquetSchema(metadata).children.map((child) => child.element.name);
    return { buffer, metadata, columns, close: () => handle.close() };
  } catch (error) {
    await handle.close();
    throw parquetError(file, error, undefined, 'not a readable Parquet file');
  }
}

/** Columns and row count, from the footer alone. */
export async function readParquetInfo(file: string): Promise<{ columns: string[]; rowCount: number }> {
  const parquet = await openParquet(file);
  await parquet.close();
  return { columns: parquet.columns, rowCount: Number(parquet.metadata.num_rows) };
}

/**
 * Parquet rows in batches, decoded one row group at a time (a column chunk is the smallest unit Parquet
 * can decode), so memory holds one row group and one batch, never the whole file.
 */
export async function* readParquet(file: string, options: { batchSize: number }): AsyncGenerator<RowBatch> {
  const { buffer, metadata, columns, close } = await openParquet(file);
  const compressors = zlibCompressors();
  let batch: RowBatch = { columns, rows: [], lines: [] };
  try {
    let groupStart = 0;
    for (const [group, rowGroup] of metadata.row_groups.entries()) {
      const groupEnd = groupStart + Number(rowGroup.num_rows);
      if (groupEnd === groupStart) continue;
      let values: unknown[][] = [];
      try {
        await parquetRead({
          file: buffer,
          metadata,
          columns,
          compressors,
          rowStart: groupStart,
          rowEnd: groupEnd,
          onComplete: (rows) => {
            values = rows;
          },
        });
      } catch (error) {
        throw parquetError(file, error, { row: groupStart + 1 }, `cannot decode row group ${group + 1} (rows ${groupStart + 1}..${groupEnd})`);
      }
      for (const [i, row] of values.entries()) {
        batch.rows.push(row.map(toCell));
        batch.lines.push(groupStart + i + 1);
        if (batch.rows.length >= options.batchSize) {
          yield batch;
          batch = { columns, rows: [], lines: [] };
        }
      }
      groupStart = groupEnd;
    }
    if (batch.rows.length > 0) yield batch;
  } finally {
    await close();
  }
}
