import type { Command } from 'commander';
import { registerDataInferSchema } from './data-infer-schema.js';
import { registerDataProfile } from './data-profile.js';
import { registerDataValidate } from './data-validate.js';

export function registerData(program: Command): void {
  const data = program.command('data').description('data quality: infer schemas, validate and profile datasets');
  registerDataValidate(data);
  registerDataInferSchema(data);
  registerDataProfile(data);
}
