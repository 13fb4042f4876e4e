#!/usr/bin/env node
// Image benchmark for `mlship package` (issue 5): for each target (cpu, gpu, edge) the size of the
// layers above the base (compressed, per platform), the build time cold (base not yet in the store,
// layers not yet built) and warm (rebuilds: base blobs and layers cached), and whether a rebuild gives
// the same image digest. Then a second model version: which layers change.
// The base is this machine's test base (busybox-static + node + its libraries, built with buildah and
// pushed to a local docker-registry, as the tests do), since nothing outside this machine is reachable.
// Goals: at most 60 MB above the base for cpu, a warm build in at most 5 s, equal digests on rebuild.
//
//   node bench/package-image.mjs [--rebuilds N (default 5)] [--json]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { failWith, log, median, mlship, root, round, runOrFail } from './lib/common.mjs';

const USAGE = 'usage: node bench/package-image.mjs [--rebuilds N (default 5)] [--json]';
const fail = failWith(USAGE);
const options = { rebuilds: 5, json: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--json') options.json = true;
  else if (argv[i] === '--rebuilds') {
    options.rebuilds = Number(argv[++i]);
    if (!Number.isInteger(options.rebuilds) || options.rebuilds < 1) fail('--rebuilds needs a whole number of at least 1');
  } else if (argv[i] === '-h' || argv[i] === '--help') {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  } else fail(`unknown argument ${argv[i]}`);
}

const testUtils = await import(pathToFileURL(join(root, 'packages', 'test-utils', 'dist', 'index.js')).href);
const work = mkdtempSync(join(tmpdir(), 'mlship-bench-package-'));
const env = await testUtils.containersEnv(work);
const registryServer = await testUtils.startOciRegistry();
const cleanup = async () => {
  await testUtils.removeContainerStorage(env);
  await registryServer.stop();
  rmSync(work, { recursive: true, force: true });
};

try {
  log('building the test base image with buildah …');
  const onnxruntime = dirname(createRequire(join(root, 'packages', 'serve', 'package.json')).resolve('onnxruntime-node/package.json'));
  const base = await testUtils.buildTestBaseImage({
    dir: join(work, 'base'),
    registryHost: registryServer.host,
    env,
    extraBinaries: [join(onnxruntime, 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime.so.1')],
  });
  const cli = (...args) => runOrFail(mlship()[0], [...mlship().slice(1), ...args], `mlship ${args.join(' ')}`, { cwd: work, encoding: 'utf8', env: { ...process.env, ...env } });
  log('training iris …');
  cli('init');
  cli('data', 'register', join(root, 'examples', 'iris', 'iris.csv'), '--name', 'iris', '--schema', join(root, 'examples', 'iris', 'schema.yaml'));
  cli('train', join(root, 'examples', 'iris', 'train.yaml'), '--data', 'datasets/iris:1', '--name', 'iris');

  const packageOnce = (ref, target) => {
    const start = process.hrtime.bigint();
    const result = spawnSync(mlship()[0], [...mlship().slice(1), 'package', ref, '--target', target, '--base', `docker://${base.reference}`, '--insecure', '--json'], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (result.status !== 0) fail(`mlship package ${ref} --target ${target} failed: ${result.stderr}`, 3);
    return { seconds, data: JSON.parse(result.stdout) };
  };

  const targets = {};
  for (const target of ['cpu', 'gpu', 'edge']) {
    const cold = packageOnce('models/iris:1', target);
    const warm = [];
    for (let r = 0; r < options.rebuilds; r++) warm.push(packageOnce('models/iris:1', target));
    const digests = new Set([cold.data.image.digest, ...warm.map((w) => w.data.image.digest)]);
    targets[target] = {
      platforms: cold.data.image.platforms.map((p) => ({
        platform: p.platform,
        aboveBaseMB: round(p.sizeAboveBase / 1e6),
        layersMB: Object.fromEntries(p.layers.map((layer) => [layer.name, round(layer.size / 1e6)])),
      })),
      coldS: round(cold.seconds),
      warmMedianS: round(median(warm.map((w) => w.seconds))),
      warmMinS: round(Math.min(...warm.map((w) => w.seconds))),
      warmImageStepMedianS: round(median(warm.map((w) => w.data.seconds.image))),
      rebuildsSameDigest: digests.size === 1,
      digest: cold.data.image.digest,
    };
    log(`${target}: ${JSON.stringify(targets[target])}`);
  }

  // A second model version: only the weights layer should change.
  cli('train', join(root, 'examples', 'iris', 'train.yaml'), '--data', 'datasets/iris:1', '--name', 'iris', '--seed', '11');
  const first = packageOnce('models/iris:1', 'cpu').data.image.platforms[0].layers;
  const second = packageOnce('models/iris:2', 'cpu').data.image.platforms[0].layers;
  const changedLayers = second.filter((layer, i) => layer.digest !== first[i].digest).map((layer) => layer.name);

  const report = { base: 'busybox-static + node 20 + libraries (test base)', rebuilds: options.rebuilds, targets, newModelVersionChangesLayers: changedLayers };
  if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    const lines = ['target  platform      above base  (runtime / app / weights, MB)      cold s  warm s (median, min)  same digest'];
    for (const [target, t] of Object.entries(targets)) {
      for (const p of t.platforms) {
        lines.push(
          `${target.padEnd(7)} ${p.platform.padEnd(13)} ${String(p.aboveBaseMB).padStart(7)} MB  (${p.layersMB.runtime} / ${p.layersMB.app} / ${p.layersMB.weights})`.padEnd(72) +
            `${String(t.coldS).padStart(6)}  ${String(t.warmMedianS).padStart(6)}, ${t.warmMinS}`.padEnd(24) +
            `${t.rebuildsSameDigest}`,
        );
      }
    }
    lines.push(`a new model version changes: ${changedLayers.join(', ') || 'nothing'}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
} finally {
  await cleanup();
}
