import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/** Result of validating a config or document: never throws for bad input. */
export interface ValidationResult<T> {
  value: T | undefined;
  errors: string[];
  warnings: string[];
}

let shared: Ajv | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

function ajv(): Ajv {
  shared ??= new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  return shared;
}

function describe(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(root)' : error.instancePath;
  if (error.keyword === 'additionalProperties') {
    return `${where}: unknown property "${String(error.params.additionalProperty)}"`;
  }
  return `${where}: ${error.message ?? 'is invalid'}`;
}

/** Validates a value against a JSON Schema (compiled once per schema object). */
export function validateWithSchema<T>(schema: object, value: unknown): ValidationResult<T> {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv().compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return { value: value as T, errors: [], warnings: [] };
  return { value: undefined, errors: (validate.errors ?? []).map(describe), warnings: [] };
}
