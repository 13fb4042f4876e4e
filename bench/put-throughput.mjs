#!/usr/bin/env node
// Put throughput benchmark: `mlship registry put` of one large file against `cp` of the same file,
// and against `cp` followed by `sync` of the copy (mlship put fsyncs the blob, plain cp does not).
// The three are alternated (cp, cp+sync, put, cp, ...) so swings in machine speed hit all alike.
// Wall time is taken with process.hrtime; peak RSS with `/usr/bin/time -f %M` around each command.
// Goals: put throughput at least 0.5x that of cp, and mlship's peak RSS under 150 MB.
//
//   node bench/put-throughput.mjs [--size-mib N] [--runs N] [--dir DIR] [--json]
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TIME, bin, exitReason, failWith, median, peakRssKib, root, runTimed } from './lib/common.mjs';

const GOAL_RATIO = 0.5;
const GOAL_RSS_MB = 150;
const BLOCK_MIB = 64;
const MIB = 1 << 20;
const USAGE = 'usage: node bench/put-throughput.mjs [--size-mib N (default 1024)] [--runs N (default 5)] [--dir DIR] [--json]';
const fail = failWith(USAGE);

function parseArgs(argv) {
  const options = { sizeMib: 1024, runs: 5, dir: tmpdir(), json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') options.json = true;
    else if (arg === '--size-mib' || arg === '--runs') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1) fail(`${arg} needs a whole number of at least 1`);
      options[arg === '--runs' ? 'runs' : 'sizeMib'] = value;
    } else if (arg === '--dir') {
      if (argv[i + 1] === undefined) fail('--dir needs a directory');
      options.dir = resolve(argv[++i]);
    } else if (arg === '-h' || arg === '--help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else fail(`unknown argument ${arg}`);
  }
  return options;
}

/** Free bytes on the file system holding `dir`, from `df -Pk`. */
function freeBytes(dir) {
  const result = spawnSync('df', ['-Pk', dir], { encoding: 'utf8' });
  if (result.status !== 0) fail(`df failed on ${dir}: ${result.stderr.trim()}`, 3);
  const fields = result.stdout.trim().split('\n').pop().trim().split(/\s+/);
  const availableKib = Number(fields[3]);
  if (!Number.isFinite(availableKib)) fail(`cannot read df output: ${result.stdout}`, 3);
  return availableKib * 1024;
}

/** Writes `sizeMib` MiB: one random 64 MiB block written over and over, never the whole file in memory. */
function writeSource(path, sizeMib) {
  const block = randomBytes(Math.min(BLOCK_MIB, sizeMib) * MIB);
  const fd = openSync(path, 'wx');
  try {
    let left = sizeMib * MIB;
    while (left > 0) {
      const length = Math.min(left, block.length);
      let offset = 0;
      while (offset < length) offset += writeSync(fd, block, offset, length - offset);
      left -= length;
    }
  } finally {
    closeSync(fd);
  }
}

/** Runs argv under `/usr/bin/time -f %M`; returns wall seconds (hrtime) and peak RSS in KiB. */
function measure(name, argv, rssFile) {
  const result = runTimed(argv, { rssFile, stdout: 'ignore' });
  if (result.error || result.status !== 0) fail(`${name} failed (${exitReason(result)}): ${result.stderr?.trim() ?? ''}`, 3);
  return { seconds: result.seconds, rssKib: peakRssKib(rssFile) };
}

