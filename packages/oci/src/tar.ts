/**
 * Tar files as OCI uses them (image layouts, layers, archives): entries written with back-pressure,
 * and a guarded reader for plain or gzip tar files.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { ErrorCode, ExitCode, MlshipError, fromFsError } from '@mlship/core';

export type TarPack = tar.Pack;
/** An entry's header as given to the pack: a name, and what differs from tar-stream's defaults. */
export type TarHeader = Parameters<TarPack['entry']>[0];
export type TarExtract = tar.Extract;

/** A tar being written (tar-stream's pack): add entries with `writeTarEntry`, then `finalize()`. */
export function createTarPack(): TarPack {
  return tar.pack();
}

/**
 * Adds one entry to a tar being written and resolves once the pack has taken all of it. Bytes are
 * written whole; a stream chunk by chunk, waiting for the entry to drain whenever its buffer is full,
 * so memory stays bounded however large the entry. `failed` is the promise of the pack's consumer (its
 * pipeline to a file): a failed output never drains nor finishes the entry, so its rejection ends the
 * wait. A content stream that fails destroys the entry (and a readable content stream) and rethrows.
 * Entries that are not files (directories) take no content.
 */
export async function writeTarEntry(pack: TarPack, header: TarHeader, content?: Uint8Array | AsyncIterable<Uint8Array>, failed?: Promise<unknown>): Promise<void> {
  let sink!: ReturnType<TarPack['entry']>;
  const finished = new Promise<void>((done, fail) => {
    sink = pack.entry(header, (error) => (error ? fail(error) : done()));
  });
  // The entry's callback reports its failure; without a listener its 'error' event would crash the process.
  sink.on('error', () => undefined);
  finished.catch(() => undefined);
  const orFailed = <T>(promise: Promise<T>): Promise<unknown> => (failed ? Promise.race([promise, failed]) : promise);
  const type = header.type ?? 'file';
  if (type === 'file' || type === 'contiguous-file') {
    // ArrayBuffer.isView, not instanceof: bytes may come from another realm (a test sandbox).
    if (content === undefined || ArrayBuffer.isView(content)) sink.end(content as Uint8Array | undefined);
    else {
      try {
        for await (const chunk of content) {
          if (!sink.write(chunk)) await orFailed(drained(sink));
        }
      } catch (error) {
        sink.destroy(error as Error);
        (content as Partial<Readable>).destroy?.();
        throw error;
      }
      sink.end(undefined);
    }
  }
  await orFailed(finished);
}

/**
 * Waits until a tar entry takes more bytes: 'drain', or 'close' when the entry (or the whole pack)
 * was destroyed meanwhile, which would never drain.
 */
export async function drained(sink: ReturnType<TarPack['entry']>): Promise<void> {
  const emitter = sink as unknown as NodeJS.EventEmitter;
  await new Promise<void>((done, fail) => {
    const settle = (error?: Error) => {
      emitter.off('drain', onDrain);
      emitter.off('close', onClose);
      emitter.off('error', onError);
      if (error) fail(error);
      else done();
    };
    const onDrain = () => settle();
    const onClose = () => settle(new Error('the tar entry was closed before it was written'));
    const onError = (error: Error) => settle(error);
    emitter.on('drain', onDrain);
    emitter.on('close', onClose);
    emitter.on('error', onError);
  });
}

/** Fails the stream once more than `maxBytes` have passed through it. */
function byteCap(maxBytes: number, file: string): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      total += chunk.length;
      if (total <= maxBytes) return done(null, chunk);
      done(
        new MlshipError(ErrorCode.unsafeArchive, `refusing ${file}: it expands to more than ${maxBytes} bytes`, {
          hint: 'raise the cap with --max-bytes if you trust the archive (a small gzip file that expands this far may be a decompression bomb)',
          exitCode: ExitCode.usage,
        }),
      );
    },
  });
}

/**
 * A tar extractor reading `file`, plain or gzip (by its magic bytes); an unreadable file is a coded
 * error saying `what`. Iterate it at once: the returned promise resolves before any entry arrives
 * (entries come with later I/O), but an extra await of I/O in between could lose entries. With
 * `maxBytes`, the extractor fails with MLSHIP_E_ARCHIVE_UNSAFE once the tar (uncompressed) exceeds it.
 */
export async function openTarExtract(file: string, what: string, options: { maxBytes?: number } = {}): Promise<TarExtract> {
  const head = Buffer.alloc(2);
  try {
    const handle = await open(file, 'r');
    await handle.read(head, 0, 2, 0).finally(() => handle.close());
  } catch (error) {
    throw fromFsError(error, file, what);
  }
  const gzipped = head[0] === 0x1f && head[1] === 0x8b;
  const source = createReadStream(file, { highWaterMark: 1 << 20 });
  const extract = tar.extract();
  const unpacked = gzipped ? source.pipe(createGunzip()) : source;
  const input = options.maxBytes === undefined ? unpacked : unpacked.pipe(byteCap(options.maxBytes, file));
  for (const stream of new Set([source, unpacked, input])) stream.on('error', (error: Error) => extract.destroy(error));
  input.pipe(extract);
  // Destroying the extractor (an early stop, an error) closes the file too.
  extract.on('close', () => source.destroy());
  return extract;
}
