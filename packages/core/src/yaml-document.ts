/**
 * YAML documents checked against a JSON Schema (train specs, data schemas): read, parsed (YAML, or JSON,
 * which is YAML) and validated as `{ value, errors, warnings }`. Imported as `@mlship/core/yaml-document`,
 * not from the package entry: the yaml parser (CommonJS, so bundles cannot drop it once the entry
 * names it) stays out of what imports only the entry, such as the server runtime.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { fromFsError } from './errors.js';
import { validateWithSchema, type ValidationResult } from './schema.js';

export interface YamlDocumentOptions {
  /** The error for an empty document (no value); without it, an empty document is checked like any value. */
  emptyError?: string;
}

/**
 * Parses YAML text and checks it against `schema`. Never throws for bad input: a parse error becomes
 * `YAML does not parse at line N: …`, schema violations ajv's messages; `value` is set only when
 * `errors` is empty. Duplicate keys are a parse error.
 */
export function parseYamlDocument<T>(text: string, schema: object, options: YamlDocumentOptions = {}): ValidationResult<T> {
  let parsed: unknown;
  try {
    parsed = parse(text, { prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    const line = (error as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    const reason = (error as Error).message.split('\n')[0] ?? 'unreadable';
    return { value: undefined, errors: [`YAML does not parse${line ? ` at line ${line}` : ''}: ${reason}`], warnings: [] };
  }
  if (options.emptyError !== undefined && (parsed === null || parsed === undefined)) return { value: undefined, errors: [options.emptyError], warnings: [] };
  return validateWithSchema<T>(schema, parsed);
}

/**
 * Reads a YAML file and checks it (`parseYamlDocument`). An unreadable file throws, coded from the
 * file-system error with `action` (e.g. `cannot read the schema`); bad content comes back as errors.
 */
export async function loadYamlDocument<T>(path: string, schema: object, options: YamlDocumentOptions & { action: string }): Promise<ValidationResult<T>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw fromFsError(error, path, options.action);
  }
  return parseYamlDocument<T>(text, schema, options);
}
