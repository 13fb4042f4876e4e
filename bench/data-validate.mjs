#!/usr/bin/env node
// Validate + profile benchmark: `mlship data validate --profile-out` (validation and profile in one
// pass) on the peer's generated CSV (1M rows x 20 columns: 10 float, 5 integer, 4 categorical, a 0/1
// label, ~1% empty cells) against the Python peer /work/shared/peers/bench_validate.py (pandas
// read_csv + pandera DataFrameSchema.validate(lazy=True) + a pandas per-column profile), in one run,
// alternated round by round: the peer (its timed section total_s = read + validate + profile without
// imports, and its process wall time), mlship validate + profile, validate alone and profile alone.
// mlship's wall time (process.hrtime around the whole process) includes Node start-up. Peak RSS from
// `/usr/bin/time -f %M`. The mlship schema is written from the peer's own column spec (gen_data.py), so
// both check the same ranges and levels; both must find nothing wrong. Then mlship's profile is
// compared with the peer's (profile_<rows>.json).
// Goals: at least 2x the peer's rows/s, and mlship's peak RSS flat, under 200 MB, at 1M and at 10M rows.
//
//   node bench/data-validate.mjs [--rows N] [--runs N] [--data-dir DIR] [--peers DIR] [--python PATH]
//                                [--no-peer] [--json]
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DATA_DIR_USAGE,
  PEER_USAGE,
  ensureFreeSpace,
  exitReason,
  failWith,
  kibToMB as MB,
  lastJsonLine,
  log,
  median,
  mlship,
  parsePeerArgs,
  peakRssKib,
  requirePeerSetup,
  root,
  round,
  runLine,
  runOrFail,
  runTimed,
  timeSummary,
  warmPageCache,
} from './lib/common.mjs';

const GOAL_SPEEDUP = 2;
const GOAL_RSS_MB = 200;
const SEED = 42;
/** mlship runs that fail with anything but a verdict (exit 0 or 1) are retried this often: the CLI may be rebuilt under a run. */
const RETRIES = 2;
const QUANTILES = [
  ['0.05', 'p5'],
  ['0.25', 'p25'],
  ['0.5', 'p50'],
  ['0.75', 'p75'],
  ['0.95', 'p95'],
];
const bundle = join(root, 'packages', 'cli', 'dist', 'bundle', 'mlship.cjs');
const USAGE =
  'usage: node bench/data-validate.mjs [--rows N (default 1000000)] [--runs N (default 3)]\n' +
  `         ${DATA_DIR_USAGE}\n${PEER_USAGE}`;
const fail = failWith(USAGE);

const options = parsePeerArgs(process.argv.slice(2), { usage: USAGE, numbers: { rows: { default: 1_000_000, min: 1 }, runs: { default: 3, min: 1 } } });
const peerScript = join(options.peers, 'bench_validate.py');
const genScript = join(options.peers, 'gen_data.py');
requirePeerSetup(options, [
  [peerScript, 'pass --peers DIR'],
  [genScript, 'pass --peers DIR'],
]);

// The peer scripts read their data folder from BENCH_PEERS_DATA.
const peerEnv = { ...process.env, BENCH_PEERS_DATA: options.dataDir };
const csv = join(options.dataDir, `validate_${options.rows}_seed${SEED}.csv`);
const schemaFile = join(options.dataDir, 'validate.mlship-schema.yaml');
const peerProfileFile = join(options.dataDir, `profile_${options.rows}.json`);
const mlshipProfileFile = join(options.dataDir, `validate_${options.rows}.mlship-profile.json`);
const profileOnlyFile = join(options.dataDir, `validate_${options.rows}.mlship-profile-only.json`);
const reportFile = join(options.dataDir, `data-validate-report-${options.rows}.json`);
const rssFile = join(options.dataDir, 'validate-rss.txt');

/** Runs the venv's Python on `args`, untimed; returns stdout. */
function python(args, what, stdio = ['ignore', 'pipe', 'inherit']) {
  return runOrFail(options.python, args, what, { env: peerEnv, stdio, encoding: 'utf8', maxBuffer: 1 << 26 }).stdout;
}

