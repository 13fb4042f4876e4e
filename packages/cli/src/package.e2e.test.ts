/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
// Issue 5 end to end, through the built binary and real components: iris trained by `mlship train`,
// served on the host by `mlship serve`, packaged for cpu, gpu and edge on a base image built here with
// buildah and pushed to a real OCI registry (Debian's docker-registry), pushed there by `--push`,
// inspected with skopeo, loaded with podman, and run in containers (podman + runc) whose answers must
// equal the host server's and ONNX Runtime's in-process. The edge index's arm64 image runs too, in podman
// with its entrypoint under qemu-aarch64-static (scripts/system-deps.sh installs qemu-user-static).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { runOnnxModel } from '@mlship/onnx';
import {
  buildTestBaseImage,
  containersEnv,
  freePort,
  MLSHIP_BIN,
  removeContainerStorage,
  REPO_ROOT,
  runArm64Container,
  runContainer,
  runMlship,
  runMlshipJson,
  startOciRegistry,
  type OciRegistryServer,
  type RunningContainer,
  type TestBaseImage,
} from '@mlship/test-utils';

const iris = join(REPO_ROOT, 'examples', 'iris');
/** Rows of iris (one per class and two in between), as the features the model takes. */
const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.2, 2.9, 4.3, 1.3],
  [6.3, 3.3, 6.0, 2.5],
  [5.9, 3.0, 5.1, 1.8],
  [6.0, 2.2, 4.0, 1.0],
];
const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const LABELS = ['setosa', 'versicolor', 'virginica'];

interface Answers {
  v2: number[];
  v1: Array<{ label: string; probabilities: Record<string, number> }>;
}

/** The same questions to any server: one V2 infer of all rows, and /v1/predict with named features. */
async function ask(url: string): Promise<Answers> {
  const v2 = await fetch(`${url}/v2/models/iris/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'e2e', inputs: [{ name: 'features', shape: [ROWS.length, 4], datatype: 'FP32', data: ROWS }] }),
  });
  expect(v2.status).toBe(200);
  const v2Body = (await v2.json()) as { outputs: Array<{ data: number[] }> };
  expect(v2Body).toMatchObject({ model_name: 'iris', model_version: '1', id: 'e2e', outputs: [{ name: 'output', shape: [ROWS.length, 3], datatype: 'FP32' }] });
  const v1 = await fetch(`${url}/v1/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: ROWS.map((row) => Object.fromEntries(FEATURES.map((name, i) => [name, row[i]]))) }),
  });
  expect(v1.status).toBe(200);
  const v1Body = (await v1.json()) as { predictions: Answers['v1'] };
  return { v2: v2Body.outputs[0]!.data, v1: v1Body.predictions };
}

