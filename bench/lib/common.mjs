// Helpers shared by the benchmark scripts in bench/: plain Node, no dependencies. Failures end the
// process: exit 2 (bad arguments, with the script's usage text) or 3 (anything else, no usage).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statfsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the benchmarks run their commands from there). */
export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built CLI. */
export const bin = join(root, 'bin', 'mlship');
/** GNU time, for peak RSS (`-f %M`: KiB). */
export const TIME = '/usr/bin/time';

/** argv that runs the built CLI with this Node: `mlship('data', 'profile', f)`. */
export const mlship = (...args) => [process.execPath, bin, ...args];

/** Progress and notes go to stderr, so stdout holds only the results. */
export const log = (message) => process.stderr.write(`${message}\n`);

/**
 * Returns fail(message, code = 2): writes `error: message` to stderr, with `usage` after it when code
 * is 2 (a bad argument), and exits with code.
 */
export function failWith(usage) {
  return (message, code = 2) => {
    process.stderr.write(`error: ${message}\n${code === 2 ? `${usage}\n` : ''}`);
    process.exit(code);
  };
}

/** fail for everything but arguments: exit 3, no usage. */
const failRun = failWith('');
const die = (message) => failRun(message, 3);

/** Why a spawnSync result failed: its error, else its exit status. */
export const exitReason = (result) => result.error?.message ?? `exit ${result.status}`;

/**
 * Options of the benchmarks against the Python peers: --data-dir, --peers, --python (resolved paths),
 * --no-peer (options.peer = false), --json, -h/--help (prints usage, exits 0), and the whole-number
 * options in `numbers` ({ rows: { default: 1000000, min: 1 } } makes --rows N, options.rows). Anything
 * else fails with usage (exit 2).
 */
export function parsePeerArgs(argv, { usage, numbers }) {
  const fail = failWith(usage);
  const options = {
    ...Object.fromEntries(Object.entries(numbers).map(([name, { default: value }]) => [name, value])),
    dataDir: process.env.BENCH_PEERS_DATA ?? '/tmp/bench-peers-data',
    peers: process.env.BENCH_PEERS_DIR ?? '/work/shared/peers',
    python: '/tmp/peers/bin/python',
    peer: true,
    json: false,
  };
  const paths = { '--data-dir': 'dataDir', '--peers': 'peers', '--python': 'python' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const number = arg.startsWith('--') && Object.hasOwn(numbers, arg.slice(2)) ? arg.slice(2) : null;
    if (arg === '--json') options.json = true;
    else if (arg === '--no-peer') options.peer = false;
    else if (number !== null) {
      const value = Number(argv[++i]);
      const { min } = numbers[number];
      if (!Number.isInteger(value) || value < min) fail(`${arg} needs a whole number of at least ${min}`);
      options[number] = value;
    } else if (Object.hasOwn(paths, arg)) {
      if (argv[i + 1] === undefined) fail(`${arg} needs a path`);
      options[paths[arg]] = resolve(argv[++i]);
    } else if (arg === '-h' || arg === '--help') {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    } else fail(`unknown argument ${arg}`);
  }
  return options;
}

/** The usage lines for the options parsePeerArgs adds (after --data-dir, which scripts place themselves). */
export const PEER_USAGE =
  '         [--peers DIR (default $BENCH_PEERS_DIR or /work/shared/peers)] [--python PATH (default /tmp/peers/bin/python)]\n' +
  '         [--no-peer] [--json]';
export const DATA_DIR_USAGE = '[--data-dir DIR (default $BENCH_PEERS_DATA or /tmp/bench-peers-data)]';

/** Fails (exit 3) unless the CLI, GNU time, options.python and each of `more` ([path, hint]) exist. */
export function requirePeerSetup(options, more) {
  for (const [path, hint] of [
    [bin, 'run `pnpm run build`'],
    [TIME, 'GNU time is needed for peak RSS'],
    [options.python, 'run `bash /work/shared/peers/setup_env.sh`'],
    ...more,
  ]) {
    if (!existsSync(path)) die(`${path} not found (${hint})`);
  }
}

/** Makes `dir` and fails (exit 3) unless its file system has `bytes` free. */
export function ensureFreeSpace(dir, bytes) {
  mkdirSync(dir, { recursive: true });
  const { bavail, bsize } = statfsSync(dir);
  if (bavail * bsize < bytes) die(`not enough free disk space in ${dir}: ${(bytes / 1e9).toFixed(1)} GB needed`);
}

/** spawnSync(command, args, spawnOptions), untimed; fails (exit 3) naming `what` unless it exits 0. Returns the result. */
export function runOrFail(command, args, what, spawnOptions) {
  const result = spawnSync(command, args, spawnOptions);
  if (result.error || result.status !== 0) die(`${what} failed (${exitReason(result)})`);
  return result;
}

/** Reads `files` once, so that the timed runs after it start with them in the page cache. */
export const warmPageCache = (files) => spawnSync('cat', files, { stdio: ['ignore', 'ignore', 'inherit'] });

/**
 * Runs argv under `/usr/bin/time -f %M -o rssFile` from the repository root: stdin closed, stdout and
 * stderr captured as text (stdout: 'ignore' drops it), `env` as given (default this process's).
 * Returns spawnSync's result with `seconds`, the wall time of the run (process.hrtime). Never fails:
 * the caller judges the result; after a run that exited, peakRssKib(rssFile) has its peak RSS.
 */
export function runTimed(argv, { rssFile, env, stdout = 'pipe' }) {
  const start = process.hrtime.bigint();
  const result = spawnSync(TIME, ['-f', '%M', '-o', rssFile, ...argv], {
    cwd: root,
    env,
    stdio: ['ignore', stdout, 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return Object.assign(result, { seconds });
}

/** Peak RSS in KiB from the file GNU time wrote (its last line: time may put an exit note above it). */
export const peakRssKib = (rssFile) => Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());

/** The last line of `text` that starts with `{`, parsed; fails (exit 3) if there is none. */
export function lastJsonLine(text) {
  const line = text.trim().split('\n').reverse().find((l) => l.trim().startsWith('{'));
  if (line === undefined) die(`no JSON line in output: ${text.slice(-500)}`);
  return JSON.parse(line);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `digits` significant digits; 0 and non-finite values as they are. */
export const round = (value, digits = 4) => (Number.isFinite(value) && value !== 0 ? Number(value.toPrecision(digits)) : value);

/** KiB (GNU time's unit) to MB (10^6 bytes). */
export const kibToMB = (kib) => (kib * 1024) / 1e6;

/** Median, min and max of `seconds` and the largest of `rssKib` in MB, each to 4 significant digits. */
export const timeSummary = (seconds, rssKib) => ({
  medianS: round(median(seconds)),
  minS: round(Math.min(...seconds)),
  maxS: round(Math.max(...seconds)),
  peakRssMB: round(kibToMB(Math.max(...rssKib))),
});

/** The progress line of one timed run: `run 1/3 <name padded to nameWidth>   12.34 s  peak RSS   150 MB<extra>`. */
export const runLine = (r, runs, name, nameWidth, { seconds, rssKib }, extra = '') =>
  `run ${r}/${runs} ${name.padEnd(nameWidth)} ${seconds.toFixed(2).padStart(8)} s  peak RSS ${kibToMB(rssKib).toFixed(0).padStart(5)} MB${extra}`;
