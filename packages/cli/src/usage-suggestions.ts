/**
 * Suggestions for mistyped commands and options. Commander words its own ("(Did you mean train?)")
 * on a second line of the error; an unknown option next to a missing required one is reported by
 * commander as the missing one (it checks required options first), so `--dat x` would read
 * "required option '--data' not specified". Both become one line with the suggestion in the hint.
 */
import type { Command } from 'commander';

/** Optimal string alignment distance (Damerau–Levenshtein without repeated edits of a substring). */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The closest candidate within a distance of a third of the word's length (at least 1), or undefined. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  return best && best.distance > 0 && best.distance <= Math.max(1, Math.floor(word.length / 3)) ? best.candidate : undefined;
}

/** Commander's "(Did you mean X?)" line, as the suggestion alone. */
export function commanderSuggestion(message: string): string | undefined {
  return /\(Did you mean (.+?)\?\)/.exec(message)?.[1];
}

/** The command `argv` reaches (the deepest subcommand named), for looking up its options. */
function leafCommand(program: Command, argv: readonly string[]): Command {
  let command = program;
  for (const arg of argv.slice(2)) {
    if (arg.startsWith('-')) continue;
    const next = command.commands.find((sub) => sub.name() === arg || sub.aliases().includes(arg));
    if (!next) break;
    command = next;
  }
  return command;
}

/** The long options a command takes, its parents' (global) ones included. */
function longOptions(command: Command): string[] {
  const names: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) for (const option of at.options) if (option.long) names.push(option.long);
  return [...names, '--help'];
}

/**
 * The first option in `argv` that the command reached does not take, with the closest one it does
 * take, or undefined when every option is known.
 */
export function unknownOption(program: Command, argv: readonly string[]): { option: string; suggestion: string | undefined } | undefined {
  const command = leafCommand(program, argv);
  const known = longOptions(command);
  for (const arg of argv.slice(2)) {
    if (arg === '--') break;
    if (!arg.startsWith('--')) continue;
    const option = arg.split('=')[0]!;
    const negated = option.startsWith('--no-') ? `--${option.slice(5)}` : undefined;
    if (known.includes(option) || (negated !== undefined && known.includes(negated))) continue;
    return { option, suggestion: closest(option, known) };
  }
  return undefined;
}
