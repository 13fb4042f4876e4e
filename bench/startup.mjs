#!/usr/bin/env node
// Startup benchmark: wall time of `node bin/mlship --help` against a bare `node -e 0`, measured in
// the same run with the two commands alternated (A B A B ...) so that swings in machine speed hit
// both alike. Reports median and minimum of each and the ratios (goal: mlship/node at most 1.3).
//
//   node bench/startup.mjs [--runs N] [--warmup N] [--json]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { bin, median, root } from './lib/common.mjs';

const GOAL_RATIO = 1.3;

function usage(message) {
  process.stderr.write(`error: ${message}\nusage: node bench/startup.mjs [--runs N] [--warmup N] [--json]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const options = { runs: 30, warmup: 3, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') options.json = true;
    else if (arg === '--runs' || arg === '--warmup') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < (arg === '--runs' ? 1 : 0)) usage(`${arg} needs a whole number`);
      options[arg.slice(2)] = value;
    } else if (arg === '-h' || arg === '--help') {
      process.stdout.write('usage: node bench/startup.mjs [--runs N (default 30)] [--warmup N (default 3)] [--json]\n');
      process.exit(0);
    } else usage(`unknown argument ${arg}`);
  }
  return options;
}

const commands = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'node bin/mlship --help', args: [bin, '--help'] },
];

/** Runs one command and returns its wall time in milliseconds; a failing command ends the benchmark. */
function timeOnce(command) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, command.args, { cwd: root, stdio: 'ignore' });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.error || result.status !== 0) {
    process.stderr.write(`error: \`${command.name}\` failed (${result.error?.message ?? `exit ${result.status}`})\n`);
    if (command.args[0] === bin) process.stderr.write('hint: run `pnpm run build` first\n');
    process.exit(3);
  }
  return elapsed;
}

const round = (value, digits = 2) => Number(value.toFixed(digits));

const options = parseArgs(process.argv.slice(2));
if (!existsSync(bin)) usage(`${bin} not found`);

for (let i = 0; i < options.warmup; i++) for (const command of commands) timeOnce(command);
const samples = commands.map(() => []);
for (let i = 0; i < options.runs; i++) {
  // A B A B ...: each pair runs back to back so both see the same machine state.
  commands.forEach((command, index) => samples[index].push(timeOnce(command)));
}

const [baseline, mlship] = commands.map((command, index) => ({
  command: command.name,
  runs: samples[index].length,
  medianMs: round(median(samples[index])),
  minMs: round(Math.min(...samples[index])),
  maxMs: round(Math.max(...samples[index])),
}));
const ratioMedian = round(mlship.medianMs / baseline.medianMs, 3);
const ratioMin = round(mlship.minMs / baseline.minMs, 3);
const report = {
  benchmark: 'startup',
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  warmup: options.warmup,
  runs: options.runs,
  baseline,
  mlship,
  ratio: { median: ratioMedian, min: ratioMin },
  goal: { maxRatio: GOAL_RATIO, met: ratioMedian <= GOAL_RATIO },
};

if (options.json) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} else {
  const line = (r) => `${r.command.padEnd(24)} median ${r.medianMs.toFixed(2).padStart(8)} ms   min ${r.minMs.toFixed(2).padStart(8)} ms   max ${r.maxMs.toFixed(2).padStart(8)} ms`;
  process.stdout.write(
    [
      `Node ${process.version} (${report.platform}); ${options.warmup} warm-ups and ${options.runs} runs each, alternated`,
      line(baseline),
      line(mlship),
      `ratio mlship/node       median ${ratioMedian.toFixed(3)}   min ${ratioMin.toFixed(3)}   (goal: at most ${GOAL_RATIO}: ${report.goal.met ? 'met' : 'NOT met'})`,
    ].join('\n') + '\n',
  );
}
