import { readFile } from 'node:fs/promises';
import { ExitCode, MlshipError, fromFsError, validateWithSchema } from '@mlship/core';
import { parse, stringify } from 'yaml';
import { dataSchemaJsonSchema } from './json-schema.js';
import type { DataSchema } from './types.js';

export const SchemaErrorCode = 'MLSHIP_E_SCHEMA_INVALID';

function invalid(path: string, why: string): MlshipError {
  return new MlshipError(SchemaErrorCode, `schema ${path} is not valid: ${why}`, {
    hint: 'compare it with packages/data/schemas/data-schema.schema.json, or regenerate it with `mlship data infer-schema`',
    exitCode: ExitCode.usage,
  });
}

/** Parses schema text (YAML or JSON) and checks it against the schema format; coded error on anything wrong. */
export function parseSchema(text: string, path: string): DataSchema {
  let parsed: unknown;
  try {
    parsed = parse(text, { prettyErrors: false });
  } catch (error) {
    const where = (error as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    throw invalid(path, `YAML does not parse${where ? ` at line ${where}` : ''}: ${(error as Error).message.split('\n')[0]}`);
  }
  const checked = validateWithSchema<DataSchema>(dataSchemaJsonSchema, parsed);
  if (!checked.value) throw invalid(path, checked.errors.slice(0, 3).join('; '));
  return checked.value;
}

export async function loadSchema(path: string): Promise<DataSchema> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw fromFsError(error, path, 'cannot read the schema');
  }
  return parseSchema(text, path);
}

/** YAML for people: a header naming the JSON Schema (for editors), then the schema. */
export function renderSchema(schema: DataSchema): string {
  return `# yaml-language-server: $schema=${dataSchemaJsonSchema.$id}\n# mlship data schema: edit the bounds and categories to what your data must satisfy.\n${stringify(schema, { lineWidth: 0 })}`;
}