/** The CSV, written once by the peer's gen_data.py (untimed) unless it exists. */
function ensureCsv() {
  if (existsSync(csv)) return log(`using ${csv}`);
  ensureFreeSpace(options.dataDir, options.rows * 125); // ~119 bytes a row
  log(`writing ${csv} with ${genScript} (untimed) ...`);
  python([genScript, '--rows', String(options.rows), '--seed', String(SEED), '--out', csv], 'gen_data.py', ['ignore', 'inherit', 'inherit']);
}

/** The peer's column spec, from its own module (the one its pandera schema is built from). */
function peerSpec() {
  const code =
    'import json, sys; sys.path.insert(0, sys.argv[1]); import gen_data as g; ' +
    "print(json.dumps({k: getattr(g, k) for k in ['FLOAT_COLS', 'FLOAT_RANGES', 'INT_COLS', 'INT_RANGES', 'CAT_COLS', 'LEVELS', 'LABEL_COL', 'COLUMNS']}))";
  return JSON.parse(python(['-c', code, options.peers], 'reading the peer column spec from gen_data.py'));
}

/**
 * The pandera schema of bench_validate.py as a mlship schema: float64 + in_range -> number min/max,
 * Int64 + in_range -> integer min/max, str + isin(levels) -> category, label int64 + isin([0, 1]) not
 * nullable -> integer, categories [0, 1], nullable: false. Nulls are allowed elsewhere, as there.
 */
function writeSchema(spec) {
  const q = (value) => JSON.stringify(value); // JSON scalars are YAML scalars
  const lines = [
    '# Written by bench/data-validate.mjs from the peer gen_data.py column spec: the checks of the pandera schema in bench_validate.py.',
    'version: 1',
    'dataset:',
    `  label: ${q(spec.LABEL_COL)}`,
    'columns:',
  ];
  for (const name of spec.COLUMNS) {
    lines.push(`  ${q(name)}:`);
    if (spec.FLOAT_COLS.includes(name)) lines.push('    type: number', `    min: ${q(spec.FLOAT_RANGES[name][0])}`, `    max: ${q(spec.FLOAT_RANGES[name][1])}`);
    else if (spec.INT_COLS.includes(name)) lines.push('    type: integer', `    min: ${q(spec.INT_RANGES[name][0])}`, `    max: ${q(spec.INT_RANGES[name][1])}`);
    else if (spec.CAT_COLS.includes(name)) lines.push('    type: category', `    categories: [${spec.LEVELS[name].map(q).join(', ')}]`);
    else if (name === spec.LABEL_COL) lines.push('    type: integer', '    nullable: false', '    categories: [0, 1]');
    else fail(`peer column ${name} is neither float, integer, categorical nor the label`, 3);
  }
  writeFileSync(schemaFile, `${lines.join('\n')}\n`);
}

/** Checks each schema column must have in mlship's report (so a schema mlship misread cannot pass). */
function expectedChecks(spec) {
  const expected = [];
  for (const name of spec.COLUMNS) {
    expected.push(['type', name]);
    if (spec.FLOAT_COLS.includes(name) || spec.INT_COLS.includes(name)) expected.push(['range', name]);
    if (spec.CAT_COLS.includes(name) || name === spec.LABEL_COL) expected.push(['category', name]);
    if (name === spec.LABEL_COL) expected.push(['nulls', name]);
  }
  return expected;
}

/** A check without its line numbers, for messages. */
const brief = ({ check, column, status, severity, count, message }) => ({ check, column, status, severity, count, message });
const bundleStamp = () => (existsSync(bundle) ? statSync(bundle).mtimeMs : null);
const retried = [];

/**
 * Runs argv under `/usr/bin/time -f %M`: wall seconds (hrtime), peak RSS in KiB and stdout. Exit codes
 * in `okCodes` count as success; with `retry`, other failures are retried (the CLI may be mid-rebuild).
 */
