import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@mlship/test-utils';
import { dockerfile, dockerignore } from './dockerfile.js';
import { parseNpmLock, parsePnpmLock, readIntegrityIndex, sha512Hex, tarballUrl } from './npm-integrity.js';
import { buildProvenance } from './provenance.js';
import { npmPurl, serialNumberOf } from './sbom.js';
import type { BundleModelFacts } from './types.js';

const MODEL: BundleModelFacts = {
  ref: 'models/iris:2',
  digest: `sha256:${'a'.repeat(64)}`,
  name: 'iris',
  version: 2,
  created: '2026-01-02T03:04:05.678Z',
  datasetParents: [],
  git: { commit: 'c0ffee', branch: null, dirty: true },
};

const PNPM_LOCK = `lockfileVersion: '9.0'

importers:
  .:
    dependencies:
      fake@1.0.0:
        version: 1.0.0

packages:

  '@opentelemetry/api@1.10.0':
    resolution: {integrity: sha512-AAAA}
    engines: {node: '>=8.0.0'}

  onnxruntime-node@1.30.0:
    resolution: {integrity: sha512-BBBB}
    os: [win32, darwin, linux]

  '@cyclonedx/cyclonedx-library@10.3.0(ajv@8.20.0)':
    resolution: {integrity: sha512-CCCC, tarball: https://example.com/x.tgz}

snapshots:

  late@9.9.9:
    resolution: {integrity: sha512-ZZZZ}
`;

describe('npm integrity', () => {
  test('reads pnpm lockfile entries, scoped, quoted and with peer suffixes, from packages: only', () => {
    const entries = parsePnpmLock(PNPM_LOCK);
    expect(Object.fromEntries(entries)).toEqual({
      '@opentelemetry/api@1.10.0': 'sha512-AAAA',
      'onnxruntime-node@1.30.0': 'sha512-BBBB',
      '@cyclonedx/cyclonedx-library@10.3.0': 'sha512-CCCC',
    });
  });

  test('reads npm lockfiles', () => {
    const lock = { lockfileVersion: 3, packages: { '': { name: 'x' }, 'node_modules/a': { version: '1.0.0', integrity: 'sha512-A' }, 'node_modules/b/node_modules/@s/c': { version: '2.0.0', integrity: 'sha512-C' } } };
    expect(Object.fromEntries(parseNpmLock(JSON.stringify(lock)))).toEqual({ 'a@1.0.0': 'sha512-A', '@s/c@2.0.0': 'sha512-C' });
  });

  test('finds the nearest lockfile above a package, pnpm’s virtual store first', async () => {
    const temp = await makeTempDir('mlship-integrity-');
    try {
      const store = join(temp.dir, 'node_modules', '.pnpm');
      const pkg = join(store, 'onnxruntime-node@1.30.0', 'node_modules', 'onnxruntime-node');
      await mkdir(pkg, { recursive: true });
      await writeFile(join(store, 'lock.yaml'), PNPM_LOCK);
      await writeFile(join(temp.dir, 'package-lock.json'), JSON.stringify({ packages: { 'node_modules/onnxruntime-node': { version: '1.30.0', integrity: 'sha512-NPM' } } }));
      const index = await readIntegrityIndex(pkg);
      expect(index.source).toBe(join(store, 'lock.yaml'));
      expect(index.lookup('onnxruntime-node', '1.30.0')).toBe('sha512-BBBB');
      expect(index.lookup('onnxruntime-node', '1.29.0')).toBeUndefined();
      const npmOnly = join(temp.dir, 'other', 'node_modules', 'x');
      await mkdir(npmOnly, { recursive: true });
      expect((await readIntegrityIndex(npmOnly)).lookup('onnxruntime-node', '1.30.0')).toBe('sha512-NPM');
    } finally {
      await temp.cleanup();
    }
  });

  test('names registry tarballs and converts integrity to hex', () => {
    expect(tarballUrl('onnxruntime-node', '1.30.0')).toBe('https://registry.npmjs.org/onnxruntime-node/-/onnxruntime-node-1.30.0.tgz');
    expect(tarballUrl('@opentelemetry/api', '1.10.0')).toBe('https://registry.npmjs.org/@opentelemetry/api/-/api-1.10.0.tgz');
    expect(sha512Hex(`sha512-${Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64')}`)).toBe('deadbeef');
    expect(sha512Hex('sha1-abcd')).toBeUndefined();
  });
});

