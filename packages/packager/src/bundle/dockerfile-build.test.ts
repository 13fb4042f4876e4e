/**
 * The bundle's Dockerfile, built for real with buildah (as `docker build` would) on a small local
 * base (this machine's node and the libraries it and ONNX Runtime load), then run with podman: the
 * image answers, its health check passes, and it runs as the non-root user with the three layers in order.
 */
import { chmod, copyFile, mkdir, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { initRegistry } from '@mlship/registry';
import { containersEnv, makeTempDir, runContainer, type RunningContainer } from '@mlship/test-utils';
import { buildBundle } from './build-bundle.js';
import type { BundleResult } from './types.js';
import { expectedProbabilities, installedOnnxruntimeDir, storeTestModel, testRuntimeFile } from '../../test/bundle-fixtures.js';

const tag = `${process.pid}-${Date.now()}`;
const BASE = `localhost/mlship-bundle-test-base:${tag}`;
const IMAGE = `localhost/mlship-bundle-test-iris:${tag}`;

let temp: { dir: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
let bundle: BundleResult;
let real = false;

async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await execa('ldd', [binary]);
  return [...stdout.matchAll(/(\/[^\s]+\.so[^\s]*)/g)].map((match) => match[1]!);
}

/**
 * A scratch image shaped like gcr.io/distroless/nodejs20-debian12: node at /nodejs/bin/node (not on
 * PATH), busybox, and the shared libraries node and ONNX Runtime load.
 */
async function buildBase(dir: string, onnxruntimeDir: string): Promise<void> {
  const rootfs = join(dir, 'rootfs');
  await mkdir(join(rootfs, 'bin'), { recursive: true });
  await mkdir(join(rootfs, 'tmp'), { recursive: true });
  await chmod(join(rootfs, 'tmp'), 0o1777);
  await copyFile('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  await chmod(join(rootfs, 'bin', 'busybox'), 0o755);
  await symlink('busybox', join(rootfs, 'bin', 'sh'));
  // Where distroless Node images put it: off the base's PATH, so the Dockerfile must add it.
  await mkdir(join(rootfs, 'nodejs', 'bin'), { recursive: true });
  await copyFile(process.execPath, join(rootfs, 'nodejs', 'bin', 'node'));
  await chmod(join(rootfs, 'nodejs', 'bin', 'node'), 0o755);
  const native = join(onnxruntimeDir, 'bin', 'napi-v6', 'linux', 'x64');
  const libraries = new Set<string>();
  for (const binary of [process.execPath, join(native, 'onnxruntime_binding.node'), join(native, 'libonnxruntime.so.1')]) {
    for (const library of await sharedLibraries(binary)) if (!library.startsWith(native)) libraries.add(library);
  }
  for (const library of libraries) {
    await mkdir(join(rootfs, dirname(library)), { recursive: true });
    await copyFile(library, join(rootfs, library));
  }
  const buildah = (args: string[]) => execa('buildah', args, { env });
  const container = (await buildah(['from', 'scratch'])).stdout.trim();
  try {
    await buildah(['copy', container, `${rootfs}/`, '/']);
    await buildah(['config', '--env', 'PATH=/usr/local/bin:/usr/bin:/bin', container]);
    await buildah(['commit', '--format', 'docker', container, BASE]);
  } finally {
    await buildah(['rm', container]);
  }
}

beforeAll(async () => {
  temp = await makeTempDir('mlship-bundle-docker-');
  env = await containersEnv(temp.dir);
  const registry = (await initRegistry({ dir: join(temp.dir, 'project') })).registry;
  await storeTestModel(registry);
  const runtime = await testRuntimeFile(temp.dir);
  real = runtime.real;
  const onnxruntimeDir = installedOnnxruntimeDir();
  await buildBase(temp.dir, onnxruntimeDir);
  bundle = await buildBundle({
    registry,
    modelRef: 'models/iris:1',
    target: 'cpu',
    outDir: join(temp.dir, 'bundle'),
    runtimeFile: runtime.file,
    onnxruntimeDir,
    platforms: [{ os: 'linux', architecture: 'amd64' }],
    base: BASE,
  });
}, 120_000);

afterAll(async () => {
  if (env) await execa('podman', ['rmi', '-f', IMAGE, BASE], { env, reject: false });
  await temp?.cleanup();
});

test('buildah builds the Dockerfile into an image that serves the model as the non-root user', async () => {
  // --format docker keeps HEALTHCHECK (the OCI config has no field for it); --layers: one layer per step, as Docker.
  await execa('buildah', ['bud', '--isolation', 'chroot', '--format', 'docker', '--layers', '-q', '-t', IMAGE, bundle.dir], { env });
  const [inspected] = JSON.parse((await execa('podman', ['image', 'inspect', IMAGE], { env })).stdout) as Array<{
    Config: { User: string; WorkingDir: string; Entrypoint: string[]; Env: string[]; ExposedPorts: Record<string, object> };
    History: Array<{ created_by?: string }>;
  }>;
  expect(inspected!.Config).toMatchObject({ User: '65532:65532', WorkingDir: '/opt/mlship', Entrypoint: ['node', '/opt/mlship/server/serve-runtime.mjs', '/opt/mlship/model'] });
  expect(inspected!.Config.Env).toEqual(expect.arrayContaining(['PATH=/nodejs/bin:/usr/local/bin:/usr/bin:/bin', 'MLSHIP_HOST=0.0.0.0', 'MLSHIP_PORT=8080', 'MLSHIP_TARGET=cpu']));
  expect(Object.keys(inspected!.Config.ExposedPorts)).toEqual(['8080/tcp']);
  const healthcheck = JSON.parse((await execa('podman', ['image', 'inspect', '--format', '{{json .Config.Healthcheck}}', IMAGE], { env })).stdout) as { Test: string[] } | null;
  expect(healthcheck?.Test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
  const copies = inspected!.History.map((entry) => entry.created_by ?? '').filter((step) => step.includes(' COPY '));
  expect(copies.map((step) => /in (\S+)/.exec(step)?.[1])).toEqual(['./node_modules/', './server/', './', './model/', './']);

  if (!real) {
    console.warn('serve-runtime.mjs is not built: the image was built but not run (run `pnpm run build`)');
    return;
  }
  let container: RunningContainer | undefined;
  try {
    container = await runContainer({ image: IMAGE, env, containerPort: 8080, readyPath: '/v2/health/ready', timeoutMs: 60_000 });
    const response = await fetch(`${container.url}/v2/models/iris/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }] }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { outputs: Array<{ name: string; data: number[] }> };
    expectedProbabilities([5.1, 3.5, 1.4, 0.2]).forEach((value, index) => expect(body.outputs[0]!.data[index]).toBeCloseTo(value, 5));
    const health = await execa('podman', ['healthcheck', 'run', container.name], { env, reject: false });
    expect(health.exitCode).toBe(0);
    const uid = await execa('podman', ['exec', container.name, 'node', '-e', 'console.log(process.getuid())'], { env });
    expect(uid.stdout.trim()).toBe('65532');
  } finally {
    await container?.stop();
  }
}, 120_000);
