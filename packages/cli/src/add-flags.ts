import { Option, type Command } from 'commander';
import { flagName, type FlagTable } from '@mlship/core';
import { collect } from './context.js';

/** A command's flag table as commander options, in table order (help lists them so). */
export function addFlags(command: Command, table: FlagTable): Command {
  for (const spec of Object.values(table)) {
    const option = new Option(spec.flag, spec.description);
    if (spec.choices) option.choices(spec.choices);
    if (spec.repeatable) option.argParser(collect).default([]);
    if (spec.default !== undefined) option.default(spec.default);
    if (spec.required) option.makeOptionMandatory();
    command.addOption(option);
    if (spec.negation !== undefined) command.addOption(new Option(`--no-${flagName(spec.flag).slice(2)}`, spec.negation));
  }
  return command;
}
