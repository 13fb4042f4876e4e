import type { Command } from 'commander';
import { registerModelEvaluate } from './model-evaluate.js';
import { registerModelExport } from './model-export.js';
import { registerModelImport } from './model-import.js';

export function registerModel(program: Command): void {
  const model = program.command('model').description('stored models: import ONNX models trained elsewhere, evaluate any stored model, export its files');
  registerModelImport(model);
  registerModelEvaluate(model);
  registerModelExport(model);
}