function run(argv, what) {
  const result = spawnSync(argv[0], argv.slice(1), { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (result.error || result.status !== 0) fail(`${what} failed: ${result.error?.message ?? result.stderr.trim()}`, 3);
}

const round = (value, digits = 1) => Number(value.toFixed(digits));

const options = parseArgs(process.argv.slice(2));
if (!existsSync(bin)) fail(`${bin} not found (hint: run \`pnpm run build\`)`, 3);
if (!existsSync(TIME)) fail(`${TIME} not found (GNU time is needed for peak RSS)`, 3);
if (!existsSync(options.dir)) fail(`--dir ${options.dir} does not exist`);

const size = options.sizeMib * MIB;
const free = freeBytes(options.dir);
if (free < 4 * size) {
  fail(
    `not enough free disk space in ${options.dir}: ${(free / MIB).toFixed(0)} MiB free, ` +
      `${(4 * size) / MIB} MiB needed (4x the ${options.sizeMib} MiB file); pass --dir or a smaller --size-mib`,
    3,
  );
}

const work = mkdtempSync(join(options.dir, 'mlship-bench-put-'));
let cleaned = false;
const cleanup = () => {
  if (!cleaned) rmSync(work, { recursive: true, force: true });
  cleaned = true;
};
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

const log = (message) => {
  if (!options.json) process.stderr.write(`${message}\n`);
};

const source = join(work, 'source.bin');
const registry = join(work, 'reg');
const rssFile = join(work, 'rss.txt');
log(`writing ${options.sizeMib} MiB test file in ${work} ...`);
writeSource(source, options.sizeMib);
run(['sync'], 'sync');
run([process.execPath, bin, 'init', '--registry', registry], 'mlship init');

const variants = [
  { key: 'cp', name: 'cp', argv: (copy) => ['cp', source, copy] },
  { key: 'cpSync', name: 'cp + sync', argv: (copy) => ['sh', '-c', 'cp "$1" "$2" && sync "$2"', 'sh', source, copy] },
  { key: 'put', name: 'mlship registry put', argv: () => [process.execPath, bin, '--registry', registry, 'registry', 'put', 'datasets/big', source] },
];
const samples = Object.fromEntries(variants.map((v) => [v.key, []]));

// One untimed round first, so the source file is in the page cache and the registry holds the blob.
for (let round = 0; round <= options.runs; round++) {
  for (const variant of variants) {
    const copy = join(work, `copy-${round}`);
    const sample = measure(variant.name, variant.argv(copy), rssFile);
    if (round > 0) samples[variant.key].push(sample);
    rmSync(copy, { force: true });
    // Start every measurement from clean page cache state: no dirty pages left by the one before.
    run(['sync'], 'sync');
    if (round > 0) log(`run ${round}/${options.runs} ${variant.name.padEnd(20)} ${(size / MIB / sample.seconds).toFixed(1).padStart(8)} MiB/s  peak RSS ${((sample.rssKib * 1024) / 1e6).toFixed(1)} MB`);
  }
}

const results = Object.fromEntries(
  variants.map((variant) => {
    const list = samples[variant.key];
    const mibps = list.map((s) => size / MIB / s.seconds);
    return [
      variant.key,
      {
        command: variant.name,
        runs: list.length,
        medianSeconds: round(median(list.map((s) => s.seconds)), 3),
        medianMibPerSec: round(median(mibps)),
        // the minimum throughput (slowest run) and the maximum (fastest)
        minMibPerSec: round(Math.min(...mibps)),
        maxMibPerSec: round(Math.max(...mibps)),
        peakRssMB: round((Math.max(...list.map((s) => s.rssKib)) * 1024) / 1e6),
      },
    ];
  }),
);
const ratio = (a, b) => ({
  median: round(results[a].medianMibPerSec / results[b].medianMibPerSec, 3),
  min: round(results[a].minMibPerSec / results[b].minMibPerSec, 3),
});
const report = {
  benchmark: 'put-throughput',
  node: process.version,
  sizeMiB: options.sizeMib,
  runs: options.runs,
  dir: options.dir,
  results,
  ratio: { putOverCp: ratio('put', 'cp'), putOverCpSync: ratio('put', 'cpSync') },
  goal: {
    minRatioPutOverCp: GOAL_RATIO,
    maxPeakRssMB: GOAL_RSS_MB,
    ratioMet: ratio('put', 'cp').median >= GOAL_RATIO,
    rssMet: results.put.peakRssMB < GOAL_RSS_MB,
  },
};

cleanup();
if (options.json) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} else {
  const line = (r) =>
    `${r.command.padEnd(20)} median ${r.medianMibPerSec.toFixed(1).padStart(8)} MiB/s   min ${r.minMibPerSec.toFixed(1).padStart(8)} MiB/s   ` +
    `max ${r.maxMibPerSec.toFixed(1).padStart(8)} MiB/s   peak RSS ${r.peakRssMB.toFixed(1).padStart(6)} MB`;
  const { putOverCp, putOverCpSync } = report.ratio;
  process.stdout.write(
    [
      `Node ${process.version}; ${options.sizeMib} MiB file, ${options.runs} runs each, alternated (cp, cp + sync, put), sync between runs`,
      line(results.cp),
      line(results.cpSync),
      line(results.put),
      `ratio put/cp            median ${putOverCp.median.toFixed(3)}   min ${putOverCp.min.toFixed(3)}   (goal: at least ${GOAL_RATIO}: ${report.goal.ratioMet ? 'met' : 'NOT met'})`,
      `ratio put/(cp + sync)   median ${putOverCpSync.median.toFixed(3)}   min ${putOverCpSync.min.toFixed(3)}`,
      `mlship peak RSS         ${results.put.peakRssMB.toFixed(1)} MB   (goal: under ${GOAL_RSS_MB} MB: ${report.goal.rssMet ? 'met' : 'NOT met'})`,
    ].join('\n') + '\n',
  );
}
