#!/usr/bin/env node
// Drift benchmark: `mlship data drift` on 100 columns x 1M rows (10 shifted) against the Python peer
// /work/shared/peers/bench_drift.py (scipy ks_2samp + wasserstein_distance/std + decile PSI), in one
// run: the peer writes the two CSVs once (cached), then each round times, in turn, the peer's own run
// (its timed section, total_s, and its peak RSS), mlship end to end from the CSVs, `data profile` of
// each CSV, and drift from the two stored profiles (default method, --method ks, --method psi).
// Wall time from process.hrtime, peak RSS from `/usr/bin/time -f %M`. Then mlship's per-column scores
// and verdicts are checked against scipy's (bench/drift_reference.py, the peer's code, same data).
//
//   node bench/data-drift.mjs [--rows N] [--cols N] [--shifted N] [--seed N] [--runs N]
//                             [--data-dir DIR] [--peers DIR] [--python PATH] [--no-peer] [--json]
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DATA_DIR_USAGE,
  PEER_USAGE,
  ensureFreeSpace,
  exitReason,
  failWith,
  lastJsonLine,
  log,
  median,
  mlship,
  parsePeerArgs,
  peakRssKib,
  requirePeerSetup,
  round,
  runLine,
  runOrFail,
  runTimed,
  timeSummary,
  warmPageCache,
} from './lib/common.mjs';

/** Disagreeing columns listed per rule in the table and the JSON line; the report file has all. */
const SHOW_DISAGREEMENTS = 5;
const here = dirname(fileURLToPath(import.meta.url));
const USAGE =
  'usage: node bench/data-drift.mjs [--rows N (default 1000000)] [--cols N (default 100)] [--shifted N (default 10)]\n' +
  `         [--seed N (default 7)] [--runs N (default 3)] ${DATA_DIR_USAGE}\n${PEER_USAGE}`;
const fail = failWith(USAGE);

const options = parsePeerArgs(process.argv.slice(2), {
  usage: USAGE,
  numbers: {
    rows: { default: 1_000_000, min: 1 },
    cols: { default: 100, min: 1 },
    shifted: { default: 10, min: 0 },
    seed: { default: 7, min: 0 },
    runs: { default: 3, min: 1 },
  },
});
if (options.shifted > options.cols) fail('--shifted cannot exceed --cols');
const peerScript = join(options.peers, 'bench_drift.py');
requirePeerSetup(options, [[peerScript, 'pass --peers DIR']]);

const cache = join(options.dataDir, `drift-r${options.rows}-c${options.cols}-s${options.shifted}-seed${options.seed}`);
const csv = { reference: join(cache, 'reference.csv'), current: join(cache, 'current.csv') };
const profile = { reference: join(cache, 'reference.profile.json'), current: join(cache, 'current.profile.json') };
const scipyFile = join(cache, 'scipy-columns.json');
const rssFile = join(cache, 'rss.txt');
const peerArgs = ['--rows', options.rows, '--cols', options.cols, '--shifted', options.shifted, '--seed', options.seed].map(String);

/**
 * Runs argv under `/usr/bin/time -f %M`: wall seconds (hrtime), peak RSS in KiB and stdout. Exit codes
 * in `okCodes` count as success (`data drift` exits 1 when the dataset drifts).
 */
function measure(name, argv, okCodes = [0]) {
  const result = runTimed(argv, { rssFile });
  if (result.error || !okCodes.includes(result.status)) fail(`${name} failed (${exitReason(result)}): ${result.stderr?.trim().slice(-2000) ?? ''}`, 3);
  return { seconds: result.seconds, rssKib: peakRssKib(rssFile), stdout: result.stdout };
}