function measure(name, argv, { okCodes = [0], retry = false } = {}) {
  for (let attempt = 0; ; attempt++) {
    const stamp = bundleStamp();
    const result = runTimed(argv, { rssFile, env: peerEnv });
    if (!result.error && okCodes.includes(result.status)) {
      return { seconds: result.seconds, rssKib: peakRssKib(rssFile), stdout: result.stdout, bundle: stamp };
    }
    const verdict = result.status === 1; // a check failed: never retried
    let failedChecks = '';
    if (verdict) {
      try {
        const failed = JSON.parse(result.stdout).checks.filter((c) => c.status === 'fail');
        failedChecks = ` failed checks: ${JSON.stringify(failed.map(brief))}`;
      } catch {
        // not a validation report
      }
    }
    const why = `${exitReason(result)}:${failedChecks} ${result.stderr?.trim().slice(-2000) ?? ''}`;
    if (!retry || verdict || attempt >= RETRIES) fail(`${name} failed (${why})`, 3);
    log(`${name} failed (${why.slice(0, 300)}); the CLI may be being rebuilt, retrying in 10 s ...`);
    retried.push({ step: name, why: why.slice(0, 300) });
    spawnSync('sleep', ['10']);
  }
}

/** Fails loudly unless mlship's validation report says the data passes every error-level check of the schema. */
function checkReport(report, what, expected) {
  const failedErrors = report.checks.filter((c) => c.status === 'fail' && c.severity === 'error');
  if (!report.ok || report.errors !== 0 || failedErrors.length > 0) {
    fail(`${what}: mlship reports failed error-level checks where pandera finds none: ${JSON.stringify(failedErrors.map(brief))}`, 3);
  }
  if (report.rows !== options.rows) fail(`${what}: mlship read ${report.rows} rows, the CSV has ${options.rows}`, 3);
  const missing = expected.filter(([check, column]) => !report.checks.some((c) => c.check === check && c.column === column));
  if (missing.length > 0) fail(`${what}: mlship ran no ${missing.map(([c, col]) => `${c}(${col})`).join(', ')} check (is the schema read as meant?)`, 3);
  return report.checks.filter((c) => c.status === 'fail').map((c) => `${c.check}${c.column ? `(${c.column})` : ''}: ${c.message}`);
}

ensureCsv();
const spec = peerSpec();
writeSchema(spec);
const expected = expectedChecks(spec);
log(`schema from the peer's column spec: ${schemaFile}`);
log('reading the CSV once so every timed run starts with it in the page cache ...');
warmPageCache([csv]);

const steps = [
  ...(options.peer ? [{ key: 'peer', name: 'peer bench_validate.py (1 repeat)', argv: [options.python, peerScript, '--rows', String(options.rows), '--repeats', '1'] }] : []),
  { key: 'validateProfile', name: 'mlship validate --profile-out', argv: mlship('data', 'validate', csv, '--schema', schemaFile, '--profile-out', mlshipProfileFile, '--json'), retry: true, report: true },
  { key: 'validate', name: 'mlship validate', argv: mlship('data', 'validate', csv, '--schema', schemaFile, '--json'), retry: true, report: true },
  { key: 'profile', name: 'mlship profile', argv: mlship('data', 'profile', csv, '--out', profileOnlyFile), retry: true },
];
const samples = Object.fromEntries(steps.map((s) => [s.key, []]));
const peerRuns = [];
let warnings = [];
const profiles = [];
const startStamp = bundleStamp();
for (let r = 1; r <= options.runs; r++) {
  // peer, then each mlship step: alternated round by round so swings in machine speed hit all.
  for (const step of steps) {
    const sample = measure(step.name, step.argv, { retry: step.retry });
    samples[step.key].push(sample);
    let extra = '';
    if (step.key === 'peer') {
      const out = lastJsonLine(sample.stdout);
      if (out.rows !== options.rows) fail(`the peer read ${out.rows} rows, expected ${options.rows}`, 3);
      if (!out.failure_cases.every((n) => n === 0)) fail(`pandera found failure cases ${JSON.stringify(out.failure_cases)}; the data does not fit the peer's own schema`, 3);
      peerRuns.push(out);
      extra = `  (total_s ${out.total_s.median.toFixed(2)} s: read ${out.read_s.median.toFixed(2)}, validate ${out.validate_s.median.toFixed(2)}, profile ${out.profile_s.median.toFixed(2)}; process ${out.process_wall_s.median.toFixed(2)} s, ${out.peak_rss_mb.median.toFixed(0)} MiB)`;
    } else if (step.report) {
      warnings = checkReport(JSON.parse(sample.stdout), `${step.name} (run ${r})`, expected);
    }
    if (step.key === 'validateProfile') profiles.push(readFileSync(mlshipProfileFile, 'utf8'));
    log(runLine(r, options.runs, step.name, 34, sample, extra));
  }
}
const buildChanged = steps.filter((s) => s.retry).some((s) => samples[s.key].some((x) => x.bundle !== startStamp)) || bundleStamp() !== startStamp;
if (buildChanged) log('warning: the mlship bundle changed during the run (rebuilt); rounds may have timed different builds');

