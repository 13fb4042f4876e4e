// The stubs `mlship --help` lists must read exactly as the full commands; run() must build in full the command it runs.
import { Help } from 'commander';
import { requestedCommand } from './main.js';
import { createProgram } from './program.js';

const listing = (only?: string) => {
  const program = createProgram(only === undefined ? {} : { only });
  const help = program.createHelp();
  return program.commands.map((command) => [command.name(), help.subcommandTerm(command), command.description()]);
};

describe('createProgram', () => {
  it('lists stubs with the terms and descriptions of the full definitions', () => {
    const full = createProgram();
    const help = new Help();
    expect(full.commands.map((command) => help.subcommandTerm(command))).toContain('compress [options] <ref>');
    expect(listing('')).toEqual(listing());
  });

  it('builds the requested command in full and only it', () => {
    const program = createProgram({ only: 'compress' });
    const byName = new Map(program.commands.map((command) => [command.name(), command]));
    expect(byName.get('compress')!.options.map((option) => option.long)).toContain('--max-accuracy-drop');
    expect(byName.get('train')!.options).toEqual([]);
    expect(byName.get('registry')!.commands).toEqual([]);
    expect(listing('compress')).toEqual(listing());
  });
});

describe('requestedCommand', () => {
  const argv = (...args: string[]) => ['node', 'mlship', ...args];
  it('skips global options (and the value of --registry) and looks past help', () => {
    expect(requestedCommand(argv('train', '--data', 'x.csv'))).toBe('train');
    expect(requestedCommand(argv('--json', '-q', '--no-color', 'registry', 'list'))).toBe('registry');
    expect(requestedCommand(argv('--registry', 'train', 'compress', 'models/a:1'))).toBe('compress');
    expect(requestedCommand(argv('--registry=dir', 'serve'))).toBe('serve');
    expect(requestedCommand(argv('help', '--json', 'package'))).toBe('package');
    expect(requestedCommand(argv('--help'))).toBe('');
    expect(requestedCommand(argv())).toBe('');
  });
});
