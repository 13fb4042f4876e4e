import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, open, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { execa } from 'execa';
import { digestOf, hexOf } from '@mlship/core';
import { initRegistry, putArtifact, resolveRef, tagArtifact } from '@mlship/registry';
import { caught, makeTempDir, REPO_ROOT } from '@mlship/test-utils';
import { buildBundle, settleTree } from './build-bundle.js';
import { BundleErrorCode } from './errors.js';
import { parsePnpmLock, readIntegrityIndex } from './npm-integrity.js';
import type { BuildBundleOptions, BundleResult } from './types.js';
import { expectedProbabilities, GIT, installedOnnxruntimeDir, storeTestModel, testRuntimeFile } from '../../test/bundle-fixtures.js';

const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64' };
const ROW = [5.1, 3.5, 1.4, 0.2];

let temp: { dir: string; cleanup: () => Promise<void> };
let registry: string;
let stored: Awaited<ReturnType<typeof storeTestModel>>;
let runtime: { file: string; real: boolean };
let onnxruntimeDir: string;
let cpu: BundleResult;
let edge: BundleResult;

function options(outDir: string, extra: Partial<BuildBundleOptions> = {}): BuildBundleOptions {
  return { registry, modelRef: 'models/iris:1', target: 'cpu', outDir, runtimeFile: runtime.file, onnxruntimeDir, platforms: [AMD64], ...extra };
}

/** The parts of the documents the tests read. */
interface CdxComponent {
  type: string;
  name: string;
  version?: string;
  purl?: string;
  'bom-ref'?: string;
  hashes?: Array<{ alg: string; content: string }>;
  licenses?: unknown[];
  properties?: Array<{ name: string; value: string }>;
  components?: CdxComponent[];
}
interface CdxBom {
  bomFormat: string;
  specVersion: string;
  serialNumber: string;
  metadata: { timestamp: string; component: CdxComponent };
  components: CdxComponent[];
  dependencies: Array<{ ref: string; dependsOn?: string[] }>;
}
interface Lockfile {
  lockfileVersion: number;
  packages: Record<string, { integrity?: string; [key: string]: unknown }>;
}
interface Statement {
  _type: string;
  predicateType: string;
  subject: Array<{ name: string; digest: { sha256: string } }>;
  predicate: { buildDefinition: Record<string, unknown>; runDetails: unknown };
}

const readJson = async <T = Record<string, unknown>>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;

/** e_machine of an ELF64 little-endian file (62 x86-64, 183 AArch64). */
async function elfMachine(path: string): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const header = Buffer.alloc(20);
    await handle.read(header, 0, 20, 0);
    expect(header.subarray(0, 4)).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    expect(header[4]).toBe(2); // 64-bit
    expect(header[5]).toBe(1); // little-endian
    return header.readUInt16LE(18);
  } finally {
    await handle.close();
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1)).sort();
}

beforeAll(async () => {
  temp = await makeTempDir('mlship-bundle-');
  registry = (await initRegistry({ dir: join(temp.dir, 'project') })).registry;
  stored = await storeTestModel(registry);
  runtime = await testRuntimeFile(temp.dir);
  onnxruntimeDir = installedOnnxruntimeDir();
  cpu = await buildBundle(options(join(temp.dir, 'cpu')));
  edge = await buildBundle(options(join(temp.dir, 'out', 'edge'), { target: 'edge', platforms: [AMD64, ARM64] }));
}, 120_000);

afterAll(async () => {
  await temp?.cleanup();
});

