/** Plain-text layout helpers for human output. */

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function shortDigest(digest: string): string {
  return digest.startsWith('sha256:') ? digest.slice(7, 19) : digest;
}

export function keyValues(pairs: Array<[string, string | undefined | null]>): string {
  const present = pairs.filter((pair): pair is [string, string] => pair[1] !== undefined && pair[1] !== null && pair[1] !== '');
  const width = Math.max(...present.map(([key]) => key.length));
  return present.map(([key, value]) => `${`${key}:`.padEnd(width + 2)}${value}`).join('\n');
}
