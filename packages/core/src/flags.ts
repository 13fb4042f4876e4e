/**
 * Flag tables (DESIGN.md example 12): each command declares its flags once, as one table whose
 * entries hold the flag, its description, default and parser. The CLI turns a table into commander
 * options (`addFlags` in packages/cli), the serve runtime into node:util `parseArgs` options, and
 * `parseFlags` turns either's raw values into the typed values the command passes on. Light on
 * purpose: `mlship --help` loads this module.
 */
import { ErrorCode, ExitCode, MlshipError, usageError } from './errors.js';

/** One flag. The table's key names the parsed value; it need not match the flag's name. */
export interface Flag<T = unknown> {
  /** Commander's syntax: `--port <n>`, `--label-names <a,b,c>`, `--dry-run`, `--no-batching`. */
  readonly flag: string;
  readonly description: string;
  /** Shown in help and given to the parser when the flag is absent. */
  readonly default?: string | boolean | readonly string[];
  /** The values allowed; checked by the command line parser (commander), listed in help. */
  readonly choices?: readonly string[];
  /** The flag must be given. */
  readonly required?: boolean;
  /** The flag may be given more than once; its value is the list of values given (default `[]`). */
  readonly repeatable?: boolean;
  /** For a boolean `--x`: the description of its `--no-x`, which makes the value false. */
  readonly negation?: string;
  /** An environment variable read when the flag is absent, by parsers of argv (the serve runtime); commander does not read it. */
  readonly env?: string;
  /**
   * The value as given (a string, the list of a repeatable flag, a boolean for a flag without an
   * argument) to the value passed on; throws a coded error naming `flag` (the flag's long name).
   * `undefined` counts as not given.
   */
  readonly parse?: (value: never, flag: string) => T;
}

export type FlagTable = Readonly<Record<string, Flag>>;

type Given<F> = F extends { repeatable: true } ? string[] : F extends { flag: `${string}<${string}>` | `${string}[${string}]` } ? string : boolean;
type Parsed<F> = F extends { parse: (value: never, flag: string) => infer T } ? T : F extends { choices: readonly (infer C)[] } ? C : Given<F>;
type ValueOf<F> = Exclude<Parsed<F>, undefined>;
/** Flags that always have a value: required, with a default, repeatable (`[]`), or `--no-x` (true until given), unless their parser may return undefined. */
type AlwaysSet<F> =
  undefined extends Parsed<F> ? false : F extends { required: true } | { default: string | boolean | readonly string[] } | { repeatable: true } | { flag: `--no-${string}` } ? true : false;

/** The parsed values of a table: each key typed by its parser (or as given), optional unless always set. */
export type FlagValues<T extends FlagTable> = {
  -readonly [K in keyof T as AlwaysSet<T[K]> extends true ? K : never]: ValueOf<T[K]>;
} & {
  -readonly [K in keyof T as AlwaysSet<T[K]> extends true ? never : K]?: ValueOf<T[K]>;
};

/**
 * A table, typed as written (literal flags, so that `FlagValues` can tell value flags from boolean
 * ones). Entries may carry fields of their command's own (where a value goes, which modes read it).
 * Commands call it in a function run when the command is built in full, not at module load: the
 * CLI's front bundle holds every command, and `mlship --help` builds none.
 */
export function defineFlags<const T extends { readonly [key: string]: Flag & { readonly [field: string]: unknown } }>(table: T): T {
  return table;
}

/** The long name: `--max-batch-size` of `--max-batch-size <n>`, `--no-batching` of `--no-batching`. */
export function flagName(flag: string): string {
  const long = /--[A-Za-z0-9-]+/.exec(flag);
  if (!long) throw new Error(`flag ${JSON.stringify(flag)} has no long name`);
  return long[0];
}

