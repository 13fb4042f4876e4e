/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
// Status guardrails and registry hygiene through the built binary: `registry list` shows status and
// headline metrics; tag, package, serve and compress refuse a failed version unless --allow-failed,
// and what derives from one is failed; identical content returns the latest version; rm and prune
// keep `registry verify` clean and never remove a parent or an aliased version without --force.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expectOneLineError, makeTempDir, MLSHIP_BIN, REPO_ROOT, runMlship, runMlshipJson } from '@mlship/test-utils';

const iris = join(REPO_ROOT, 'examples', 'iris', 'iris.csv');
const schema = join(REPO_ROOT, 'examples', 'iris', 'schema.yaml');
const spec = join(REPO_ROOT, 'examples', 'iris', 'train.yaml');
const EPOCHS = '20';

describe('status guardrails and registry hygiene (built binary)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const mlship = (args: string[]) => runMlship(args, { cwd: dir, timeoutMs: 120_000 });
  const json = (args: string[]) => runMlshipJson(args, { cwd: dir, timeoutMs: 120_000 });
  const train = (...extra: string[]) => json(['train', spec, '--data', 'datasets/iris:1', '--epochs', EPOCHS, ...extra]);
  const verifyClean = async () => {
    const verify = await mlship(['registry', 'verify']);
    expect([verify.exitCode, verify.stdout]).toEqual([0, expect.stringMatching(/^registry OK/)]);
  };

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-guardrails-'));
    expect((await mlship(['init'])).exitCode).toBe(0);
    expect((await mlship(['data', 'register', iris, '--name', 'iris', '--schema', schema])).exitCode).toBe(0);
    // models/iris:1 fails its gate; models/iris:2 is the same model without a gate, so ok.
    const failed = await train('--gate', 'accuracy>=0.999');
    expect(failed.data).toMatchObject({ ref: 'models/iris:1', status: 'failed', reused: false });
    const ok = await train();
    expect(ok.data).toMatchObject({ ref: 'models/iris:2', status: 'ok', reused: false });
  }, 240_000);
  afterAll(() => cleanup());

  it('lists status and headline metrics as a table, and every scalar metric with --json', async () => {
    const text = await mlship(['registry', 'list']);
    expect(text.exitCode).toBe(0);
    const [header, ...rows] = text.stdout.trim().split('\n');
    expect(header).toMatch(/^REF\s+STATUS\s+ACCURACY\s+F1_MACRO\s+DIGEST\s+CREATED\s+ALIASES$/);
    expect(rows[0]).toMatch(/^datasets\/iris:1\s+ok\s+[0-9a-f]{12}\s/);
    expect(rows[1]).toMatch(/^models\/iris:1\s+failed\s+0\.\d+\s+0\.\d+\s+[0-9a-f]{12}\s/);
    expect(rows[2]).toMatch(/^models\/iris:2\s+ok\s+0\.\d+\s+0\.\d+\s/);

    const list = await json(['registry', 'list', 'models']);
    expect(list.data.artifacts.map((row: { ref: string; status: string }) => [row.ref, row.status])).toEqual([
      ['models/iris:1', 'failed'],
      ['models/iris:2', 'ok'],
    ]);
    expect(list.data.artifacts[0].metrics).toMatchObject({ accuracy: expect.any(Number), f1_macro: expect.any(Number), log_loss: expect.any(Number) });
  });

  it('refuses a failed version in tag, package, serve and compress with exit 1, before any work', async () => {
    for (const args of [
      ['registry', 'tag', 'models/iris:1', 'production'],
      ['package', 'models/iris:1'],
      ['serve', 'models/iris:1', '--port', '0'],
      ['compress', 'models/iris:1', '--method', 'int8'],
    ]) {
      const result = await mlship(args);
      expectOneLineError(result, 'MLSHIP_E_VERSION_FAILED', 1);
      expect(result.stderr).toContain('models/iris:1 is marked failed');
      expect(result.stderr).toContain('--allow-failed');
    }
    expect((await json(['registry', 'list', 'models'])).data.artifacts.map((row: { ref: string }) => row.ref)).toEqual(['models/iris:1', 'models/iris:2']);
    // The alias points at nothing yet.
    expect((await mlship(['registry', 'show', 'models/iris@production'])).exitCode).toBe(2);
  });

  it('acts on a failed version with --allow-failed, and marks what it makes failed', async () => {
    const tagged = await mlship(['registry', 'tag', 'models/iris:1', 'production', '--allow-failed']);
    expect([tagged.exitCode, tagged.stdout.trim()]).toEqual([0, 'models/iris@production -> models/iris:1']);

    // The int8 model's own gate passes, but its source failed: it is stored failed (exit 1).
    const compressed = await json(['compress', 'models/iris:1', '--method', 'int8', '--latency-calls', '10', '--allow-failed']);
    expect(compressed.exitCode).toBe(1);
    expect(compressed.data).toMatchObject({ ref: 'models/iris-int8:1', status: 'failed', failedSource: true, report: { gate: { passed: true } } });
    expect(compressed.stderr).toContain('which is marked failed');
    expect((await json(['registry', 'show', 'models/iris-int8:1'])).data.metadata.status).toBe('failed');

    // serve starts, saying what it serves.
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.MLSHIP_REGISTRY;
    const child = spawn(process.execPath, [MLSHIP_BIN, 'serve', 'models/iris:1', '--port', '0', '--allow-failed'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (/serving iris version 1/.test(output)) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
      void exited.then(() => {
        clearInterval(timer);
        reject(new Error(`mlship serve exited: ${output}`));
      });
    });
    expect(output).toContain('models/iris:1 is marked failed');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 120_000);

  it('returns the identical latest version for a seeded retrain, a registered file and a put, unless --new-version', async () => {
    const retrained = await train();
    expect(retrained.exitCode).toBe(0);
    expect(retrained.data).toMatchObject({ ref: 'models/iris:2', status: 'ok', reused: true });
    const text = await mlship(['train', spec, '--data', 'datasets/iris:1', '--epochs', EPOCHS, '--quiet']);
    expect(text.stdout.split('\n')[0]).toMatch(/^models\/iris:2 sha256:[0-9a-f]{64} \(unchanged: the latest version holds the same model\)$/);
    expect((await train('--new-version')).data).toMatchObject({ ref: 'models/iris:3', reused: false });

    const registered = await json(['data', 'register', iris, '--name', 'iris', '--schema', schema]);
    expect(registered.data).toMatchObject({ ref: 'datasets/iris:1', reused: true });
    expect((await json(['data', 'register', iris, '--name', 'iris', '--schema', schema, '--new-version'])).data).toMatchObject({ ref: 'datasets/iris:2', reused: false });

    expect((await json(['registry', 'put', 'datasets/notes', schema])).data).toMatchObject({ ref: 'datasets/notes:1', reused: false });
    expect((await json(['registry', 'put', 'datasets/notes', schema])).data).toMatchObject({ ref: 'datasets/notes:1', reused: true });
    expect((await json(['registry', 'put', 'datasets/notes', schema, '--new-version'])).data).toMatchObject({ ref: 'datasets/notes:2', reused: false });
    await verifyClean();
  }, 240_000);

  it('rm and prune keep verify clean and remove no parent or aliased version without --force', async () => {
    // datasets/iris:1 is the models' parent; models/iris:1 has an alias and a compressed child.
    for (const ref of ['datasets/iris:1', 'models/iris@production']) {
      const refused = await mlship(['registry', 'rm', ref]);
      expectOneLineError(refused, 'MLSHIP_E_VERSION_IN_USE', 2);
    }
    expect((await mlship(['registry', 'rm', 'models/iris'])).exitCode).toBe(2);

    const dry = await json(['registry', 'prune', 'models/iris', '--keep-last', '1', '--dry-run']);
    expect(dry.data).toMatchObject({ dryRun: true, name: 'models/iris', removed: ['models/iris:2'] });
    expect(dry.data.kept).toEqual([
      { ref: 'models/iris:3', reason: 'recent' },
      { ref: 'models/iris:1', reason: 'aliased', aliases: ['models/iris@production'] },
    ]);
    const pruned = await mlship(['registry', 'prune', 'models/iris', '--keep-last', '1']);
    expect(pruned.exitCode).toBe(0);
    expect(pruned.stdout).toContain('removed models/iris:2');
    expect(pruned.stdout).toContain('mlship registry gc');
    await verifyClean();

    const removed = await mlship(['registry', 'rm', 'datasets/notes:1', 'datasets/iris:2']);
    expect(removed.exitCode).toBe(0);
    expect(removed.stdout).toMatch(/removed datasets\/notes:1\nremoved datasets\/iris:2\n.*registry gc/);
    const forced = await json(['registry', 'rm', 'models/iris@production', '--force']);
    expect(forced.data).toMatchObject({ removed: ['models/iris:1'], aliases: ['models/iris@production'], orphaned: [{ ref: 'models/iris-int8:1', parent: 'models/iris:1' }] });
    const lineage = await mlship(['registry', 'lineage', 'models/iris-int8:1']);
    expect(lineage.stdout).toContain('models/iris:1');
    expect(lineage.stdout).toContain('[missing]');
    await verifyClean();
    const gc = await json(['registry', 'gc']);
    expect(gc.exitCode).toBe(0);
    await verifyClean();
    // Numbering goes on above the highest number the name has used.
    expect((await train('--new-version')).data.ref).toBe('models/iris:4');
    const left = (await json(['registry', 'list'])).data.artifacts.map((row: { ref: string }) => row.ref);
    expect(left).toEqual(['datasets/iris:1', 'datasets/notes:2', 'models/iris:3', 'models/iris:4', 'models/iris-int8:1']);
  }, 240_000);
});
