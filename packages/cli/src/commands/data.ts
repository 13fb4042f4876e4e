import type { Command } from 'commander';
import { registerDataDrift } from './data-drift.js';
import { registerDataInferSchema } from './data-infer-schema.js';
import { registerDataProfile } from './data-profile.js';
import { registerDataRegister } from './data-register.js';
import { registerDataValidate } from './data-validate.js';

export function registerData(program: Command): void {
  const data = program.command('data').description('data quality: infer schemas, validate, profile, compare and register datasets');
  registerDataValidate(data);
  registerDataInferSchema(data);
  registerDataProfile(data);
  registerDataDrift(data);
  registerDataRegister(data);
}
