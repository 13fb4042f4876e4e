import { Command, Help, Option } from 'commander';
import { MLSHIP_VERSION } from '@mlship/core';
import { TOP_LEVEL_COMMANDS, type TopLevelCommand } from './commands/command-index.js';
import { registerCompress } from './commands/compress.js';
import { registerData } from './commands/data.js';
import { registerInit } from './commands/init.js';
import { registerModel } from './commands/model.js';
import { registerPackage } from './commands/package.js';
import { registerRegistry } from './commands/registry.js';
import { registerServe } from './commands/serve.js';
import { registerTrain } from './commands/train.js';

export interface ProgramOptions {
  /**
   * Build only this top-level command in full; the others are stubs with their name, help term and
   * description (what `mlship --help` lists). '' builds none in full; undefined builds all (docs, tests).
   */
  only?: string;
}

/**
 * The command tree. Definitions only: each command lazily imports the package that does its work,
 * so building this (and `mlship --help`) loads no heavy module.
 */
export function createProgram(options: ProgramOptions = {}): Command {
  const program = new Command('mlship')
    .description('mlship: from data to production. Validate, train, compress, package, deploy and monitor models.')
    .version(MLSHIP_VERSION, '-V, --version')
    .addOption(new Option('--registry <dir>', 'registry directory (default: nearest .mlship/ upward)').env('MLSHIP_REGISTRY'))
    .option('--json', 'print one JSON document on stdout; logs go to stderr')
    .option('-q, --quiet', 'print results only, no progress or notes')
    .option('-v, --verbose', 'print details, and stack traces of internal errors')
    .option('--no-color', 'no colour (also NO_COLOR=1)')
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
Exit codes: 0 success, 1 a check failed, 2 usage or input error, 3 runtime failure.

Examples:
  $ mlship init
  $ mlship registry put datasets/iris examples/iris/iris.csv
  $ mlship registry show datasets/iris --json`,
    );
  const registrations: Record<TopLevelCommand, (parent: Command) => void> = {
    init: registerInit,
    data: registerData,
    train: registerTrain,
    model: registerModel,
    compress: registerCompress,
    package: registerPackage,
    registry: registerRegistry,
    serve: registerServe,
  };
  const stubTerms = new Map<Command, string>();
  for (const [name, register] of Object.entries(registrations) as Array<[TopLevelCommand, (parent: Command) => void]>) {
    if (options.only === undefined || options.only === name) {
      register(program);
    } else {
      // Listed in --help with its term and description; never run (run() builds the command it runs in full).
      const { term, description } = TOP_LEVEL_COMMANDS[name];
      stubTerms.set(program.command(name).description(description), term);
    }
  }
  const help = new Help();
  program.configureHelp({ subcommandTerm: (command) => stubTerms.get(command) ?? help.subcommandTerm(command) });
  return program;
}
