/**
 * What each candidate feature column is: a number, a category, a boolean (a category of exactly
 * false/true, whatever the file format wrote), a datetime (numeric parts, never categories) or an id
 * (left out), with the reason in words. The type is read from the spec's per-column setting, else the
 * data schema, else the values of the whole table (a column type, like a schema's: nothing fitted);
 * what is fitted (statistics, categories, fills) comes from the training part only (fit-preprocessing.ts).
 */
import { parseDatetime } from '@mlship/onnx';
import type { ColumnType as SchemaColumnType } from '@mlship/data';
import { trainDataError } from '../errors.js';
import type { CategoryImpute, DatetimePart, NumericImpute, ResolvedTrainSpec, Scaling, UnknownPolicy } from '../spec/train-spec.js';
import { numberOfCell, textOfCell } from './cells.js';
import type { Table } from './load-table.js';

export type FeatureKind =
  | { name: string; kind: 'numeric'; scaling: Scaling; impute: NumericImpute; indicator: boolean; derive?: { from: string; part: DatetimePart } }
  | {
      name: string;
      kind: 'category';
      encoding: 'onehot' | 'index';
      categories?: string[];
      hashBuckets?: number;
      impute: CategoryImpute;
      unknown: UnknownPolicy;
      /** Values read as booleans: the categories are exactly ["false", "true"]. */
      boolean: boolean;
    };

/** How a column of the data is used, and why: what the CLI, `--json` and the model card list. */
export interface ColumnUse {
  column: string;
  use: 'feature' | 'derived' | 'excluded';
  /** numeric, category, boolean, datetime; for a column left out: id, empty, text, personal. */
  type: string;
  reason: string;
  /** A derived column: the features made from it. */
  features?: string[];
}

/** What a data schema says of a column. */
export interface SchemaColumn {
  type: SchemaColumnType;
  unique?: boolean;
}

export interface PlanColumnsOptions {
  table: Table;
  /** The candidate feature columns, in order. */
  candidates: readonly string[];
  /** The spec lists the features by name: use them even where they look like ids, and refuse an empty one. */
  listed: boolean;
  pre: ResolvedTrainSpec['preprocessing'];
  /** The data schema's columns, when the data came with one (a stored dataset). */
  schema?: Readonly<Record<string, SchemaColumn>>;
}

export interface ColumnPlan {
  kinds: FeatureKind[];
  columns: ColumnUse[];
}

/** An id needs at least this many rows: in fewer, distinct values say little. */
export const MIN_ID_ROWS = 10;
const ID_NAME = /(?:^|[_\s.-])(?:id|ID|Id)$|[a-z0-9](?:Id|ID)$|^(?:id|ID|Id)(?:[_\s.-]|$)/;
const BOOLEAN_TEXT = new Set(['true', 'false', 'yes', 'no']);

interface Observed {
  present: number;
  numbers: boolean;
  integers: boolean;
  booleans: boolean;
  datetimes: boolean;
  distinct: number;
}

/** What the values of a column look like over the whole table. */
function observe(table: Table, index: number): Observed {
  let present = 0;
  let numbers = true;
  let integers = true;
  let booleans = true;
  let datetimes = true;
  const seen = new Set<string | number>();
  for (const cells of table.rows) {
    const cell = cells[index] ?? null;
    const text = textOfCell(cell);
    if (text === undefined) continue;
    present += 1;
    const number = typeof cell === 'boolean' ? undefined : numberOfCell(cell);
    if (number === undefined) {
      numbers = false;
      integers = false;
      seen.add(text);
    } else {
      if (!Number.isInteger(number)) integers = false;
      seen.add(number);
    }
    if (booleans && typeof cell !== 'boolean' && !(typeof cell === 'string' && BOOLEAN_TEXT.has(cell.trim().toLowerCase()))) booleans = false;
    if (datetimes && !(typeof cell === 'string' && !Number.isNaN(parseDatetime(cell)))) datetimes = false;
  }
  return { present, numbers, integers, booleans, datetimes, distinct: seen.size };
}

/** Features named `column.part` for each part of a datetime column. */
export function derivedName(column: string, part: DatetimePart): string {
  return `${column}.${part}`;
}

