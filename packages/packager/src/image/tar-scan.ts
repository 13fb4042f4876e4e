import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { ErrorCode, ExitCode, MlshipError, fromFsError, readAll } from '@mlship/core';
import { openTarExtract } from '@mlship/oci';

export interface TarEntryInfo {
  /** Normalised name: no leading `./` or `/`. */
  name: string;
  type: string;
  size: number;
  /** Symbolic and hard links: the entry they point to, normalised like `name`. */
  target: string | undefined;
}

/** Strips `./` and `/` prefixes; tar writers differ in these. */
export function normalizeTarName(name: string): string {
  return name.replace(/^(?:\.\/|\/)+/, '').replace(/\/+$/, '');
}

/**
 * Streams the entries of a tar file (plain or gzip, by its magic bytes) to `visit`, one at a time. The
 * visitor reads the entry's stream or leaves it; what it leaves unread is skipped. Anything that is
 * not a readable tar becomes a usage error naming `what`.
 */
export async function scanTar(file: string, what: string, visit: (entry: TarEntryInfo, stream: Readable) => Promise<void>): Promise<void> {
  const extract = await openTarExtract(file, `cannot read ${what}`);
  try {
    for await (const tarEntry of extract) {
      const header = tarEntry.header;
      const stream = tarEntry as unknown as Readable;
      const name = normalizeTarName(header.name);
      const type = header.type ?? 'file';
      let target: string | undefined;
      if ((type === 'symlink' || type === 'link') && header.linkname) {
        target = normalizeTarName(type === 'symlink' ? posix.join(posix.dirname(name), header.linkname) : header.linkname);
      }
      await visit({ name, type, size: header.size ?? 0, target }, stream);
      stream.resume();
    }
  } catch (error) {
    extract.destroy();
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('MLSHIP_E_')) throw error;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) throw fromFsError(error, file, `cannot read ${what}`);
    throw new MlshipError(ErrorCode.usage, `${file} is not a readable tar archive: ${(error as Error).message}`, {
      hint: `pass ${what}`,
      exitCode: ExitCode.usage,
    });
  }
}

/**
 * Small entries of an archive held in memory during a first pass (manifests, configs, index.json),
 * within a total budget; larger ones are read in a second, streaming pass.
 */
export class ArchiveMemory {
  readonly files = new Map<string, Buffer>();
  readonly sizes = new Map<string, number>();
  readonly links = new Map<string, string>();
  private held = 0;

  constructor(
    private readonly entryLimit: number,
    private readonly budget: number,
  ) {}

  async take(entry: TarEntryInfo, stream: Readable): Promise<void> {
    if (entry.target !== undefined) {
      this.links.set(entry.name, entry.target);
      return;
    }
    if (entry.type !== 'file' && entry.type !== 'contiguous-file') return;
    this.sizes.set(entry.name, entry.size);
    if (entry.size > this.entryLimit || this.held + entry.size > this.budget) return;
    this.files.set(entry.name, await readAll(stream, entry.size, entry.name));
    this.held += entry.size;
  }

  /** Follows links (a few hops at most) to the entry that holds the bytes. */
  resolve(name: string): string {
    let current = normalizeTarName(name);
    for (let hops = 0; hops < 8 && this.links.has(current); hops += 1) current = this.links.get(current)!;
    return current;
  }

  has(name: string): boolean {
    return this.sizes.has(this.resolve(name));
  }
}