describe('buildBundle', () => {
  test('lays the bundle out as the image does, with only the requested platforms’ binaries', async () => {
    const files = await listFiles(cpu.dir);
    expect(files).toEqual(cpu.files.map((file) => file.path));
    for (const path of [
      'server/serve-runtime.mjs',
      'node_modules/onnxruntime-node/package.json',
      'node_modules/onnxruntime-node/dist/index.js',
      'node_modules/onnxruntime-node/dist/binding.js',
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
      'node_modules/onnxruntime-common/package.json',
      'node_modules/onnxruntime-common/dist/cjs/index.js',
      'node_modules/onnxruntime-common/dist/cjs/package.json',
      'node_modules/onnxruntime-common/dist/esm/index.js',
      'package.json',
      'package-lock.json',
      'sbom.cdx.json',
      'Dockerfile',
      '.dockerignore',
      'model/model.onnx',
      'model/signature.json',
      'model/model.json',
      'model/model-card.md',
      'model/model-card.json',
      'model/provenance.json',
    ]) {
      expect(files).toContain(path);
    }
    // Nothing but the target's binaries; no install-time dependencies, type declarations or maps; only the model files the server needs.
    expect(files.filter((path) => path.includes('/bin/') && !path.includes('/linux/x64/'))).toEqual([]);
    expect(files.filter((path) => /adm-zip|global-agent|\.d\.ts$|\.map$|script\//.test(path))).toEqual([]);
    expect(files).not.toContain('model/metrics.json');
    expect(existsSync(join(temp.dir, 'cpu', 'model', 'model.onnx'))).toBe(true);
    // No temp directories left beside the bundle.
    expect((await readdir(temp.dir)).filter((name) => name.startsWith('.tmp-'))).toEqual([]);
    for (const file of cpu.files) expect(file.digest).toBe(digestOf(await readFile(join(cpu.dir, file.path))));
  });

  test('carries x86-64 and AArch64 ONNX Runtime binaries for edge, split per platform in the runtime layer', async () => {
    const x64 = 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64';
    const arm64 = 'node_modules/onnxruntime-node/bin/napi-v6/linux/arm64';
    for (const name of ['onnxruntime_binding.node', 'libonnxruntime.so.1']) {
      expect(await elfMachine(join(edge.dir, x64, name))).toBe(62);
      expect(await elfMachine(join(edge.dir, arm64, name))).toBe(183);
    }
    const amd64Layer = edge.layers.runtime(AMD64);
    const arm64Layer = edge.layers.runtime(ARM64);
    expect(amd64Layer.some((path) => path.startsWith(x64))).toBe(true);
    expect(amd64Layer.some((path) => path.startsWith(arm64))).toBe(false);
    expect(arm64Layer.some((path) => path.startsWith(arm64))).toBe(true);
    expect(arm64Layer.some((path) => path.startsWith(x64))).toBe(false);
    // The JavaScript is the same in both, and every file but the Dockerfile's is in exactly one layer per platform.
    expect(amd64Layer.filter((path) => !path.includes('/bin/'))).toEqual(arm64Layer.filter((path) => !path.includes('/bin/')));
    for (const platform of [AMD64, ARM64]) {
      const layered = [...edge.layers.runtime(platform), ...edge.layers.app, ...edge.layers.weights];
      expect(new Set(layered).size).toBe(layered.length);
      const other = platform === AMD64 ? arm64 : x64;
      expect([...layered, 'Dockerfile', '.dockerignore'].sort()).toEqual(edge.files.map((file) => file.path).filter((path) => !path.startsWith(other)));
    }
    expect(edge.layers.app).toEqual(['package-lock.json', 'package.json', 'server/serve-runtime.mjs']);
    expect(edge.layers.weights).toEqual(['model/model-card.json', 'model/model-card.md', 'model/model.json', 'model/model.onnx', 'model/provenance.json', 'model/signature.json', 'sbom.cdx.json']);
    // The runtime layer holds the same bytes whatever the model and target.
    const digests = (result: BundleResult) => new Map(result.files.map((file) => [file.path, file.digest]));
    expect(cpu.layers.runtime(AMD64).map((path) => digests(cpu).get(path))).toEqual(edge.layers.runtime(AMD64).map((path) => digests(edge).get(path)));
    expect(() => cpu.layers.runtime(ARM64)).toThrow(/no ONNX Runtime binaries for linux\/arm64/);
  });

  test('node loads the bundled onnxruntime-node from the bundle directory and runs the model', async () => {
    const script = [
      "const ortUrl = import.meta.resolve('onnxruntime-node');",
      "const ort = (await import('onnxruntime-node')).default;",
      "const { createRequire } = await import('node:module');",
      "const common = createRequire(new URL(ortUrl)).resolve('onnxruntime-common');",
      "const session = await ort.InferenceSession.create('model/model.onnx');",
      `const result = await session.run({ features: new ort.Tensor('float32', Float32Array.from(${JSON.stringify(ROW)}), [1, 4]) });`,
      'console.log(JSON.stringify({ ortUrl, common, output: Array.from(result.output.data) }));',
    ].join('\n');
    for (const dir of [cpu.dir, edge.dir]) {
      const { stdout } = await execa(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: temp.dir }, extendEnv: false });
      const loaded = JSON.parse(stdout) as { ortUrl: string; common: string; output: number[] };
      expect(loaded.ortUrl).toBe(`file://${dir}/node_modules/onnxruntime-node/dist/index.js`);
      expect(loaded.common).toBe(`${dir}/node_modules/onnxruntime-common/dist/cjs/index.js`);
      const expected = expectedProbabilities(ROW);
      loaded.output.forEach((value, index) => expect(value).toBeCloseTo(expected[index]!, 5));
    }
    // The plain CommonJS require the brief names works too.
    await execa(process.execPath, ['-e', `require(${JSON.stringify(join(cpu.dir, 'node_modules', 'onnxruntime-node'))})`], { cwd: cpu.dir });
  });

  test('the real server runtime serves the model from the bundle', async () => {
    if (!runtime.real) {
      console.warn('serve-runtime.mjs is not built: skipping the server check (run `pnpm run build`)');
      return;
    }
    const child = spawn(process.execPath, ['server/serve-runtime.mjs', 'model', '--port', '0', '--host', '127.0.0.1'], { cwd: cpu.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const line = stdout.split('\n').find((text) => text.includes('"listening"'));
          if (line) resolve((JSON.parse(line) as { url: string }).url);
        });
        child.on('exit', (code) => reject(new Error(`the server exited with ${code}: ${stderr}`)));
      });
      expect((await fetch(`${url}/v2/health/ready`)).status).toBe(200);
      const metadata = (await (await fetch(`${url}/v2/models/iris`)).json()) as { name: string; versions?: string[] };
      expect(metadata.name).toBe('iris');
      const response = await fetch(`${url}/v2/models/iris/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: ROW }] }),
      });
      const body = (await response.json()) as { outputs: Array<{ name: string; data: number[] }> };
      expect(response.status).toBe(200);
      const output = body.outputs.find((entry) => entry.name === 'output')!;
      expectedProbabilities(ROW).forEach((value, index) => expect(output.data[index]).toBeCloseTo(value, 5));
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  test('writes model.json, package.json and a lockfile pinned to the installed ONNX Runtime', async () => {
    const model = await resolveRef(registry, 'models/iris:1');
    expect(await readJson(join(cpu.dir, 'model', 'model.json'))).toEqual({ name: 'iris', version: 1, ref: 'models/iris:1', digest: model.digest });
    const ortVersion = (await readJson(join(onnxruntimeDir, 'package.json'))).version as string;
    const pkg = await readJson(join(cpu.dir, 'package.json'));
    expect(pkg).toMatchObject({ name: 'mlship-serve-iris', private: true, type: 'module', engines: { node: '>=20' }, scripts: { start: 'node server/serve-runtime.mjs model' } });
    expect(pkg.dependencies).toEqual({ 'onnxruntime-common': ortVersion, 'onnxruntime-node': ortVersion });
    const lock = await readJson<Lockfile>(join(cpu.dir, 'package-lock.json'));
    const pnpm = parsePnpmLock(await readFile(join(REPO_ROOT, 'node_modules', '.pnpm', 'lock.yaml'), 'utf8'));
    expect(lock.lockfileVersion).toBe(3);
    expect(lock.packages['']).toMatchObject({ name: 'mlship-serve-iris', dependencies: pkg.dependencies });
    for (const name of ['onnxruntime-node', 'onnxruntime-common']) {
      const entry = lock.packages[`node_modules/${name}`]!;
      expect(entry).toMatchObject({ version: ortVersion, resolved: `https://registry.npmjs.org/${name}/-/${name}-${ortVersion}.tgz`, license: 'MIT' });
      expect(entry.integrity).toMatch(/^sha512-/);
      expect(entry.integrity).toBe(pnpm.get(`${name}@${ortVersion}`));
    }
    expect(Object.keys(lock.packages)).toEqual(['', 'node_modules/onnxruntime-common', 'node_modules/onnxruntime-node']);
    expect(cpu.warnings.filter((warning) => warning.includes('integrity'))).toEqual([]);
  });

  test('writes a CycloneDX SBOM of the application, its npm packages with hashes, and the model', async () => {
    const sbom = await readJson<CdxBom>(join(edge.dir, 'sbom.cdx.json'));
    expect(sbom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1 });
    expect(sbom.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(sbom.metadata.timestamp).toBe(new Date(edge.model.created).toISOString());
    expect(sbom.metadata.component).toMatchObject({ type: 'application', name: 'mlship-serve-iris', version: '0.1.0' });
    const fileDigest = new Map(edge.files.map((file) => [file.path, hexOf(file.digest)]));
    expect(sbom.metadata.component.components).toEqual([
      expect.objectContaining({ type: 'file', name: 'server/serve-runtime.mjs', hashes: [{ alg: 'SHA-256', content: fileDigest.get('server/serve-runtime.mjs') }] }),
    ]);
    const byPurl = new Map<string, CdxComponent>(sbom.components.filter((c) => c.purl).map((c) => [c.purl!, c]));
    const ortVersion = (await readJson(join(onnxruntimeDir, 'package.json'))).version as string;
    const lock = await readJson<Lockfile>(join(edge.dir, 'package-lock.json'));
    for (const name of ['onnxruntime-node', 'onnxruntime-common']) {
      const component = byPurl.get(`pkg:npm/${name}@${ortVersion}`);
      expect(component).toMatchObject({ type: 'library', name, version: ortVersion, licenses: [{ license: { id: 'MIT' } }] });
      const integrity = lock.packages[`node_modules/${name}`]!.integrity!;
      expect(component!.hashes).toEqual([{ alg: 'SHA-512', content: Buffer.from(integrity.slice('sha512-'.length), 'base64').toString('hex') }]);
      // Every bundled file of the package, with its SHA-256.
      const bundled = edge.files.filter((file) => file.path.startsWith(`node_modules/${name}/`));
      expect(component!.components!.map((file) => file.name).sort()).toEqual(bundled.map((file) => file.path));
      for (const file of component!.components!) expect(file.hashes).toEqual([{ alg: 'SHA-256', content: fileDigest.get(file.name) }]);
    }
    // The packages inlined into the server runtime, as its bundle step listed them.
    const listed = (await readJson<{ packages: Array<{ name: string; version: string; license: string }> }>(runtime.file.replace(/\.mjs$/, '.packages.json'))).packages;
    expect(listed.map((pkg) => pkg.name)).toEqual(expect.arrayContaining(['prom-client', 'tdigest', 'bintrees']));
    for (const pkg of listed) {
      const purl = `pkg:npm/${pkg.name.replace(/^@/, '%40')}@${pkg.version}`;
      expect(byPurl.get(purl)).toMatchObject({ type: 'library', version: pkg.version, properties: [{ name: 'mlship:shipped', value: 'inlined' }] });
    }
    expect(byPurl.get('pkg:npm/prom-client@15.1.3')?.licenses).toEqual([{ license: { id: 'Apache-2.0' } }]);
    const model = sbom.components.find((c) => c.type === 'machine-learning-model')!;
    expect(model).toMatchObject({ name: 'iris', version: '1', 'bom-ref': 'models/iris:1', hashes: [{ alg: 'SHA-256', content: fileDigest.get('model/model.onnx') }] });
    expect(model.properties).toEqual(expect.arrayContaining([{ name: 'mlship:dataset', value: `${stored.dataset.ref} ${stored.dataset.digest}` }, { name: 'mlship:git:commit', value: GIT.commit }]));
    expect(edge.sbom.components).toBe(sbom.components.length);
    // Dependencies: the application on ONNX Runtime and the model; onnxruntime-node on onnxruntime-common.
    const dependsOn = new Map<string, string[]>(sbom.dependencies.map((d) => [d.ref, d.dependsOn ?? []]));
    expect(dependsOn.get('app:mlship-serve-iris')).toEqual(expect.arrayContaining([`pkg:npm/onnxruntime-node@${ortVersion}`, 'models/iris:1']));
    expect(dependsOn.get(`pkg:npm/onnxruntime-node@${ortVersion}`)).toEqual([`pkg:npm/onnxruntime-common@${ortVersion}`]);
  });

  test('the SBOM is valid against the CycloneDX 1.6 JSON schema', async () => {
    // The library's own validator needs ajv-formats, which is not installed; its ajv and schemas are.
    const library = createRequire(join(REPO_ROOT, 'packages', 'packager', 'package.json')).resolve('@cyclonedx/cyclonedx-library/package.json');
    const fromLibrary = createRequire(library);
    const Ajv = fromLibrary('ajv').default as new (options: object) => { compile(schema: object): ((data: unknown) => boolean) & { errors?: unknown } };
    const schemaDir = join(library, '..', 'res', 'schema');
    // As the library's validator sets it up: the referenced schemas by the URIs the BOM schema uses, nothing remote.
    const schemas: Record<string, unknown> = {};
    for (const name of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json', 'cryptography-defs.SNAPSHOT.schema.json']) {
      schemas[`http://cyclonedx.org/schema/${name}`] = await readJson(join(schemaDir, name));
    }
    const ajv = new Ajv({ strict: false, strictSchema: false, addUsedSchema: false, validateFormats: false, allErrors: true, schemas });
    const validate = ajv.compile(await readJson(join(schemaDir, 'bom-1.6.SNAPSHOT.schema.json')));
    for (const dir of [cpu.dir, edge.dir]) {
      const valid = validate(await readJson(join(dir, 'sbom.cdx.json')));
      expect(validate.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
    }
    // The validator does catch a broken document.
    expect(validate({ bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ type: 'not-a-type', name: 'x' }] })).toBe(false);
  });

  test('writes in-toto SLSA provenance whose subjects are the stored files’ digests', async () => {
    const provenance = await readJson<Statement>(join(cpu.dir, 'model', 'provenance.json'));
    const model = await resolveRef(registry, 'models/iris:1');
    expect(provenance._type).toBe('https://in-toto.io/Statement/v1');
    expect(provenance.predicateType).toBe('https://slsa.dev/provenance/v1');
    const subjects = new Map<string, string>(provenance.subject.map((s) => [s.name, s.digest.sha256]));
    for (const name of ['model.onnx', 'signature.json', 'model-card.md', 'model-card.json']) {
      expect(subjects.get(`model/${name}`)).toBe(hexOf(model.files.find((file) => file.name === name)!.digest));
    }
    expect(subjects.get('model/model.json')).toBe(hexOf(cpu.files.find((file) => file.path === 'model/model.json')!.digest));
    expect(subjects.size).toBe(5);
    const definition = provenance.predicate.buildDefinition as { buildType: string; externalParameters: unknown; resolvedDependencies: unknown };
    expect(definition.buildType).toBe('https://mlship.dev/package/v1');
    expect(definition.externalParameters).toEqual({ modelRef: 'models/iris:1', target: 'cpu', platforms: ['linux/amd64'], base: 'docker.io/library/node:20-bookworm-slim', name: 'iris' });
    expect(definition.resolvedDependencies).toEqual([
      { name: 'models/iris:1', digest: { sha256: hexOf(model.digest) }, annotations: { role: 'model' } },
      { name: stored.dataset.ref, digest: { sha256: hexOf(stored.dataset.digest) }, annotations: { role: 'dataset' } },
      { uri: `git+${GIT.remote}@${GIT.commit}`, digest: { gitCommit: GIT.commit }, annotations: { branch: 'main', dirty: false } },
    ]);
    expect(provenance.predicate.runDetails).toEqual({ builder: { id: 'https://mlship.dev/cli', version: { mlship: '0.1.0' } }, metadata: { startedOn: model.metadata.created } });
    expect(cpu.model).toEqual({
      ref: 'models/iris:1',
      digest: model.digest,
      name: 'iris',
      version: 1,
      created: model.metadata.created,
      datasetParents: [{ ref: stored.dataset.ref, digest: stored.dataset.digest }],
      git: GIT,
    });
  });

  test('writes a Dockerfile with the base, the three layers in order, and the image config', async () => {
    const text = await readFile(join(edge.dir, 'Dockerfile'), 'utf8');
    expect(text).toBe(edge.dockerfile);
    const lines = text.split('\n').filter((line) => line && !line.startsWith('#'));
    expect(lines.slice(0, 3)).toEqual(['ARG BASE=gcr.io/distroless/nodejs20-debian12', 'FROM ${BASE}', 'WORKDIR /opt/mlship']);
    expect(lines.filter((line) => line.startsWith('COPY'))).toEqual([
      'COPY node_modules/ ./node_modules/',
      'COPY server/ ./server/',
      'COPY package.json package-lock.json ./',
      'COPY model/ ./model/',
      'COPY sbom.cdx.json ./',
    ]);
    expect(lines).toContain('ENV PATH=/nodejs/bin:${PATH}');
    expect(lines).toContain('ENV MLSHIP_HOST=0.0.0.0 MLSHIP_PORT=8080 MLSHIP_TARGET=edge NODE_ENV=production');
    expect(lines).toContain('EXPOSE 8080');
    expect(lines).toContain('USER 65532:65532');
    expect(lines.at(-1)).toBe('ENTRYPOINT ["node","/opt/mlship/server/serve-runtime.mjs","/opt/mlship/model"]');
    const healthcheck = lines.find((line) => line.startsWith('HEALTHCHECK'))!;
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[];
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    // The check asks the port the server listens on: MLSHIP_PORT when the container overrides it.
    const server = createServer((request, response) => {
      response.writeHead(request.url === '/v2/health/ready' ? 200 : 404);
      response.end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const port = String((server.address() as AddressInfo).port);
      const check = (env: Record<string, string>) => execa('node', ['-e', command[2]!], { env, reject: false });
      expect((await check({ MLSHIP_PORT: port })).exitCode).toBe(0);
      expect((await check({ MLSHIP_PORT: '1' })).exitCode).toBe(1);
    } finally {
      await new Promise((done) => server.close(done));
    }
    // Every COPY source is in the bundle and in the build context .dockerignore leaves.
    const ignore = await readFile(join(edge.dir, '.dockerignore'), 'utf8');
    for (const source of ['node_modules', 'server', 'model', 'package.json', 'package-lock.json', 'sbom.cdx.json']) {
      expect(existsSync(join(edge.dir, source))).toBe(true);
      expect(ignore).toContain(`!${source}\n`);
    }
    expect(ignore).toMatch(/^\*$/m);
    expect(ignore).toContain('**/*.tar\n');
    expect(ignore).toContain('**/.git\n');
    expect(cpu.dockerfile).toContain('ARG BASE=docker.io/library/node:20-bookworm-slim\n');
  });

  test('is deterministic: a rebuild gives byte-identical files', async () => {
    const again = await buildBundle(options(join(temp.dir, 'cpu-again')));
    expect(again.files).toEqual(cpu.files);
    expect(again.sbom).toEqual(cpu.sbom);
  });

  test('gives the same files whichever way the ref names the version (latest, number, alias)', async () => {
    await tagArtifact({ registry, ref: 'models/iris:1', alias: 'production' });
    const digestsOf = (result: BundleResult) => result.files.map((file) => `${file.path} ${file.digest}`);
    for (const [position, modelRef] of ['models/iris', 'models/iris@production'].entries()) {
      const again = await buildBundle(options(join(temp.dir, `spelled-${position}`), { modelRef }));
      expect(digestsOf(again)).toEqual(digestsOf(cpu));
    }
  });

  test('writes modes 0644 and 0755 whatever the umask', async () => {
    const previous = process.umask(0o077);
    let result: BundleResult;
    try {
      result = await buildBundle(options(join(temp.dir, 'umask')));
    } finally {
      process.umask(previous);
    }
    expect((await stat(result.dir)).mode & 0o777).toBe(0o755);
    const entries = await readdir(result.dir, { recursive: true, withFileTypes: true });
    const wrong = [];
    for (const entry of entries) {
      const mode = (await stat(join(entry.parentPath, entry.name))).mode & 0o777;
      if (mode !== (entry.isDirectory() ? 0o755 : 0o644)) wrong.push(`${entry.name} ${mode.toString(8)}`);
    }
    expect(wrong).toEqual([]);
    expect(entries.length).toBeGreaterThan(10);
  });

  test('a new version of the model changes only the weights layer', async () => {
    const v1 = await resolveRef(registry, 'models/iris:1');
    const bytes = async (name: string) => (await readFile(join(cpu.dir, 'model', name))).toString('utf8');
    await putArtifact({
      registry,
      kind: 'models',
      name: 'iris',
      files: [
        { name: 'model.onnx', data: await readFile(join(cpu.dir, 'model', 'model.onnx')) },
        { name: 'signature.json', data: await bytes('signature.json') },
        { name: 'model-card.md', data: '# iris\n\nRetrained.\n' },
      ],
      parents: v1.metadata.parents.map((parent) => parent.ref),
      git: GIT,
    });
    const v2 = await buildBundle(options(join(temp.dir, 'cpu-v2'), { modelRef: 'models/iris:2' }));
    const digests = (result: BundleResult, paths: string[]) => paths.map((path) => result.files.find((file) => file.path === path)!.digest);
    expect(digests(v2, v2.layers.runtime(AMD64))).toEqual(digests(cpu, cpu.layers.runtime(AMD64)));
    expect(v2.layers.app).toEqual(cpu.layers.app);
    expect(digests(v2, v2.layers.app)).toEqual(digests(cpu, cpu.layers.app));
    expect(digests(v2, ['model/model.json', 'model/provenance.json', 'sbom.cdx.json'])).not.toEqual(digests(cpu, ['model/model.json', 'model/provenance.json', 'sbom.cdx.json']));
    expect(v2.files.map((file) => file.path)).not.toContain('model/model-card.json');
    expect(v2.model).toMatchObject({ ref: 'models/iris:2', version: 2 });
  });

  test('refuses a non-empty output directory unless forced, and replaces it whole when forced', async () => {
    const outDir = join(temp.dir, 'busy');
    await mkdir(outDir);
    await writeFile(join(outDir, 'keep.txt'), 'x');
    const error = await caught(buildBundle(options(outDir)));
    expect(error.code).toBe(BundleErrorCode.outDirNotEmpty);
    expect(error.exitCode).toBe(2);
    expect(existsSync(join(outDir, 'keep.txt'))).toBe(true);
    const forced = await buildBundle(options(outDir, { force: true, target: 'gpu', name: 'iris-gpu', base: 'registry.example.com/cuda-node:12' }));
    expect(existsSync(join(outDir, 'keep.txt'))).toBe(false);
    expect((await listFiles(outDir)).length).toBe(forced.files.length);
    expect((await readJson(join(outDir, 'package.json'))).name).toBe('mlship-serve-iris-gpu');
    expect(forced.dockerfile).toContain('ARG BASE=registry.example.com/cuda-node:12\n');
    expect(forced.dockerfile).toMatch(/libonnxruntime_providers_cuda\.so/);
    // An existing empty directory is fine.
    const empty = join(temp.dir, 'empty');
    await mkdir(empty);
    await buildBundle(options(empty));
    expect(existsSync(join(empty, 'model', 'model.onnx'))).toBe(true);
  });

  test('fails with coded errors on bad input, leaving nothing behind', async () => {
    const outDir = join(temp.dir, 'errors', 'bundle');
    const notModel = await caught(buildBundle(options(outDir, { modelRef: stored.dataset.ref })));
    expect([notModel.code, notModel.exitCode]).toEqual([BundleErrorCode.notModel, 2]);

    await putArtifact({ registry, kind: 'models', name: 'bare', files: [{ name: 'model.onnx', data: 'not really' }], git: null });
    const incomplete = await caught(buildBundle(options(outDir, { modelRef: 'models/bare' })));
    expect([incomplete.code, incomplete.exitCode]).toEqual([BundleErrorCode.modelIncomplete, 2]);
    expect(incomplete.message).toContain('signature.json');

    const noRuntime = await caught(buildBundle(options(outDir, { runtimeFile: join(temp.dir, 'nope', 'serve-runtime.mjs') })));
    expect([noRuntime.code, noRuntime.exitCode]).toEqual([BundleErrorCode.runtimeMissing, 3]);
    expect(noRuntime.hint).toContain('pnpm run build');

    const noOrt = await caught(buildBundle(options(outDir, { onnxruntimeDir: join(temp.dir, 'nope') })));
    expect([noOrt.code, noOrt.exitCode]).toEqual([BundleErrorCode.onnxruntimeMissing, 3]);

    const platform = await caught(buildBundle(options(outDir, { platforms: [{ os: 'linux', architecture: 'riscv64' }] })));
    expect([platform.code, platform.exitCode]).toEqual(['MLSHIP_E_USAGE', 2]);

    const unknown = await caught(buildBundle(options(outDir, { modelRef: 'models/missing:1' })));
    expect(unknown.code).toBe('MLSHIP_E_REF_NOT_FOUND');

    expect(existsSync(join(temp.dir, 'errors'))).toBe(false);
  });

  test('finds onnxruntime-node through the runtime file when not given', async () => {
    if (!runtime.real) {
      console.warn('serve-runtime.mjs is not built: skipping the default onnxruntime-node lookup');
      return;
    }
    const { onnxruntimeDir: _ignored, ...rest } = options(join(temp.dir, 'default-ort'));
    const result = await buildBundle(rest);
    const binding = result.files.find((file) => file.path.endsWith('linux/x64/onnxruntime_binding.node'))!;
    const installed = await readFile(join(onnxruntimeDir, 'bin', 'napi-v6', 'linux', 'x64', 'onnxruntime_binding.node'));
    expect(binding.digest).toBe(`sha256:${createHash('sha256').update(installed).digest('hex')}`);
  });
});

