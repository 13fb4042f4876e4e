import type { Command } from 'commander';
import { registerDataDrift } from './data-drift.js';
import { registerDataInferSchema } from './data-infer-schema.js';
import { registerDataProfile } from './data-profile.js';
import { registerDataRegister } from './data-register.js';
import { registerDataValidate } from './data-validate.js';
import { TOP_LEVEL_COMMANDS } from './command-index.js';

export function registerData(program: Command): void {
  const data = program.command('data').description(TOP_LEVEL_COMMANDS.data.description);
  registerDataValidate(data);
  registerDataInferSchema(data);
  registerDataProfile(data);
  registerDataDrift(data);
  registerDataRegister(data);
}
