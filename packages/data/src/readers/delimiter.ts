import { usageError } from '@mlship/core';
import { fileBytes } from './file-source.js';
import { utf8Chunks } from './utf8-chunks.js';

/** Candidates of `delimiter: "auto"`, in order of preference when they tie. */
export const DELIMITER_CANDIDATES = [',', ';', '\t', '|'] as const;

/** The candidate that splits the header line into the most fields (counting outside double quotes); `,` when none does. */
export function sniffDelimiter(headerLine: string): string {
  const counts = new Map<string, number>();
  let quoted = false;
  for (const char of headerLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  let best: string = ',';
  for (const candidate of DELIMITER_CANDIDATES) {
    if ((counts.get(candidate) ?? 0) > (counts.get(best) ?? 0)) best = candidate;
  }
  return best;
}

/** Checks a delimiter option; `\t` typed as two characters (as shells pass it) means a tab. */
export function checkDelimiter(delimiter: string): string {
  const value = delimiter === '\\t' ? '\t' : delimiter;
  if (value === '' || /["\r\n]/.test(value)) {
    throw usageError(`invalid delimiter ${JSON.stringify(delimiter)}`, 'use one character such as "," ";" "|" or "\\t", or "auto"');
  }
  return value;
}

const HEADER_SNIFF_BYTES = 1 << 20;

/** The first line of the file (at most 1 MiB of it), for `delimiter: "auto"`. */
export async function readFirstLine(file: string, compressed: boolean): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of utf8Chunks(file, fileBytes(file, compressed))) {
    chunks.push(chunk);
    size += chunk.length;
    if (chunk.includes(0x0a) || size >= HEADER_SNIFF_BYTES) break;
  }
  // The decoder drops a byte-order mark; an unfinished character at the cut is replaced, harmlessly.
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks)).split('\n', 1)[0] ?? '';
}