describe('settleTree', () => {
  test('sets the bundle modes and flushes directories deepest first', async () => {
    const root = join(temp.dir, 'settle');
    await mkdir(join(root, 'a', 'b'), { recursive: true });
    await mkdir(join(root, 'c'));
    await writeFile(join(root, 'a', 'b', 'f'), 'x');
    await chmod(join(root, 'a', 'b', 'f'), 0o600);
    await chmod(join(root, 'a'), 0o700);
    const flushed = await settleTree(root);
    expect(flushed.map((dir) => dir.slice(root.length))).toEqual(['/a/b', '/a', '/c', '']);
    expect((await stat(join(root, 'a', 'b', 'f'))).mode & 0o777).toBe(0o644);
    expect((await stat(join(root, 'a'))).mode & 0o777).toBe(0o755);
  });
});

describe('readIntegrityIndex', () => {
  test('passes over a package-lock.json that is not JSON, with a warning', async () => {
    const project = join(temp.dir, 'bad-lock');
    await mkdir(join(project, 'inner', 'node_modules', 'x'), { recursive: true });
    await writeFile(join(project, 'inner', 'package-lock.json'), '{ not json');
    const good = { lockfileVersion: 3, packages: { 'node_modules/x': { version: '1.0.0', integrity: 'sha512-abc' } } };
    await writeFile(join(project, 'package-lock.json'), JSON.stringify(good));
    const index = await readIntegrityIndex(join(project, 'inner', 'node_modules', 'x'));
    expect(index.source).toBe(join(project, 'package-lock.json'));
    expect(index.lookup('x', '1.0.0')).toBe('sha512-abc');
    expect(index.warnings).toEqual([expect.stringContaining(`${join(project, 'inner', 'package-lock.json')} is not valid JSON`)]);
  });
});
