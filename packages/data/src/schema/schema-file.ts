import { errorCodes, ExitCode, MlshipError, type ValidationResult } from '@mlship/core';
import { loadYamlDocument, parseYamlDocument } from '@mlship/core/yaml-document';
import { stringify } from 'yaml';
import { dataSchemaJsonSchema } from './json-schema.js';
import type { DataSchema } from './types.js';

export const SchemaErrorCode = errorCodes({
  invalid: { code: 'MLSHIP_E_SCHEMA_INVALID', exitCode: ExitCode.usage, meaning: 'A data schema file that does not parse or breaks `data-schema.schema.json`, or a schema that cannot check the data.' },
});

function invalid(path: string, why: string): MlshipError {
  return new MlshipError(SchemaErrorCode.invalid, `schema ${path} is not valid: ${why}`, {
    hint: 'compare it with packages/data/schemas/data-schema.schema.json, or regenerate it with `mlship data infer-schema`',
    exitCode: ExitCode.usage,
  });
}

/** The schema of a checked document, or MLSHIP_E_SCHEMA_INVALID naming its first problems. */
function requireSchema(checked: ValidationResult<DataSchema>, path: string): DataSchema {
  if (!checked.value) throw invalid(path, checked.errors.slice(0, 3).join('; '));
  return checked.value;
}

/** Parses schema text (YAML or JSON) and checks it against the schema format; coded error on anything wrong. */
export function parseSchema(text: string, path: string): DataSchema {
  return requireSchema(parseYamlDocument<DataSchema>(text, dataSchemaJsonSchema), path);
}

export async function loadSchema(path: string): Promise<DataSchema> {
  return requireSchema(await loadYamlDocument<DataSchema>(path, dataSchemaJsonSchema, { action: 'cannot read the schema' }), path);
}

/** YAML for people: a header naming the JSON Schema (for editors), then the schema. */
export function renderSchema(schema: DataSchema): string {
  return `# yaml-language-server: $schema=${dataSchemaJsonSchema.$id}\n# mlship data schema: edit the bounds and categories to what your data must satisfy.\n${stringify(schema, { lineWidth: 0 })}`;
}
