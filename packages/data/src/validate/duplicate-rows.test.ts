import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { DuplicateRows } from './duplicate-rows.js';

/** Rows 1..n with hashes drawn from a small range, so many repeat; the expected answer by brute force. */
function rowsWithRepeats(n: number, distinct: number, seed: number): Array<[hash: number, line: number]> {
  let state = seed;
  return Array.from({ length: n }, (_, i): [number, number] => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return [(state % distinct) * 0x10000 + 7, i + 2];
  });
}

function expected(rows: Array<[number, number]>, maxLines: number) {
  const seen = new Set<number>();
  const lines: number[] = [];
  for (const [hash, line] of rows) {
    if (seen.has(hash)) lines.push(line);
    seen.add(hash);
  }
  return { count: lines.length, lines: lines.slice(0, maxLines) };
}

async function run(rows: Array<[number, number]>, options: { memoryRows: number; runRows: number }) {
  const finder = new DuplicateRows(5, options);
  for (const [hash, line] of rows) if (finder.add(hash, line)) await finder.flush();
  return finder.finish();
}

const leftovers = async () => (await readdir(tmpdir())).filter((name) => name.startsWith('mlship-duplicates-')).length;

describe('DuplicateRows', () => {
  const rows = rowsWithRepeats(20_000, 9_000, 3);

  it('counts exactly in memory', async () => {
    expect(await run(rows, { memoryRows: 1_000_000, runRows: 1000 })).toEqual(expected(rows, 5));
  });

  it('counts exactly when rows spill to sorted runs on disk, and removes them', async () => {
    const before = await leftovers();
    // 500 rows in memory, then 40 runs of 500: repeats of in-memory rows, within runs and across runs.
    expect(await run(rows, { memoryRows: 500, runRows: 500 })).toEqual(expected(rows, 5));
    expect(await run(rows, { memoryRows: 0, runRows: 777 })).toEqual(expected(rows, 5));
    expect(await leftovers()).toBe(before);
  });

  it('finds repeats within an unwritten buffer, and reports the first lines even when found last', async () => {
    const late: Array<[number, number]> = [
      [1, 2],
      [2, 3],
      [3, 4],
      [2, 5],
      [1, 6],
    ];
    expect(await run(late, { memoryRows: 2, runRows: 100 })).toEqual({ count: 2, lines: [5, 6] });
  });
});