/** The median time of `count` sequential V2 infers of all rows (after one warm-up), in milliseconds. */
async function medianInferMs(url: string, count = 20): Promise<number> {
  const body = JSON.stringify({ inputs: [{ name: 'features', shape: [ROWS.length, 4], datatype: 'FP32', data: ROWS }] });
  const infer = async () => {
    const response = await fetch(`${url}/v2/models/iris/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  };
  await infer();
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await infer();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(count / 2)]!;
}

async function waitForUrl(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mlship serve exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/v2/health/ready`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('mlship serve did not become ready');
}

describe('mlship serve and mlship package (built binary, real registry, podman)', () => {
  let dir: string;
  let layout: string;
  let cleanup: () => Promise<void>;
  let server: OciRegistryServer;
  let env: Record<string, string>;
  let base: TestBaseImage;
  let expected: Answers;
  const mlship = (args: string[]) => runMlship(args, { cwd: dir, env, timeoutMs: 300_000 });
  const json = (args: string[]) => runMlshipJson(args, { cwd: dir, env, timeoutMs: 300_000 });
  const skopeo = async (args: string[]) => (await execa('skopeo', args, { env })).stdout;
  const containers: RunningContainer[] = [];
  /** The edge index's amd64 container: its answers and timings, for the arm64 image to match. */
  let edgeAmd64: { answers: Answers; startupMs: number; inferMs: number } | undefined;

  beforeAll(async () => {
    // podman 4.3 names an image it runs from `oci:DIR:REF` after DIR, and image names must be
    // lowercase with no path part starting with a dot: so a registry at DIR/registry, not .mlship/registry.
    dir = join(tmpdir(), `mlship-package-e2e-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(dir);
    cleanup = () => rm(dir, { recursive: true, force: true });
    layout = join(dir, 'registry');
    env = { ...(await containersEnv(dir)), MLSHIP_REGISTRY: layout };
    server = await startOciRegistry();
    const onnxruntime = dirname(createRequire(join(REPO_ROOT, 'packages', 'serve', 'package.json')).resolve('onnxruntime-node/package.json'));
    base = await buildTestBaseImage({
      dir: join(dir, 'base'),
      registryHost: server.host,
      env,
      extraBinaries: [join(onnxruntime, 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime.so.1')],
    });
    expect((await mlship(['init', '--registry', layout])).exitCode).toBe(0);
    expect((await mlship(['data', 'register', join(iris, 'iris.csv'), '--name', 'iris', '--schema', join(iris, 'schema.yaml')])).exitCode).toBe(0);
    const trained = await json(['train', join(iris, 'train.yaml'), '--data', 'datasets/iris:1', '--name', 'iris']);
    expect(trained.exitCode).toBe(0);
    expect(trained.data.ref).toBe('models/iris:1');

    // ONNX Runtime in-process on the stored model: the reference for every server.
    expect((await mlship(['registry', 'get', 'models/iris:1', '--out', 'model'])).exitCode).toBe(0);
    const bytes = await readFile(join(dir, 'model', 'model.onnx'));
    const outputs = await runOnnxModel({ bytes, feeds: { features: { data: Float32Array.from(ROWS.flat()), dims: [ROWS.length, 4] } } });
    const probabilities = Array.from(outputs.output!.data);
    expected = {
      v2: probabilities,
      v1: ROWS.map((_, r) => {
        const scores = probabilities.slice(r * 3, r * 3 + 3);
        return { label: LABELS[scores.indexOf(Math.max(...scores))]!, probabilities: Object.fromEntries(LABELS.map((label, i) => [label, scores[i]!])) };
      }),
    };
  }, 600_000);

  afterAll(async () => {
    for (const container of containers) await container.stop();
    if (env) await removeContainerStorage(env);
    await server?.stop();
    await cleanup?.();
  });

  const expectSameAnswers = (answers: Answers) => {
    expect(answers.v2).toHaveLength(expected.v2.length);
    answers.v2.forEach((value, i) => expect(Math.abs(value - expected.v2[i]!)).toBeLessThan(1e-6));
    expect(answers.v1.map((p) => p.label)).toEqual(expected.v1.map((p) => p.label));
    answers.v1.forEach((prediction, r) => {
      for (const label of LABELS) expect(Math.abs(prediction.probabilities[label]! - expected.v1[r]!.probabilities[label]!)).toBeLessThan(1e-6);
    });
  };

  it('serves the trained model on the host: V2 and /v1/predict answer what ONNX Runtime computes', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [MLSHIP_BIN, 'serve', 'models/iris:1', '--port', String(port)], { cwd: dir, stdio: 'ignore', env: { ...process.env, ...env } });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitForUrl(url, child);
      expectSameAnswers(await ask(url));
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    expect(child.exitCode).toBe(0);
  }, 120_000);

  it('packages for cpu: pushed, inspected with skopeo, reproducible, loadable, and the container answers like the host', async () => {
    const packaged = await json([
      'package', 'models/iris:1', '--target', 'cpu', '--base', `docker://${base.reference}`, '--insecure',
      '--push', `oci://${server.host}/mlship/iris:cpu`, '--out', 'iris-cpu.tar', '--bundle-dir', 'bundle-cpu',
    ]);
    expect(packaged.stderr).not.toMatch(/error\[/);
    expect(packaged.exitCode).toBe(0);
    const result = packaged.data;
    expect(result).toMatchObject({ target: 'cpu', package: { ref: 'packages/iris:1' }, image: { ref: 'images/iris:1', reused: false }, pushed: { digest: result.image.digest } });
    expect(result.image.platforms).toHaveLength(1);
    const [platform] = result.image.platforms;
    expect(platform.layers.map((layer: { name: string }) => layer.name)).toEqual(['runtime', 'app', 'weights']);
    expect(platform.sizeAboveBase).toBeLessThan(60e6);

    // The registry server holds exactly what is stored; skopeo reads it as an image.
    const raw = await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${server.host}/mlship/iris:cpu`]);
    const { createHash } = await import('node:crypto');
    expect(`sha256:${createHash('sha256').update(raw).digest('hex')}`).toBe(result.image.digest);
    const inspected = JSON.parse(await skopeo(['inspect', '--tls-verify=false', `docker://${server.host}/mlship/iris:cpu`]));
    expect(inspected.Architecture).toBe('amd64');
    expect(inspected.Labels).toMatchObject({ 'dev.mlship.model.ref': 'models/iris:1', 'dev.mlship.target': 'cpu', 'dev.mlship.dataset.ref': 'datasets/iris:1' });
    expect(inspected.Env).toEqual(expect.arrayContaining(['MLSHIP_PORT=8080', 'MLSHIP_TARGET=cpu']));
    const local = JSON.parse(await skopeo(['inspect', `oci:${layout}:images/iris:1`]));
    expect(local.Digest).toBe(result.image.digest);

    // The same inputs again, with the layer cache removed so every layer is built anew: the same digest, no new version.
    await rm(join(layout, '.cache'), { recursive: true, force: true });
    const again = await json(['package', 'models/iris:1', '--target', 'cpu', '--base', `docker://${base.reference}`, '--insecure']);
    expect(again.exitCode).toBe(0);
    expect(again.data.image).toMatchObject({ digest: result.image.digest, ref: 'images/iris:1', reused: true });
    expect(again.data.image.platforms[0].layers.map((layer: { digest: string }) => layer.digest)).toEqual(platform.layers.map((layer: { digest: string }) => layer.digest));

    // The bundle has what Docker users need.
    const dockerfile = await readFile(join(dir, 'bundle-cpu', 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM /m);
    const sbom = JSON.parse(await readFile(join(dir, 'bundle-cpu', 'sbom.cdx.json'), 'utf8'));
    expect(sbom.bomFormat).toBe('CycloneDX');
    expect(sbom.components.map((component: { name: string }) => component.name)).toEqual(expect.arrayContaining(['onnxruntime-node', 'prom-client']));

    // podman reads the archive; the container from the registry layout answers like the host.
    const loaded = await execa('podman', ['load', '-i', join(dir, 'iris-cpu.tar')], { env, reject: false });
    expect(loaded.stderr + loaded.stdout).not.toMatch(/Error/);
    expect(loaded.exitCode).toBe(0);
    const container = await runContainer({ image: `oci:${layout}:images/iris:1`, env, containerPort: 8080, readyPath: '/v2/health/ready' });
    containers.push(container);
    expectSameAnswers(await ask(container.url));
    const metadata = await (await fetch(`${container.url}/v2/models/iris`)).json();
    expect(metadata).toMatchObject({ name: 'iris', platform: 'onnxruntime' });
    // Listening on 0.0.0.0 without an admin token: no admin API.
    expect((await fetch(`${container.url}/v2/repository/index`, { method: 'POST' })).status).toBe(403);
  }, 600_000);

  it('packages for gpu (CUDA provider absent here: the server falls back to CPU) and answers in a container', async () => {
    const packaged = await json(['package', 'models/iris:1', '--target', 'gpu', '--base', `docker://${base.reference}`, '--insecure', '--push', `oci://${server.host}/mlship/iris:gpu`]);
    expect(packaged.exitCode).toBe(0);
    expect(packaged.data).toMatchObject({ target: 'gpu', image: { ref: 'images/iris:2' } });
    const inspected = JSON.parse(await skopeo(['inspect', '--tls-verify=false', `docker://${server.host}/mlship/iris:gpu`]));
    expect(inspected.Env).toEqual(expect.arrayContaining(['MLSHIP_TARGET=gpu']));
    // The admin API is off in a container unless an admin token file is given.
    const tokenFile = join(dir, 'admin-token');
    await writeFile(tokenFile, 'e2e-admin-secret\n', { mode: 0o644 });
    const container = await runContainer({
      image: `oci:${layout}:images/iris:2`,
      env,
      containerPort: 8080,
      readyPath: '/v2/health/ready',
      podmanArgs: ['-v', `${tokenFile}:/run/mlship/admin-token:ro`, '-e', 'MLSHIP_ADMIN_TOKEN_FILE=/run/mlship/admin-token'],
    });
    containers.push(container);
    expectSameAnswers(await ask(container.url));
    expect((await fetch(`${container.url}/v2/repository/index`, { method: 'POST' })).status).toBe(401);
    // No CUDA here: the server asked for it, fell back to the CPU provider and says so.
    const answer = await fetch(`${container.url}/v2/repository/index`, { method: 'POST', headers: { authorization: 'Bearer e2e-admin-secret' } });
    expect(answer.status).toBe(200);
    const index = (await answer.json()) as { versions: Array<{ providers: string[]; fallback?: string }> };
    expect(index.versions[0]).toMatchObject({ providers: ['cpu'], fallback: expect.any(String) });
  }, 600_000);

  it('packages for edge as an amd64 + arm64 index: the arm64 image carries aarch64 ONNX Runtime, the amd64 one runs', async () => {
    const packaged = await json(['package', 'models/iris:1', '--target', 'edge', '--base', `docker://${base.reference}`, '--insecure', '--push', `oci://${server.host}/mlship/iris:edge`, '--out', 'iris-edge.tar']);
    expect(packaged.exitCode).toBe(0);
    const result = packaged.data;
    expect(result.image.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(result.image.platforms.map((p: { platform: string }) => p.platform)).toEqual(['linux/amd64', 'linux/arm64']);
    const [amd64, arm64] = result.image.platforms;
    // One runtime layer per platform; the app layer is the same for both.
    expect(amd64.layers[0].digest).not.toBe(arm64.layers[0].digest);
    expect(amd64.layers[1].digest).toBe(arm64.layers[1].digest);

    const index = JSON.parse(await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${server.host}/mlship/iris:edge`]));
    expect(index.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture)).toEqual(['amd64', 'arm64']);
    const arm = JSON.parse(await skopeo(['inspect', '--override-arch', 'arm64', '--tls-verify=false', `docker://${server.host}/mlship/iris:edge`]));
    expect(arm.Architecture).toBe('arm64');

    // The arm64 runtime layer's ONNX Runtime is an aarch64 ELF (e_machine 183).
    const copy = join(dir, 'edge-arm64');
    await execa('skopeo', ['copy', '--override-arch', 'arm64', `oci:${layout}:images/iris:3`, `dir:${copy}`], { env });
    const runtimeLayer = join(copy, arm64.layers[0].digest.slice('sha256:'.length));
    const listing = (await execa('tar', ['-tzf', runtimeLayer])).stdout;
    expect(listing).toMatch(/onnxruntime-node\/bin\/napi-v6\/linux\/arm64\/libonnxruntime\.so\.1/);
    expect(listing).not.toMatch(/linux\/x64/);
    const elf = (await execa('sh', ['-c', `tar -xzOf ${runtimeLayer} --wildcards '*linux/arm64/onnxruntime_binding.node' | head -c 20 | od -An -tu2 -j18 -N2`])).stdout.trim();
    expect(Number(elf)).toBe(183);

    // Pulled first, so that the time to ready below is the container's start-up, not the copy of its layers.
    await execa('podman', ['pull', '--platform', 'linux/amd64', `oci:${layout}:images/iris:3`], { env });
    const started = Date.now();
    const container = await runContainer({ image: `oci:${layout}:images/iris:3`, env, containerPort: 8080, readyPath: '/v2/health/ready' });
    const startupMs = Date.now() - started;
    containers.push(container);
    const answers = await ask(container.url);
    expectSameAnswers(answers);
    edgeAmd64 = { answers, startupMs, inferMs: await medianInferMs(container.url) };
  }, 600_000);

  // binfmt_misc is not mounted here (registering qemu there would change the whole host), so podman
  // cannot start arm64 binaries by itself; runArm64Container starts the image's entrypoint with a static
  // qemu-aarch64-static inside the container. A missing qemu-aarch64-static fails this test (saying to
  // run scripts/system-deps.sh) rather than skipping it: CI installs it as it installs podman.
  it('runs the edge index\'s arm64 image (podman, entrypoint under qemu-aarch64-static): it answers like the amd64 image', async () => {
    if (!edgeAmd64) throw new Error('the edge test above did not run the amd64 image, so there is nothing to compare with');
    const image = `oci:${layout}:images/iris:3`;
    await execa('podman', ['pull', '--platform', 'linux/arm64', image], { env });
    const started = Date.now();
    const container = await runArm64Container({ image, env, containerPort: 8080, readyPath: '/v2/health/ready' });
    const startupMs = Date.now() - started;
    containers.push(container);
    // The arm64 image's own files run: qemu-aarch64 runs aarch64 ELFs only (arm64 Node, aarch64 ONNX Runtime).
    const top = await execa('podman', ['top', container.name, 'user', 'args'], { env });
    expect(top.stdout).toMatch(/nonroot\s+\/\.mlship-test\/qemu-aarch64-static \/usr\/local\/bin\/node \/opt\/mlship\/server\/serve-runtime\.mjs \/opt\/mlship\/model/);
    const answers = await ask(container.url);
    // Labels exactly; probabilities within 1e-6 (8 float32 ulps at 1): ONNX Runtime's aarch64 (NEON)
    // and x64 (AVX) kernels may sum in another order, so bit equality is not promised.
    expect(answers.v1.map((p) => p.label)).toEqual(edgeAmd64.answers.v1.map((p) => p.label));
    answers.v2.forEach((value, i) => expect(Math.abs(value - edgeAmd64!.answers.v2[i]!)).toBeLessThan(1e-6));
    answers.v1.forEach((prediction, r) => {
      for (const label of LABELS) expect(Math.abs(prediction.probabilities[label]! - edgeAmd64!.answers.v1[r]!.probabilities[label]!)).toBeLessThan(1e-6);
    });
    expectSameAnswers(answers);
    const inferMs = await medianInferMs(container.url);
    const largest = Math.max(...answers.v2.map((value, i) => Math.abs(value - edgeAmd64!.answers.v2[i]!)));
    console.log(
      `edge image, ready after / median V2 infer (${ROWS.length} rows, 20 requests): arm64 under qemu ${startupMs} ms / ${inferMs.toFixed(2)} ms, ` +
        `amd64 ${edgeAmd64.startupMs} ms / ${edgeAmd64.inferMs.toFixed(2)} ms; largest difference between their probabilities: ${largest}`,
    );
  }, 600_000);

  it('refuses bad input with one coded line', async () => {
    const notModel = await mlship(['package', 'datasets/iris:1']);
    expect(notModel.exitCode).toBe(2);
    expect(notModel.stderr.trim().split('\n')).toHaveLength(1);
    expect(notModel.stderr).toMatch(/^error\[MLSHIP_E_[A-Z_]+\]/);
    const badBase = await mlship(['package', 'models/iris:1', '--base', 'ftp://nowhere/x']);
    expect(badBase.exitCode).toBe(2);
    expect(badBase.stderr).toMatch(/^error\[MLSHIP_E_USAGE\]/);
    const badPlatform = await mlship(['package', 'models/iris:1', '--platform', 'windows/386']);
    expect(badPlatform.exitCode).toBe(2);
    expect(badPlatform.stderr).toMatch(/linux\/amd64/);
  }, 120_000);
});