// ---- timing summary ----
const rows = options.rows;
const summarize = (command, seconds, rssKib) => {
  const { peakRssMB, ...times } = timeSummary(seconds, rssKib);
  return { command, ...times, rowsPerSMedian: Math.round(rows / median(seconds)), rowsPerSBest: Math.round(rows / Math.min(...seconds)), peakRssMB };
};
const timing = {};
if (options.peer) {
  // The peer's own child figure (its /usr/bin/time -v, KiB / 1024 = MiB), shown in MB like mlship's.
  const peerRss = peerRuns.map((o) => o.peak_rss_mb.median * 1024);
  timing.peerTotal = summarize('peer total_s (read+validate+profile)', peerRuns.map((o) => o.total_s.median), peerRss);
  timing.peerProcess = summarize('peer process wall (python, imports)', peerRuns.map((o) => o.process_wall_s.median), peerRss);
  for (const part of ['read_s', 'validate_s', 'profile_s', 'import_s']) timing.peerTotal[`${part.replace('_s', '')}MedianS`] = round(median(peerRuns.map((o) => o[part].median)));
  timing.peerTotal.outerWallMedianS = round(median(samples.peer.map((s) => s.seconds))); // the peer's parent too (imports pandas)
  timing.peerTotal.outerPeakRssMB = round(MB(Math.max(...samples.peer.map((s) => s.rssKib))));
}
timing.validateProfile = summarize('mlship validate --profile-out', samples.validateProfile.map((s) => s.seconds), samples.validateProfile.map((s) => s.rssKib));
timing.validate = summarize('mlship validate only', samples.validate.map((s) => s.seconds), samples.validate.map((s) => s.rssKib));
timing.profile = summarize('mlship profile only', samples.profile.map((s) => s.seconds), samples.profile.map((s) => s.rssKib));
const speedup = (peerKey) => ({
  median: round(timing[peerKey].medianS / timing.validateProfile.medianS, 3),
  min: round(timing[peerKey].minS / timing.validateProfile.minS, 3),
});
const speedups = options.peer ? { peerTotalOverMlship: speedup('peerTotal'), peerProcessOverMlship: speedup('peerProcess') } : null;

