import type { Command, Option } from 'commander';
import { createProgram } from './program.js';

function optionRows(options: readonly Option[]): string[] {
  return options
    .filter((option) => !option.hidden)
    .map((option) => {
      const defaults = option.defaultValue !== undefined && !(Array.isArray(option.defaultValue) && option.defaultValue.length === 0) && option.defaultValue !== true
        ? ` (default: \`${JSON.stringify(option.defaultValue)}\`)`
        : '';
      const choices = option.argChoices ? ` (one of ${option.argChoices.map((c) => `\`${c}\``).join(', ')})` : '';
      const env = option.envVar ? ` (env \`${option.envVar}\`)` : '';
      return `| \`${option.flags}\` | ${option.description}${choices}${defaults}${env} |`;
    });
}

function usageOf(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current; current = current.parent) names.unshift(current.name());
  return `${names.join(' ')} ${command.usage()}`.trim();
}

function helpAfter(command: Command): string {
  // The examples added with addHelpText('after', …), as they print under --help.
  let text = '';
  const capture = { writeOut: (s: string) => (text += s), writeErr: () => undefined };
  command.configureOutput(capture);
  command.outputHelp();
  const marker = text.search(/\n(Examples:|Exit codes:|With |Prints |Each |Blobs |Every |Refs:)/);
  return marker >= 0 ? text.slice(marker).trim() : '';
}

function renderCommand(command: Command, depth: number, lines: string[]): void {
  const subcommands = command.commands;
  lines.push(`${'#'.repeat(depth)} \`${usageOf(command)}\``, '', command.description(), '');
  const options = optionRows(command.options);
  if (options.length > 0) lines.push('| Option | Meaning |', '| --- | --- |', ...options, '');
  const after = helpAfter(command);
  if (after) lines.push('```text', after, '```', '');
  for (const sub of subcommands) renderCommand(sub, Math.min(depth + 1, 4), lines);
}

/** docs/cli.md, generated from the command definitions (a test fails when the file is stale). */
export function renderCliDocs(): string {
  const program = createProgram();
  const lines = [
    '# mlship command line reference',
    '',
    '<!-- Generated from packages/cli/src/commands by `pnpm run docs`; do not edit by hand. -->',
    '',
  ];
  renderCommand(program, 2, lines);
  return `${lines.join('\n').trimEnd()}\n`;
}
