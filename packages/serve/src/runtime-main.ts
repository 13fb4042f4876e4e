/**
 * The server's process entry (the container's `node serve-runtime.mjs MODEL_DIR ...`): parses the
 * flags and MLSHIP_* environment, serves until SIGTERM/SIGINT, prints one JSON line
 * `{"event":"listening","url":...}` on stdout when ready and JSON lines for errors and events on
 * stderr, and exits 0 after a graceful shutdown (2 for bad input, 3 for runtime failures).
 *
 * Run as a cluster worker (the primary forks this same file) it serves as that worker. Bundled
 * into one file, the bundle is both the primary and the worker script.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { isMlshipError } from '@mlship/core';
import { isClusterWorker, runWorker } from './cluster-worker.js';
import { parseServeArgs, runtimeUsage } from './flags.js';
import type { ServeEvent } from './options.js';
import { startServer } from './server.js';

function printEvent(event: ServeEvent): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
}

/** Serves per `argv` (flags and model directories, no `node script` prefix); resolves with the exit code once the server stopped. */
export async function runtimeMain(argv: string[]): Promise<number> {
  if (isClusterWorker()) return runWorker();
  try {
    const { options, help } = parseServeArgs(argv);
    if (help) {
      process.stdout.write(`${runtimeUsage()}\n`);
      return 0;
    }
    // With workers, this very script is the worker script (also when bundled into one file).
    const workerScript = process.argv[1];
    const server = await startServer({ ...options, ...(workerScript ? { workerScript } : {}), handleSignals: true, onEvent: printEvent });
    process.stdout.write(
      `${JSON.stringify({ event: 'listening', url: server.url, port: server.port, workers: server.workers, models: server.models.map((m) => ({ name: m.name, version: m.version, providers: m.providers, ...(m.fallback ? { fallback: m.fallback } : {}) })) })}\n`,
    );
    await server.closed;
    printEvent({ event: 'stopped' });
    return 0;
  } catch (error) {
    if (isMlshipError(error)) {
      printEvent({ event: 'error', code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) });
      return error.exitCode;
    }
    printEvent({ event: 'error', code: 'MLSHIP_E_INTERNAL', message: (error as Error)?.message ?? String(error) });
    return 3;
  }
}

/** True when this module is the process's entry script (directly, or as the bundle it was built into). */
function isEntry(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (isEntry()) {
  runtimeMain(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      printEvent({ event: 'error', code: 'MLSHIP_E_INTERNAL', message: String((error as Error)?.message ?? error) });
      process.exit(3);
    },
  );
}