// ---- profile accuracy against the peer's pandas profile ----
function compareProfiles() {
  if (!existsSync(peerProfileFile)) return null;
  const peer = JSON.parse(readFileSync(peerProfileFile, 'utf8'));
  const ml = JSON.parse(profiles.at(-1)).columns;
  const worst = { meanRel: [0, null], stdRel: [0, null], quantileOverSpread: [0, null], distinctRel: [0, null] };
  const note = (key, value, where) => {
    if (!(value <= worst[key][0])) worst[key] = [value, where];
  };
  const mismatches = { count: [], nulls: [], min: [], max: [], distinctExact: [], top10: [] };
  const topCompared = [];
  const columns = Object.keys(peer);
  for (const name of columns) {
    const p = peer[name];
    const m = ml[name];
    if (!m) fail(`mlship's profile has no column ${name}`, 3);
    const nonNull = m.count - m.nullCount - (m.invalidCount ?? 0);
    if (nonNull !== p.count) mismatches.count.push(`${name}: ${p.count} vs ${nonNull}`);
    if (m.nullCount !== p.nulls) mismatches.nulls.push(`${name}: ${p.nulls} vs ${m.nullCount}`);
    if (m.distinctExact) {
      if (m.distinctCount !== p.distinct) mismatches.distinctExact.push(`${name}: ${p.distinct} vs ${m.distinctCount}`);
    } else note('distinctRel', Math.abs(m.distinctCount - p.distinct) / p.distinct, `${name}: ${p.distinct} vs ${m.distinctCount}`);
    if (p.min !== undefined) {
      if (!m.numeric) fail(`mlship profiled numeric column ${name} as ${m.kind}`, 3);
      const { moments, stdDev, percentiles } = m.numeric;
      if (moments.min !== p.min) mismatches.min.push(`${name}: ${p.min} vs ${moments.min}`);
      if (moments.max !== p.max) mismatches.max.push(`${name}: ${p.max} vs ${moments.max}`);
      note('meanRel', Math.abs(moments.mean - p.mean) / Math.abs(p.mean), `${name}: ${p.mean} vs ${moments.mean}`);
      note('stdRel', Math.abs(stdDev - p.std) / p.std, `${name}: ${p.std} vs ${stdDev}`);
      const spread = p.quantiles['0.95'] - p.quantiles['0.05'];
      for (const [q, key] of QUANTILES) {
        const diff = Math.abs(percentiles[key] - p.quantiles[q]);
        note('quantileOverSpread', spread > 0 ? diff / spread : diff, `${name} ${key}: ${p.quantiles[q]} vs ${percentiles[key]} (p95-p5 ${round(spread, 6)})`);
      }
    } else {
      // categorical: the ten most frequent values, in order, with their counts
      const mine = m.topValues.slice(0, 10).map((t) => [t.value, t.count]);
      topCompared.push(name);
      if (JSON.stringify(mine) !== JSON.stringify(p.top10)) mismatches.top10.push(`${name}: ${JSON.stringify(p.top10)} vs ${JSON.stringify(mine)}`);
    }
  }
  const pair = ([value, where]) => ({ value: round(value, 3), where });
  return {
    columns: columns.length,
    exactMatch: Object.fromEntries(Object.entries(mismatches).map(([k, list]) => [k, list.length === 0])),
    mismatches: Object.fromEntries(Object.entries(mismatches).filter(([, list]) => list.length > 0)),
    categoricalTop10Compared: topCompared,
    maxMeanRelDiff: pair(worst.meanRel),
    maxStdRelDiff: pair(worst.stdRel),
    maxQuantileDiffOverSpread: pair(worst.quantileOverSpread),
    maxDistinctRelErr: worst.distinctRel[1] === null ? null : pair(worst.distinctRel),
    profilesIdenticalAcrossRounds: profiles.every((text) => JSON.stringify(JSON.parse(text).columns) === JSON.stringify(JSON.parse(profiles[0]).columns)),
    profileOutEqualsDataProfile: JSON.stringify(JSON.parse(profiles.at(-1)).columns) === JSON.stringify(JSON.parse(readFileSync(profileOnlyFile, 'utf8')).columns),
  };
}
const accuracy = compareProfiles();
if (accuracy === null) log(`no peer profile at ${peerProfileFile} (run once without --no-peer): profile accuracy not checked`);

const mlshipRss = timing.validateProfile.peakRssMB;
const report = {
  benchmark: 'data-validate',
  node: process.version,
  rows,
  cols: spec.COLUMNS.length,
  runs: options.runs,
  csv,
  csvBytes: statSync(csv).size,
  schema: schemaFile,
  peer: options.peer ? { tool: peerRuns[0].tool, env: peerRuns[0].env, failureCases: peerRuns.map((o) => o.failure_cases[0]) } : null,
  mlshipValidation: { errors: 0, failedChecks: warnings },
  timing,
  speedups,
  goal: {
    minSpeedup: GOAL_SPEEDUP,
    maxPeakRssMB: GOAL_RSS_MB,
    speedupMet: speedups ? speedups.peerTotalOverMlship.median >= GOAL_SPEEDUP : null,
    rssMet: mlshipRss < GOAL_RSS_MB,
  },
  accuracy,
  buildChanged,
  retried,
};
writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);