/** Writes the CSVs with the peer's --write-csv (one untimed peer run), unless they are cached. */
function ensureCsvs() {
  if (existsSync(csv.reference) && existsSync(csv.current)) return log(`using cached CSVs in ${cache}`);
  ensureFreeSpace(options.dataDir, options.rows * options.cols * 2 * 13); // ~11.5 bytes a value at %.9g, plus slack
  const staging = `${cache}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  log(`writing CSVs with ${peerScript} --write-csv (untimed, one peer run) ...`);
  runOrFail(options.python, [peerScript, ...peerArgs, '--repeats', '1', '--write-csv', staging], 'peer --write-csv', { stdio: ['ignore', 'ignore', 'inherit'] });
  renameSync(staging, cache);
}

/** Per-column scipy figures from bench/drift_reference.py, cached beside the CSVs. */
function ensureScipyColumns() {
  if (!existsSync(scipyFile)) {
    log('computing per-column scipy reference figures (bench/drift_reference.py, untimed) ...');
    const args = [join(here, 'drift_reference.py'), ...peerArgs, '--peers', options.peers, '--out', scipyFile];
    runOrFail(options.python, args, 'drift_reference.py', { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  return JSON.parse(readFileSync(scipyFile, 'utf8')).columns;
}

const summary = (list) => timeSummary(list.map((s) => s.seconds), list.map((s) => s.rssKib));

ensureCsvs();
const scipy = ensureScipyColumns();
log('reading the CSVs once so every timed run starts with them in the page cache ...');
warmPageCache([csv.reference, csv.current]);

const drift = (a, b, ...extra) => ({ argv: mlship('data', 'drift', a, b, ...extra, '--json'), okCodes: [0, 1], parse: true });
const steps = [
  ...(options.peer ? [{ key: 'peer', name: 'peer bench_drift.py (1 repeat)', argv: [options.python, peerScript, ...peerArgs, '--repeats', '1'] }] : []),
  { key: 'endToEnd', name: 'mlship drift ref.csv cur.csv', ...drift(csv.reference, csv.current) },
  { key: 'profileReference', name: 'mlship profile ref.csv', argv: mlship('data', 'profile', csv.reference, '--out', profile.reference) },
  { key: 'profileCurrent', name: 'mlship profile cur.csv', argv: mlship('data', 'profile', csv.current, '--out', profile.current) },
  { key: 'profilesDefault', name: 'mlship drift profiles', ...drift(profile.reference, profile.current) },
  { key: 'profilesKs', name: 'mlship drift profiles --method ks', ...drift(profile.reference, profile.current, '--method', 'ks') },
  { key: 'profilesPsi', name: 'mlship drift profiles --method psi', ...drift(profile.reference, profile.current, '--method', 'psi') },
];
const samples = Object.fromEntries(steps.map((s) => [s.key, []]));
const outputs = Object.fromEntries(steps.map((s) => [s.key, []]));
for (let r = 1; r <= options.runs; r++) {
  // peer, then each mlship step: alternated round by round so swings in machine speed hit both.
  for (const step of steps) {
    const sample = measure(step.name, step.argv, step.okCodes);
    samples[step.key].push(sample);
    outputs[step.key].push(step.key === 'peer' ? lastJsonLine(sample.stdout) : step.parse ? JSON.parse(sample.stdout) : null);
    const peerTotal = step.key === 'peer' ? `  (timed section ${outputs.peer.at(-1).total_s.median.toFixed(2)} s)` : '';
    log(runLine(r, options.runs, step.name, 36, sample, peerTotal));
  }
}

// ---- timing summary ----
const timing = Object.fromEntries(steps.map((s) => [s.key, { command: s.name, ...summary(samples[s.key]) }]));
if (options.peer) {
  const totals = outputs.peer.map((o) => o.total_s.median);
  Object.assign(timing.peer, { timedMedianS: round(median(totals)), timedMinS: round(Math.min(...totals)), timedMaxS: round(Math.max(...totals)) });
  for (const part of ['ks_s', 'wasserstein_s', 'psi_s']) timing.peer[`${part.replace('_s', '')}MedianS`] = round(median(outputs.peer.map((o) => o[part].median)));
}
const chain = ['profileReference', 'profileCurrent', 'profilesDefault'].map((key) => samples[key]);
const profileBoth = chain[0].map((_, i) => ({ seconds: chain.reduce((sum, list) => sum + list[i].seconds, 0), rssKib: Math.max(...chain.map((list) => list[i].rssKib)) }));
timing.profileBothThenDrift = { command: 'profile ref + profile cur + drift profiles', ...summary(profileBoth) };
const ratios = options.peer
  ? Object.fromEntries(
      ['endToEnd', 'profilesDefault', 'profilesKs', 'profileBothThenDrift'].map((key) => [
        key,
        { peerOverMlshipMedian: round(timing.peer.timedMedianS / timing[key].medianS), peerOverMlshipMin: round(timing.peer.timedMinS / timing[key].minS) },
      ]),
    )
  : null;

// ---- accuracy against scipy (last round's outputs; every round's must be identical) ----
const byColumn = (output) => new Map(output.columns.map((c) => [c.column, c]));
const same = (list) => list.every((o) => JSON.stringify(o.columns) === JSON.stringify(list[0].columns));
const deterministic = ['endToEnd', 'profilesDefault', 'profilesKs', 'profilesPsi'].every((key) => same(outputs[key]));
const endToEndMatchesProfiles = JSON.stringify(outputs.endToEnd[0].columns) === JSON.stringify(outputs.profilesDefault[0].columns);
const ml = { default: byColumn(outputs.profilesDefault.at(-1)), ks: byColumn(outputs.profilesKs.at(-1)), psi: byColumn(outputs.profilesPsi.at(-1)) };
const missing = scipy.filter((c) => !ml.default.has(c.col) || !ml.ks.has(c.col) || !ml.psi.has(c.col)).map((c) => c.col);
if (missing.length > 0) fail(`mlship reported no drift for columns ${missing.join(', ')}`, 3);

const rules = [
  { key: 'wassersteinStd', name: 'W/std >= 0.1', scipyScore: (c) => c.w_std, scipyFlag: (c) => c.w_std >= 0.1, ml: ml.default, mlScore: (m) => m.score, expectMethod: 'wasserstein' },
  { key: 'ksStatistic', name: 'KS p < 0.05', scipyScore: (c) => c.ks_D, scipyFlag: (c) => c.ks_p < 0.05, ml: ml.ks, mlScore: (m) => m.statistic, expectMethod: 'ks' },
  { key: 'psi', name: 'PSI >= 0.1', scipyScore: (c) => c.psi, scipyFlag: (c) => c.psi >= 0.1, ml: ml.psi, mlScore: (m) => m.score, expectMethod: 'psi' },
];
const shiftedCount = (list, flag) => ({ shifted: list.filter((c, j) => j < options.shifted && flag(c)).length, unshifted: list.filter((c, j) => j >= options.shifted && flag(c)).length });
const accuracy = Object.fromEntries(
  rules.map((rule) => {
    const pairs = scipy.map((c) => ({ c, m: rule.ml.get(c.col) }));
    const wrongMethod = pairs.filter(({ m }) => m.method !== rule.expectMethod).map(({ m }) => `${m.column}:${m.method}`);
    if (wrongMethod.length > 0) fail(`mlship used another method than ${rule.expectMethod}: ${wrongMethod.join(', ')}`, 3);
    const diffs = pairs.map(({ c, m }) => ({ col: c.col, scipy: rule.scipyScore(c), mlship: rule.mlScore(m), diff: Math.abs(rule.mlScore(m) - rule.scipyScore(c)) }));
    const worst = diffs.reduce((a, b) => (b.diff > a.diff ? b : a));
    const disagree = pairs.filter(({ c, m }) => rule.scipyFlag(c) !== m.drifted);
    return [
      rule.key,
      {
        rule: rule.name,
        flagsScipy: shiftedCount(scipy, rule.scipyFlag),
        flagsMlship: shiftedCount(pairs, ({ m }) => m.drifted),
        verdictsAgree: pairs.length - disagree.length,
        verdictsDiffer: disagree.length,
        columns: pairs.length,
        maxAbsDiff: round(worst.diff, 4),
        maxAbsDiffColumn: worst.col,
        maxAbsDiffScipy: round(worst.scipy, 5),
        maxAbsDiffMlship: round(worst.mlship, 5),
        disagreements: disagree.map(({ c, m }) => ({
          col: c.col,
          scipyScore: round(rule.scipyScore(c), 5),
          mlshipScore: round(rule.mlScore(m), 5),
          ...(rule.key === 'ksStatistic' ? { scipyP: round(c.ks_p, 3), mlshipP: round(m.score, 3) } : {}),
        })),
        ...(rule.key === 'ksStatistic' ? { maxAbsDiffP: round(Math.max(...pairs.map(({ c, m }) => Math.abs(m.score - c.ks_p))), 3) } : {}),
      },
    ];
  }),
);
const shiftedColumns = scipy.slice(0, options.shifted).map((c) => ({
  col: c.col,
  deltaSd: round(c.delta_sd, 3),
  wStd: [round(c.w_std, 4), round(ml.default.get(c.col).score, 4)],
  ksD: [round(c.ks_D, 4), round(ml.ks.get(c.col).statistic, 4)],
  psi: [round(c.psi, 4), round(ml.psi.get(c.col).score, 4)],
}));

const report = {
  benchmark: 'data-drift',
  node: process.version,
  rows: options.rows,
  cols: options.cols,
  shifted: options.shifted,
  seed: options.seed,
  runs: options.runs,
  data: cache,
  csvBytes: { reference: statSync(csv.reference).size, current: statSync(csv.current).size },
  profileBytes: { reference: statSync(profile.reference).size, current: statSync(profile.current).size },
  timing,
  ratios,
  accuracy,
  deterministic,
  endToEndMatchesProfiles,
  shiftedColumns,
};


if (!options.json) {
  const fmt = (v, w = 8) => (v === undefined ? '' : String(v)).padStart(w);
  const lines = [
    `Node ${process.version}; ${options.rows} rows x ${options.cols} columns (${options.shifted} shifted), ${options.runs} rounds, steps alternated`,
    `${'step'.padEnd(44)} ${fmt('median s')} ${fmt('min s')} ${fmt('max s')} ${fmt('RSS MB')}`,
    ...Object.values(timing).map((t) => `${t.command.padEnd(44)} ${fmt(t.medianS)} ${fmt(t.minS)} ${fmt(t.maxS)} ${fmt(t.peakRssMB)}`),
  ];
  if (options.peer) {
    lines.push(`${'peer timed section (its total_s)'.padEnd(44)} ${fmt(timing.peer.timedMedianS)} ${fmt(timing.peer.timedMinS)} ${fmt(timing.peer.timedMaxS)}   (KS ${timing.peer.ksMedianS}, W ${timing.peer.wassersteinMedianS}, PSI ${timing.peer.psiMedianS})`);
    for (const [key, r] of Object.entries(ratios)) lines.push(`speed-up peer s / mlship s, ${key.padEnd(21)} median ${fmt(r.peerOverMlshipMedian)}   min ${fmt(r.peerOverMlshipMin)}`);
  }
  lines.push(`${'rule'.padEnd(16)} ${'scipy sh/unsh'.padStart(14)} ${'mlship sh/unsh'.padStart(15)} ${'agree'.padStart(8)}  max |diff| of score (column: scipy vs mlship)`);
  for (const a of Object.values(accuracy)) {
    lines.push(
      `${a.rule.padEnd(16)} ${`${a.flagsScipy.shifted}/${a.flagsScipy.unshifted}`.padStart(14)} ${`${a.flagsMlship.shifted}/${a.flagsMlship.unshifted}`.padStart(15)} ` +
        `${`${a.verdictsAgree}/${a.columns}`.padStart(8)}  ${a.maxAbsDiff} (${a.maxAbsDiffColumn}: ${a.maxAbsDiffScipy} vs ${a.maxAbsDiffMlship})`,
    );
  }
  lines.push(`max |diff| of KS p-values: ${accuracy.ksStatistic.maxAbsDiffP}`);
  lines.push('(KS row: score = D statistic; PSI: mlship bins as Evidently does, the peer uses reference deciles, so compare verdicts loosely)');
  lines.push(`${'column'.padEnd(7)} ${'delta'.padStart(6)} ${'W/std scipy'.padStart(12)} ${'mlship'.padStart(8)} ${'KS D scipy'.padStart(11)} ${'mlship'.padStart(8)} ${'PSI scipy'.padStart(10)} ${'mlship'.padStart(8)}`);
  for (const c of shiftedColumns) {
    lines.push(`${c.col.padEnd(7)} ${fmt(c.deltaSd, 6)} ${fmt(c.wStd[0], 12)} ${fmt(c.wStd[1])} ${fmt(c.ksD[0], 11)} ${fmt(c.ksD[1])} ${fmt(c.psi[0], 10)} ${fmt(c.psi[1])}`);
  }
  for (const a of Object.values(accuracy)) {
    if (a.disagreements.length === 0) continue;
    const shown = a.disagreements.slice(0, SHOW_DISAGREEMENTS).map(({ col, ...rest }) => `${col} ${JSON.stringify(rest)}`);
    const more = a.disagreements.length > SHOW_DISAGREEMENTS ? `; +${a.disagreements.length - SHOW_DISAGREEMENTS} more in the report file` : '';
    lines.push(`${a.rule} verdicts differ (${a.disagreements.length}): ${shown.join('; ')}${more}`);
  }
  lines.push(`outputs identical across rounds: ${deterministic}; end to end from CSVs = from profiles: ${endToEndMatchesProfiles}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
// The file has every column's scores; the JSON line only the first few disagreements per rule.
const perColumn = scipy.map((c) => ({ ...c, mlship: { wStd: ml.default.get(c.col).score, ksD: ml.ks.get(c.col).statistic, ksP: ml.ks.get(c.col).score, psi: ml.psi.get(c.col).score } }));
writeFileSync(join(cache, 'data-drift-report.json'), `${JSON.stringify({ ...report, perColumn }, null, 2)}\n`);
for (const a of Object.values(report.accuracy)) a.disagreements = a.disagreements.slice(0, SHOW_DISAGREEMENTS);
process.stdout.write(`${JSON.stringify(report)}\n`);
