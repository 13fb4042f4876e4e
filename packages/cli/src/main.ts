import { CommanderError, type Command } from 'commander';
import { ErrorCode, escapeTerminalText, ExitCode, fromSystemError, isMlshipError } from '@mlship/core';
import { createProgram } from './program.js';
import { commanderSuggestion, unknownOption } from './usage-suggestions.js';

interface ErrorReport {
  code: string;
  message: string;
  hint: string | undefined;
  exitCode: ExitCode;
}

function describeError(error: unknown, program: Command, argv: string[]): ErrorReport {
  const system = fromSystemError(error);
  if (system) return { code: system.code, message: system.message, hint: system.hint, exitCode: system.exitCode };
  if (isMlshipError(error)) return { code: error.code, message: error.message, hint: error.hint, exitCode: error.exitCode };
  if (error instanceof CommanderError) {
    const help = 'see `mlship --help` or `mlship <command> --help`';
    // Commander checks required options before unknown ones: a mistyped --data reads as a missing --data.
    const unknown = error.code === 'commander.missingMandatoryOptionValue' ? unknownOption(program, argv) : undefined;
    if (unknown) {
      return { code: ErrorCode.usage, message: `unknown option '${unknown.option}'`, hint: unknown.suggestion ? `did you mean ${unknown.suggestion}?` : help, exitCode: ExitCode.usage };
    }
    const suggestion = commanderSuggestion(error.message);
    return {
      code: ErrorCode.usage,
      message: error.message.replace(/^error:\s*/, '').split('\n')[0]!,
      hint: suggestion ? `did you mean ${suggestion}? ${help}` : help,
      exitCode: ExitCode.usage,
    };
  }
  return {
    code: ErrorCode.internal,
    message: error instanceof Error ? error.message : String(error),
    hint: 'this is a bug in mlship; rerun with --verbose for the stack trace and report it',
    exitCode: ExitCode.runtime,
  };
}

/**
 * The top-level command `argv` runs ('' for none, such as `mlship --help`): the first argument that
 * is not a global option, or the one after `help`.
 */
export function requestedCommand(argv: string[]): string {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return args[i + 1] ?? '';
    if (arg === '--registry') i++; // the global option that takes a value
    else if (!arg.startsWith('-')) return arg === 'help' ? (args.slice(i + 1).find((next) => !next.startsWith('-')) ?? '') : arg;
  }
  return '';
}

/** Runs the CLI; the single place that maps errors to one line and an exit code. */
export async function run(argv: string[] = process.argv): Promise<void> {
  // A reader that stops early (`mlship --help | head`) closes the pipe: that ends the output, it is no crash.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
  const program = createProgram({ only: requestedCommand(argv) });
  // Commander errors become thrown CommanderErrors on every (sub)command; we print them our way.
  const quieten = (command: Command): void => {
    command.exitOverride();
    command.configureOutput({ outputError: () => undefined });
    command.commands.forEach(quieten);
  };
  quieten(program);
  const wantsJson = argv.includes('--json');
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) {
      process.exitCode = 0; // --help, --version
      return;
    }
    if (error instanceof CommanderError && error.code === 'commander.help') {
      process.exitCode = ExitCode.usage; // a command group run without a subcommand: its help was printed
      return;
    }
    const report = describeError(error, program, argv);
    process.stderr.write(`${escapeTerminalText(`error[${report.code}] ${report.message.split('\n')[0]}${report.hint ? ` (hint: ${report.hint})` : ''}`)}\n`);
    if (verbose && error instanceof Error && error.stack) process.stderr.write(`${escapeTerminalText(error.stack)}\n`);
    if (wantsJson) {
      process.stdout.write(`${JSON.stringify({ error: { code: report.code, message: report.message, hint: report.hint ?? null } }, null, 2)}\n`);
    }
    process.exitCode = report.exitCode;
  }
}