if (!options.json) {
  const fmt = (v, w = 9) => (v === undefined || v === null ? '' : String(v)).padStart(w);
  const line = (t) => `${t.command.padEnd(38)} ${fmt(t.medianS)} ${fmt(t.minS)} ${fmt(t.maxS)} ${fmt(t.rowsPerSMedian, 11)} ${fmt(t.rowsPerSBest, 11)} ${fmt(t.peakRssMB)}`;
  const lines = [
    `Node ${process.version}; ${rows} rows x ${spec.COLUMNS.length} columns (${(statSync(csv).size / 1e6).toFixed(0)} MB CSV), ${options.runs} rounds, peer and mlship alternated`,
    `${'step'.padEnd(38)} ${fmt('median s')} ${fmt('min s')} ${fmt('max s')} ${fmt('rows/s med', 11)} ${fmt('rows/s best', 11)} ${fmt('RSS MB')}`,
    ...Object.values(timing).map(line),
  ];
  if (options.peer) {
    const t = timing.peerTotal;
    lines.push(`  peer total_s = read ${t.readMedianS} + validate ${t.validateMedianS} + profile ${t.profileMedianS} s (median; imports ${t.importMedianS} s, not in total_s)`);
    const s = speedups;
    lines.push(`speed-up peer total_s / mlship validate+profile   median ${fmt(s.peerTotalOverMlship.median, 6)}   min ${fmt(s.peerTotalOverMlship.min, 6)}   (goal: at least ${GOAL_SPEEDUP}: ${report.goal.speedupMet ? 'met' : 'NOT met'})`);
    lines.push(`speed-up peer process wall / mlship validate+prof. median ${fmt(s.peerProcessOverMlship.median, 6)}   min ${fmt(s.peerProcessOverMlship.min, 6)}`);
    lines.push('  (mlship times the whole process, Node start-up included; the peer total_s leaves out Python start-up and imports)');
  }
  lines.push(
    `peak RSS: mlship validate+profile ${mlshipRss} MB (goal: under ${GOAL_RSS_MB} MB: ${report.goal.rssMet ? 'met' : 'NOT met'}), validate ${timing.validate.peakRssMB} MB, profile ${timing.profile.peakRssMB} MB` +
      (options.peer ? `; peer ${timing.peerTotal.peakRssMB} MB` : ''),
  );
  lines.push(`validation: pandera failure cases ${options.peer ? report.peer.failureCases.join('/') : 'n/a'}; mlship errors 0, ${warnings.length} warning(s)${warnings.length ? `: ${warnings.join('; ')}` : ''}`);
  if (accuracy) {
    const a = accuracy;
    const yes = (ok) => (ok ? 'equal' : 'DIFFER');
    lines.push(
      `profile vs pandas (${a.columns} columns): counts ${yes(a.exactMatch.count)}, nulls ${yes(a.exactMatch.nulls)}, min ${yes(a.exactMatch.min)}, max ${yes(a.exactMatch.max)}, ` +
        `exact distinct counts ${yes(a.exactMatch.distinctExact)}, top-10 of ${a.categoricalTop10Compared.join(',')} ${a.exactMatch.top10 ? 'match' : 'DIFFER'}`,
    );
    lines.push(`  max rel diff mean ${a.maxMeanRelDiff.value} (${a.maxMeanRelDiff.where})`);
    lines.push(`  max rel diff std  ${a.maxStdRelDiff.value} (${a.maxStdRelDiff.where})`);
    lines.push(`  max |quantile diff| / (p95-p5) ${a.maxQuantileDiffOverSpread.value} (${a.maxQuantileDiffOverSpread.where})`);
    if (a.maxDistinctRelErr) lines.push(`  max rel err of approximate distinct counts ${a.maxDistinctRelErr.value} (${a.maxDistinctRelErr.where})`);
    for (const [k, list] of Object.entries(a.mismatches)) lines.push(`  ${k} differs: ${list.slice(0, 5).join('; ')}${list.length > 5 ? `; +${list.length - 5} more` : ''}`);
    lines.push(`  mlship profiles identical across rounds: ${a.profilesIdenticalAcrossRounds}; --profile-out = data profile: ${a.profileOutEqualsDataProfile}`);
  }
  if (buildChanged) lines.push('warning: the mlship bundle was rebuilt during the run');
  if (retried.length) lines.push(`retried mlship runs: ${retried.length}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
process.stdout.write(`${JSON.stringify(report)}\n`);