describe('SBOM identifiers', () => {
  test('package URLs percent-encode the npm scope', () => {
    expect(npmPurl('prom-client', '15.1.3')).toBe('pkg:npm/prom-client@15.1.3');
    expect(npmPurl('@opentelemetry/api', '1.10.0')).toBe('pkg:npm/%40opentelemetry/api@1.10.0');
  });

  test('serial numbers are version 5 UUIDs, stable per seed', () => {
    const serial = serialNumberOf('seed');
    expect(serial).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(serialNumberOf('seed')).toBe(serial);
    expect(serialNumberOf('other')).not.toBe(serial);
  });
});

describe('provenance', () => {
  test('records a commit without a known remote by its digest, and non-dataset parents', () => {
    const statement = JSON.parse(
      buildProvenance({
        subjects: [{ path: 'model/model.onnx', digest: `sha256:${'b'.repeat(64)}` }],
        model: MODEL,
        otherParents: [{ ref: 'models/iris:1', digest: `sha256:${'c'.repeat(64)}` }],
        modelRef: 'models/iris@production',
        target: 'edge',
        platforms: ['linux/amd64', 'linux/arm64'],
        base: 'gcr.io/distroless/nodejs20-debian12',
        name: 'iris',
      }),
    );
    expect(statement.subject).toEqual([{ name: 'model/model.onnx', digest: { sha256: 'b'.repeat(64) } }]);
    expect(statement.predicate.buildDefinition.externalParameters.modelRef).toBe('models/iris@production');
    expect(statement.predicate.buildDefinition.resolvedDependencies).toEqual([
      { name: 'models/iris:2', digest: { sha256: 'a'.repeat(64) }, annotations: { role: 'model' } },
      { name: 'models/iris:1', digest: { sha256: 'c'.repeat(64) }, annotations: { role: 'parent' } },
      { name: 'git', digest: { gitCommit: 'c0ffee' }, annotations: { dirty: true, remote: 'unknown: the model version records no remote' } },
    ]);
    expect(statement.predicate.runDetails.metadata).toEqual({ startedOn: MODEL.created });
  });

  test('leaves git out when the model version has no commit', () => {
    const statement = JSON.parse(
      buildProvenance({ subjects: [], model: { ...MODEL, git: null }, otherParents: [], modelRef: 'models/iris:2', target: 'cpu', platforms: ['linux/amd64'], base: 'b', name: 'iris' }),
    );
    expect(statement.predicate.buildDefinition.resolvedDependencies).toHaveLength(1);
  });
});

describe('Dockerfile', () => {
  test('explains what a gpu image needs, and what a multi-platform Docker build carries', () => {
    const gpu = dockerfile({ appName: 'mlship-serve-iris', model: MODEL, target: 'gpu', base: 'nvidia/cuda-node', platforms: ['linux/amd64'] });
    expect(gpu).toContain('ARG BASE=nvidia/cuda-node\nFROM ${BASE}\n');
    expect(gpu).toContain('cuDNN 9');
    expect(gpu).toContain('MLSHIP_TARGET=gpu');
    const edge = dockerfile({ appName: 'mlship-serve-iris', model: MODEL, target: 'edge', base: 'b', platforms: ['linux/amd64', 'linux/arm64'] });
    expect(edge).toContain('docker buildx build --platform linux/amd64,linux/arm64 .');
    const cpu = dockerfile({ appName: 'mlship-serve-iris', model: MODEL, target: 'cpu', base: 'b', platforms: ['linux/amd64'] });
    expect(cpu).not.toContain('buildx');
    expect(cpu).not.toContain('CUDA');
  });

  test('.dockerignore lets in only what the Dockerfile copies', () => {
    const lines = dockerignore().split('\n').filter((line) => line && !line.startsWith('#'));
    expect(lines[0]).toBe('*');
    expect(lines.filter((line) => line.startsWith('!')).sort()).toEqual(['!model', '!node_modules', '!package-lock.json', '!package.json', '!sbom.cdx.json', '!server']);
  });
});