/** The key commander stores a flag's value under: `maxBatchSize` of `--max-batch-size <n>`, `batching` of `--no-batching`. */
export function flagAttribute(flag: string): string {
  return flagName(flag)
    .slice(2)
    .replace(/^no-/, '')
    .replace(/-([A-Za-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * The table's values from raw ones keyed as commander keys them (`flagAttribute`), in table order:
 * each given value through its parser; values not given (or parsed to undefined) are left out, so
 * the result can be passed on as it is, and a callee's defaults apply.
 */
export function parseFlags<T extends FlagTable>(table: T, raw: Readonly<Record<string, unknown>>): FlagValues<T> {
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table)) {
    const given = raw[flagAttribute(spec.flag)];
    if (given === undefined) continue;
    const value = spec.parse ? (spec.parse as (value: unknown, flag: string) => unknown)(given, flagName(spec.flag)) : given;
    if (value !== undefined) values[key] = value;
  }
  return values as FlagValues<T>;
}

export interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
  /** An exclusive lower bound. */
  above?: number;
  /** A good value, for the hint `e.g. --flag EXAMPLE`. */
  example?: string | number;
  /** The message and hint instead of the ones made from the rule. */
  message?: (value: string, flag: string) => string;
  hint?: string;
  /** Default MLSHIP_E_USAGE; the exit code is 2 either way. */
  code?: string;
}

/**
 * The one number parser of flags: a finite number (an integer: optional minus and digits) within the
 * rule's bounds, else a coded usage error such as `--seed must be an integer from 0 to 4294967295,
 * got "x"` (`--port needs an integer, got "x"` without bounds).
 */
export function parseNumber(value: string, flag: string, rule: NumberRule = {}): number {
  const number = Number(value) + 0; // + 0: -0 is 0
  const syntax = rule.integer ? /^\s*-?\d+\s*$/.test(value) && Number.isSafeInteger(number) : value.trim() !== '' && Number.isFinite(number);
  const inRange = (rule.min === undefined || number >= rule.min) && (rule.max === undefined || number <= rule.max) && (rule.above === undefined || number > rule.above);
  if (syntax && inRange) return number;
  const kind = rule.integer ? 'an integer' : 'a number';
  const message =
    rule.message?.(value, flag) ??
    (rule.min !== undefined && rule.max !== undefined
      ? `${flag} must be ${kind} from ${rule.min} to ${rule.max}, got "${value}"`
      : rule.min !== undefined
        ? `${flag} must be ${kind} ≥ ${rule.min}, got "${value}"`
        : `${flag} needs ${kind}, got "${value}"`);
  const hint = rule.hint ?? (rule.example !== undefined ? `e.g. ${flag} ${rule.example}` : 'see --help');
  throw new MlshipError(rule.code ?? ErrorCode.usage, message, { hint, exitCode: ExitCode.usage });
}

/** A table parser for numbers by `rule` (see `parseNumber`). */
export function numberFlag(rule: NumberRule = {}): (value: string, flag: string) => number {
  return (value, flag) => parseNumber(value, flag, rule);
}

/** A table parser for one of `choices`: `--format must be one of qdq, qoperator, got "x"`. */
export function oneOf<const C extends string>(choices: readonly C[]): (value: string, flag: string) => C {
  return (value, flag) => {
    if ((choices as readonly string[]).includes(value)) return value as C;
    throw usageError(`${flag} must be one of ${choices.join(', ')}, got "${value}"`, `e.g. ${flag} ${choices[0]}`);
  };
}

/** A comma-separated list, each item trimmed: `a, b,c` → ['a', 'b', 'c']. */
export function commaList(value: string): string[] {
  return value.split(',').map((item) => item.trim());
}

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, kib: 2 ** 10, m: 1e6, mb: 1e6, mib: 2 ** 20, g: 1e9, gb: 1e9, gib: 2 ** 30, t: 1e12, tb: 1e12, tib: 2 ** 40 };

/** A byte count: a whole number with an optional unit (`500MB`, `10GiB`; K, M, G, T are powers of 1000, KiB… of 1024). */
export function parseByteSize(value: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = BYTE_UNITS[match?.[2]?.toLowerCase() ?? 'none'];
  const bytes = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw usageError(`${flag} must be a size such as 500MB or 10GiB, got "${value}"`, `e.g. ${flag} 20GiB`);
  }
  return bytes;
}