/** Plans every candidate column (see the file comment). MLSHIP_E_TRAIN_DATA for a listed feature without values. */
export function planColumns(options: PlanColumnsOptions): ColumnPlan {
  const { table, pre } = options;
  const missing = pre.missing ?? { numeric: 'none', categories: 'none', indicator: false };
  const kinds: FeatureKind[] = [];
  const columns: ColumnUse[] = [];
  const numeric = (name: string, override: { scaling?: Scaling; impute?: NumericImpute; indicator?: boolean } = {}): FeatureKind => {
    const impute = override.impute ?? missing.numeric;
    return { name, kind: 'numeric', scaling: override.scaling ?? pre.numeric, impute, indicator: impute !== 'none' && (override.indicator ?? missing.indicator) };
  };
  const category = (name: string, boolean: boolean, override: { encoding?: 'onehot' | 'index'; categories?: string[]; hashBuckets?: number; impute?: CategoryImpute; unknown?: UnknownPolicy } = {}): FeatureKind => ({
    name,
    kind: 'category',
    encoding: override.encoding ?? pre.categories,
    ...(override.categories ? { categories: override.categories } : {}),
    ...(override.hashBuckets !== undefined ? { hashBuckets: override.hashBuckets } : {}),
    impute: override.impute ?? (boolean ? 'mostFrequent' : missing.categories),
    unknown: override.unknown ?? pre.unknown ?? 'unknown',
    boolean,
  });
  const datetime = (name: string, reason: string, override: { parts?: DatetimePart[]; scaling?: Scaling; impute?: NumericImpute; indicator?: boolean } = {}) => {
    const parts = override.parts ?? pre.datetime?.parts ?? ['days', 'dayOfWeek', 'month'];
    const names = parts.map((part) => derivedName(name, part));
    for (const derived of names) {
      if (table.columns.includes(derived)) {
        throw trainDataError(`the datetime column ${JSON.stringify(name)} would make a feature ${JSON.stringify(derived)}, which is already a column`, 'rename that column, or choose other parts (preprocessing.columns.<name>.parts)');
      }
    }
    parts.forEach((part, i) => kinds.push({ ...(numeric(names[i]!, override) as Extract<FeatureKind, { kind: 'numeric' }>), derive: { from: name, part } }));
    columns.push({ column: name, use: 'derived', type: 'datetime', reason: `${reason}: numeric ${parts.join(', ')} (UTC), never categories`, features: names });
  };

  for (const name of options.candidates) {
    if (pre.image) {
      kinds.push({ name, kind: 'numeric', scaling: 'none', impute: 'none', indicator: false });
      continue;
    }
    const override = Object.hasOwn(pre.columns, name) ? pre.columns[name] : undefined;
    if (override) {
      const set = 'preprocessing.columns sets it';
      if (override.type === 'numeric') {
        kinds.push(numeric(name, override));
        columns.push({ column: name, use: 'feature', type: 'numeric', reason: `${set} numeric` });
      } else if (override.type === 'category') {
        kinds.push(category(name, false, override));
        columns.push({ column: name, use: 'feature', type: 'category', reason: override.hashBuckets !== undefined ? `${set} hashed into ${override.hashBuckets} buckets` : `${set} category` });
      } else if (override.type === 'boolean') {
        kinds.push(category(name, true, override));
        columns.push({ column: name, use: 'feature', type: 'boolean', reason: `${set} boolean: categories false, true` });
      } else {
        datetime(name, set + ' datetime', override);
      }
      continue;
    }
    const index = table.columns.indexOf(name);
    const declared = options.schema && Object.hasOwn(options.schema, name) ? options.schema[name] : undefined;
    const seen = observe(table, index);
    if (seen.present === 0) {
      if (options.listed) throw trainDataError(`feature ${JSON.stringify(name)} has no values`, 'leave the column out (features or exclude in the spec)', { column: name });
      columns.push({ column: name, use: 'excluded', type: 'empty', reason: 'it has no values' });
      continue;
    }
    const unique = seen.present === table.rows.length && seen.distinct === seen.present && seen.present >= MIN_ID_ROWS;
    if (!options.listed && (declared?.unique || unique)) {
      // Text unique per row is an id (or free text); dates and quantities may be unique too, so integers only with an id's name (customer_id, userId).
      const looksLikeId = declared?.unique || (!seen.numbers && !seen.datetimes && declared?.type !== 'datetime') || (seen.integers && ID_NAME.test(name));
      if (looksLikeId) {
        const why = declared?.unique ? 'the data schema marks it unique' : `a different ${seen.numbers ? 'integer' : 'value'} in every one of its ${seen.present} rows`;
        columns.push({ column: name, use: 'excluded', type: 'id', reason: `${why}: an id, which identifies rows and predicts nothing (list it in features to use it anyway)` });
        continue;
      }
    }
    if (declared?.type === 'boolean') {
      kinds.push(category(name, true));
      columns.push({ column: name, use: 'feature', type: 'boolean', reason: 'the data schema types it boolean: categories false, true (true/false, yes/no, 1/0 read alike)' });
    } else if (declared?.type === 'datetime') {
      datetime(name, 'the data schema types it datetime');
    } else if (declared?.type === 'category' || declared?.type === 'string') {
      kinds.push(category(name, false));
      columns.push({ column: name, use: 'feature', type: 'category', reason: `the data schema types it ${declared.type}` });
    } else if (seen.numbers && (declared === undefined || declared.type === 'integer' || declared.type === 'number')) {
      kinds.push(numeric(name));
      columns.push({ column: name, use: 'feature', type: 'numeric', reason: declared ? `the data schema types it ${declared.type}` : 'every value is a number' });
    } else if (seen.booleans) {
      kinds.push(category(name, true));
      columns.push({ column: name, use: 'feature', type: 'boolean', reason: 'every value is true/false or yes/no: categories false, true, read alike from every file format' });
    } else if (seen.datetimes) {
      datetime(name, 'every value is an ISO 8601 date');
    } else {
      kinds.push(category(name, false));
      columns.push({ column: name, use: 'feature', type: 'category', reason: `text with ${seen.distinct} distinct values` });
    }
  }
  return { kinds, columns };
}
