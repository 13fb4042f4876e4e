import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/** The repository root (test-utils lives in packages/test-utils/src or dist). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The built CLI, as users run it. */
export const MLSHIP_BIN = join(REPO_ROOT, 'bin', 'mlship');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `bin/mlship` in `cwd` (no shell) and captures everything; never throws on exit codes. */
export async function runMlship(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined>; input?: string; timeoutMs?: number },
): Promise<CliResult> {
  if (!existsSync(join(REPO_ROOT, 'packages', 'cli', 'dist', 'bundle', 'mlship.cjs'))) {
    throw new Error('the CLI is not built: run `pnpm run build` before the tests');
  }
  const result = await execa(process.execPath, [MLSHIP_BIN, ...args], {
    cwd: options.cwd,
    env: { NO_COLOR: '1', MLSHIP_REGISTRY: undefined, ...options.env },
    extendEnv: true,
    reject: false,
    timeout: options.timeoutMs ?? 60_000,
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/**
 * Asserts the CLI's error contract: exit code `exitCode`, exactly one stderr line
 * `error[CODE] message (hint: …)` with a code matching `code` (a regular expression), no stack trace.
 */
export function expectOneLineError(result: CliResult, code: string, exitCode: number): void {
  const lines = result.stderr.trim().split('\n');
  const problems = [
    result.exitCode === exitCode ? '' : `exit code ${result.exitCode}, expected ${exitCode}`,
    lines.length === 1 ? '' : `${lines.length} stderr lines, expected 1`,
    new RegExp(`^error\\[(${code})\\] .+ \\(hint: .+\\)$`).test(lines[0] ?? '') ? '' : `first line does not read error[${code}] message (hint: …)`,
    /\n\s+at /.test(result.stderr) ? 'a stack trace' : '',
  ].filter((problem) => problem !== '');
  if (problems.length > 0) throw new Error(`${problems.join('; ')}\nstderr: ${result.stderr}\nstdout: ${result.stdout.slice(0, 2000)}`);
}

/**
 * `runMlship` with `--json` appended, its stdout parsed as `data`. Stdout that is not JSON fails with
 * both streams in the message, so a failing test shows what the command printed.
 */
export async function runMlshipJson(
  args: string[],
  options: Parameters<typeof runMlship>[1],
): Promise<CliResult & { data: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- each test reads its own document shape
  const result = await runMlship([...args, '--json'], options);
  try {
    return { ...result, data: JSON.parse(result.stdout) };
  } catch {
    throw new Error(`mlship ${args.join(' ')} printed no JSON (exit ${result.exitCode})\nstderr: ${result.stderr}\nstdout: ${result.stdout}`);
  }
}

export interface ServingMlship {
  url: string;
  child: ChildProcess;
  /** What it printed on stderr so far. */
  stderr(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** Starts the built `mlship serve ARGS --port 0 --json` in `cwd`; resolves once it listens, with its URL. */
export async function startMlshipServe(args: string[], options: { cwd: string }): Promise<ServingMlship> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.MLSHIP_REGISTRY;
  const child = spawn(process.execPath, [MLSHIP_BIN, 'serve', ...args, '--port', '0', '--json'], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (data: Buffer) => {
      stdout += data.toString();
      const match = /"url":"([^"]+)"/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    void exited.then(() => reject(new Error(`mlship serve exited before listening: ${stderr}`)));
  });
  return {
    url,
    child,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
