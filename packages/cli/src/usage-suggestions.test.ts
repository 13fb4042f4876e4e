import { Command } from 'commander';
import { formatMetric } from './commands/evaluation-tables.js';
import { closest, commanderSuggestion, editDistance, unknownOption } from './usage-suggestions.js';

describe('suggestions for mistyped commands and options', () => {
  it('measures edits with transpositions as one, and suggests only close words', () => {
    expect(editDistance('trian', 'train')).toBe(1);
    expect(editDistance('--dat', '--data')).toBe(1);
    expect(editDistance('abc', 'xyz')).toBe(3);
    expect(closest('--dat', ['--data', '--label', '--seed'])).toBe('--data');
    expect(closest('--zzzzzz', ['--data', '--label'])).toBeUndefined();
    expect(commanderSuggestion("error: unknown command 'trian'\n(Did you mean train?)")).toBe('train');
  });

  it('finds the option a subcommand does not take, its globals counted as known', () => {
    const program = new Command('mlship').option('--json');
    program.command('train').requiredOption('--data <file>').option('--label <col>').option('--no-color');
    expect(unknownOption(program, ['node', 'mlship', 'train', '--json', '--dat', 'x'])).toEqual({ option: '--dat', suggestion: '--data' });
    expect(unknownOption(program, ['node', 'mlship', 'train', '--label=y', '--no-color'])).toBeUndefined();
  });

  it('prints floating-point noise around zero as 0', () => {
    expect([formatMetric(3.7e-17), formatMetric(-2e-16), formatMetric(0.123456), formatMetric(1.2e-5), formatMetric(null)]).toEqual(['0', '0', '0.1235', '0.000012', '–']);
  });
});
