import type { Command } from 'commander';
import { registerModelEvaluate } from './model-evaluate.js';
import { registerModelExport } from './model-export.js';
import { registerModelImport } from './model-import.js';
import { TOP_LEVEL_COMMANDS } from './command-index.js';

export function registerModel(program: Command): void {
  const model = program.command('model').description(TOP_LEVEL_COMMANDS.model.description);
  registerModelImport(model);
  registerModelEvaluate(model);
  registerModelExport(model);
}
