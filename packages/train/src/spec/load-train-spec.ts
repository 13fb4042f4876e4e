/** Reading train specs: YAML or JSON text to a checked `TrainSpec`, as `{ value, errors, warnings }`. */
import { dirname, isAbsolute, resolve } from 'node:path';
import type { ValidationResult } from '@mlship/core';
import { loadYamlDocument, parseYamlDocument } from '@mlship/core/yaml-document';
import { specError } from '../errors.js';
import { checkTrainSpec } from './check-train-spec.js';
import { trainSpecJsonSchema } from './train-spec-json-schema.js';
import type { TrainSpec } from './train-spec.js';

const EMPTY_SPEC = 'the spec is empty';

/** Ajv's summaries of `if`/`then` and `anyOf` branches repeat what the detailed messages say. */
const SUMMARY = /: must match ("then" schema|a schema in anyOf)$/;
/** What a rejected `anyOf` branch of another type says (`optimizer: adam` when an object was given). */
const OTHER_BRANCH = /: must be (equal to one of the allowed values|equal to constant|string|boolean|object|number|integer|array)$/;

/** Ajv's messages without the noise of `anyOf` and `if`: a branch's type mismatch goes when the path has a detailed message. */
function pruneSchemaErrors(messages: string[]): string[] {
  const kept = messages.filter((message) => !SUMMARY.test(message));
  const pathOf = (message: string) => message.slice(0, message.indexOf(': '));
  const detailed = kept.filter((message) => !OTHER_BRANCH.test(message)).map(pathOf);
  const pruned = kept.filter((message) => {
    if (!OTHER_BRANCH.test(message)) return true;
    const path = pathOf(message);
    return !detailed.some((other) => other === path || other.startsWith(`${path}/`));
  });
  return pruned.length > 0 ? pruned : messages;
}

/**
 * Parses spec text (YAML, or JSON, which is YAML) and checks it against the schema and the rules
 * across fields. Never throws for bad input: `value` is set only when `errors` is empty.
 */
export function parseTrainSpec(text: string): ValidationResult<TrainSpec> {
  return checkParsedSpec(parseYamlDocument<TrainSpec>(text, trainSpecJsonSchema, { emptyError: EMPTY_SPEC }));
}

/** A parsed spec: schema errors pruned (a parse error passes unchanged), then the rules across fields. */
function checkParsedSpec(checked: ValidationResult<TrainSpec>): ValidationResult<TrainSpec> {
  if (!checked.value) return { value: undefined, errors: pruneSchemaErrors(checked.errors), warnings: [] };
  const { errors, warnings } = checkTrainSpec(checked.value);
  return { value: errors.length === 0 ? checked.value : undefined, errors, warnings };
}

/**
 * Reads and checks a spec file. A relative `validation.data` or `validation.testData` is resolved against the spec's folder.
 * An unreadable file throws (coded, from the file system error); bad content comes back as errors.
 */
export async function loadTrainSpec(path: string): Promise<ValidationResult<TrainSpec>> {
  const result = checkParsedSpec(await loadYamlDocument<TrainSpec>(path, trainSpecJsonSchema, { action: 'cannot read the train spec', emptyError: EMPTY_SPEC }));
  for (const key of ['data', 'testData'] as const) {
    const table = result.value?.validation?.[key];
    if (result.value && table !== undefined && !isAbsolute(table)) result.value.validation = { ...result.value.validation, [key]: resolve(dirname(path), table) };
  }
  return result;
}

/** The spec of a result, or MLSHIP_E_TRAIN_SPEC (exit 2) listing its errors. */
export function requireTrainSpec(result: ValidationResult<TrainSpec>, source: string): TrainSpec {
  if (result.value && result.errors.length === 0) return result.value;
  const shown = result.errors.slice(0, 5).join('; ');
  throw specError(`train spec ${source} is not valid: ${shown}${result.errors.length > 5 ? ` (and ${result.errors.length - 5} more)` : ''}`, 'compare it with packages/train/schemas/train-spec.schema.json', {
    errors: result.errors,
  });
}
