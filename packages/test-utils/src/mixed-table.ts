/**
 * A customer table of mixed types, as a table from outside tends to be (pandas' spellings): numbers
 * with missing values, a category with missing values, a boolean written True/False, an ISO date, a
 * text id, and a yes/no label missing in a few rows. Written as CSV, JSON Lines or Parquet with the
 * same content, so a test can check that every format trains and serves alike.
 */
import { writeTableFile, type TableFileFormat } from './table-file.js';

export interface MixedTableRow {
  /** "C0001"…: a different value in every row. */
  customer_id: string;
  /** null every 9th row. */
  age: number | null;
  /** basic, plus or pro; null every 13th row. */
  plan: string | null;
  /** null every 17th row. */
  is_member: boolean | null;
  /** A date, YYYY-MM-DD. */
  joined: string;
  monthly_spend: number;
  /** The label, yes or no; null every 25th row. */
  churned: 'yes' | 'no' | null;
}

export const MIXED_TABLE_COLUMNS = ['customer_id', 'age', 'plan', 'is_member', 'joined', 'monthly_spend', 'churned'] as const;

/** `rows` customers; churn is learnable from age, membership, plan and spend. */
export function mixedTableRows(rows = 240): MixedTableRow[] {
  const plans = ['basic', 'plus', 'pro'];
  return Array.from({ length: rows }, (_, i) => {
    const age = 18 + ((i * 37) % 53);
    const member = (i * 7) % 5 < 2;
    const plan = plans[(i * 11) % 3]!;
    const spend = Math.round((10 + ((i * 53) % 90) + (plan === 'pro' ? 40 : 0)) * 100) / 100;
    const day = new Date(Date.UTC(2020, 0, 1) + ((i * 97) % 1000) * 86_400_000).toISOString().slice(0, 10);
    const churned = (age < 35 && !member) || (plan === 'basic' && spend < 40) ? 'yes' : 'no';
    return {
      customer_id: `C${String(i + 1).padStart(4, '0')}`,
      age: i % 9 === 4 ? null : age,
      plan: i % 13 === 6 ? null : plan,
      is_member: i % 17 === 8 ? null : member,
      joined: day,
      monthly_spend: spend,
      churned: i % 25 === 12 ? null : churned,
    };
  });
}

/** Writes the table as CSV (True/False, empty for missing), JSON Lines (JSON types, null) or Parquet (BOOLEAN, TIMESTAMP, DOUBLE, STRING). */
export async function writeMixedTable(path: string, format: TableFileFormat, rows = 240): Promise<MixedTableRow[]> {
  const table = mixedTableRows(rows);
  await writeTableFile(path, format, {
    columns: MIXED_TABLE_COLUMNS,
    rows: table,
    parquet: { customer_id: 'STRING', age: 'DOUBLE', plan: 'STRING', is_member: 'BOOLEAN', joined: 'TIMESTAMP', monthly_spend: 'DOUBLE', churned: 'STRING' },
  });
  return table;
}
