/** How training reads cells: the same missing-value and number rules as @mlship/data's schemas. */
import { isMissing, numberOfCell as numberOrMissing, type Cell } from '@mlship/data';

/** The number a cell holds, or undefined when it is missing or not a finite number (true/false are not numbers). */
export function numberOfCell(cell: Cell | undefined): number | undefined {
  const value = numberOrMissing(cell ?? null, false);
  return typeof value === 'number' ? value : undefined;
}

/** A cell's text as a category or class name, or undefined when missing. */
export function textOfCell(cell: Cell | undefined): string | undefined {
  if (cell === undefined || cell === null || isMissing(cell)) return undefined;
  return String(cell);
}
