import type { Command } from 'commander';
import { createReporter, escapeTerminalText, parseFlags, type ExitCode, type FlagTable, type FlagValues, type Reporter } from '@mlship/core';

/** Options every command accepts (declared on the root program). */
export interface GlobalOptions {
  registry?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
}

export interface CommandContext {
  globals: GlobalOptions;
  reporter: Reporter;
  /** The registry directory, found as DESIGN.md says (flag, env, upward search); coded error if none. */
  registry(): Promise<string>;
}

/** What a command hands back: data for --json, text for people, and its exit code. */
export interface Outcome {
  data: unknown;
  text?: string;
  exitCode?: ExitCode;
}

export function globalsOf(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

export function createContext(command: Command): CommandContext {
  const globals = globalsOf(command);
  const reporter = createReporter({
    json: globals.json,
    quiet: globals.quiet,
    verbose: globals.verbose,
    ...(globals.color === false ? { color: false } : {}),
  });
  return {
    globals,
    reporter,
    registry: async () => {
      const { findRegistry } = await import('@mlship/registry');
      return findRegistry({ explicit: globals.registry });
    },
  };
}

type Action = (...args: unknown[]) => Promise<void>;
type Handler<Flags> = (context: CommandContext, positional: string[], flags: Flags) => Promise<Outcome>;

/**
 * Wraps a command handler (positional arguments flattened, then the values of the command's flag
 * table, parsed by `parseFlags`): builds its context, prints its outcome (one JSON document on stdout
 * with --json, text otherwise) and sets the exit code. Errors go up to the single catch in main.ts.
 */
export function handle(handler: Handler<Record<string, never>>): Action;
export function handle<T extends FlagTable>(flags: T, handler: Handler<FlagValues<T>>): Action;
export function handle(first: FlagTable | Handler<never>, second?: Handler<never>): Action {
  const table = typeof first === 'function' ? undefined : first;
  const handler = (typeof first === 'function' ? first : second) as Handler<unknown>;
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const raw = args[args.length - 2] as Record<string, unknown>;
    const positional = args.slice(0, -2).flat() as string[];
    const context = createContext(command);
    const outcome = await handler(context, positional, table ? parseFlags(table, raw) : {});
    if (context.globals.json) process.stdout.write(`${JSON.stringify(outcome.data, null, 2)}\n`);
    // Text holds names and values from data: escaped for the terminal (colours mlship added kept).
    else if (outcome.text !== undefined && outcome.text !== '') process.stdout.write(`${escapeTerminalText(outcome.text, { keepColors: context.reporter.color.level > 0 })}\n`);
    process.exitCode = outcome.exitCode ?? 0;
  };
}

/** Commander collector for repeatable options. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
