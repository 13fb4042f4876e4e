import { Chalk, type ChalkInstance } from 'chalk';
import { escapeTerminalText } from './terminal-text.js';

export interface ReporterOptions {
  /** Machine output: results go to stdout as one JSON document; logs stay on stderr. */
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  /** Colour on or off; by default on when stderr is a TTY and NO_COLOR is unset. */
  color?: boolean;
  stderr?: NodeJS.WriteStream | NodeJS.WritableStream;
}

export interface ProgressBar {
  update(done: number, total?: number): void;
  stop(): void;
}

/** Logs for people, on stderr. Only the CLI creates one; capability packages report through callbacks. */
export interface Reporter {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  readonly color: ChalkInstance;
  info(message: string): void;
  success(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
  /** A progress bar on a TTY (never with --json, --quiet or a pipe); a no-op elsewhere. */
  progress(label: string, unit?: 'bytes' | 'items'): ProgressBar;
}

export function colorWanted(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

const NO_PROGRESS: ProgressBar = { update: () => undefined, stop: () => undefined };

export function createReporter(options: ReporterOptions = {}): Reporter {
  const stderr = (options.stderr ?? process.stderr) as NodeJS.WriteStream;
  const json = options.json === true;
  const quiet = options.quiet === true;
  const verbose = options.verbose === true;
  const useColor = options.color ?? colorWanted(stderr);
  const color = new Chalk({ level: useColor ? 1 : 0 });
  const interactive = stderr.isTTY === true && !json && !quiet;
  const write = (line: string) => stderr.write(`${escapeTerminalText(line, { keepColors: useColor })}\n`);

  return {
    json,
    quiet,
    verbose,
    color,
    info: (message) => {
      if (!quiet) write(message);
    },
    success: (message) => {
      if (!quiet) write(`${color.green('✔')} ${message}`);
    },
    warn: (message) => write(`${color.yellow('warning:')} ${message}`),
    debug: (message) => {
      if (verbose) write(color.dim(message));
    },
    progress: (label, unit = 'items') => {
      if (!interactive) return NO_PROGRESS;
      let last = 0;
      let drawn = false;
      const render = (done: number, total?: number) => {
        const show = (n: number) => (unit === 'bytes' ? formatBytes(n) : String(n));
        const width = 24;
        const bar =
          total && total > 0
            ? `[${'#'.repeat(Math.round((Math.min(done, total) / total) * width)).padEnd(width, '.')}] ${show(done)}/${show(total)}`
            : show(done);
        stderr.write(`\r${label} ${bar}\u001b[K`);
        drawn = true;
      };
      return {
        update: (done, total) => {
          const now = Date.now();
          if (now - last < 100 && !(total !== undefined && done >= total)) return;
          last = now;
          render(done, total);
        },
        stop: () => {
          if (drawn) stderr.write('\r\u001b[K');
        },
      };
    },
  };
}
