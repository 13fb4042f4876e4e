import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { expectOneLineError, makeTempDir, REPO_ROOT, runMlship } from '@mlship/test-utils';


describe('mlship CLI (built binary)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const mlship = (args: string[], env?: Record<string, string | undefined>) => runMlship(args, { cwd: dir, ...(env ? { env } : {}) });

  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-cli-'));
  });
  afterEach(() => cleanup());

  it('lists only working commands in --help and exits 0', async () => {
    const help = await mlship(['--help']);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/Commands:\n\s+init \[dir\]/);
    expect(help.stdout).toContain('registry');
    expect(help.stdout).toMatch(/^\s+train \[options\] \[spec\]/m);
    expect(help.stdout).toMatch(/^\s+compress \[options\] <ref>/m);
    expect(help.stdout).not.toMatch(/^\s+(deploy|monitor)\b/m);
    const sub = await mlship(['registry', 'put', '--help']);
    expect(sub.exitCode).toBe(0);
    expect(sub.stdout).toContain('Examples:');
  });

  it('rejects unknown commands and flags with exit 2', async () => {
    expectOneLineError(await mlship(['bogus']), 'MLSHIP_E_USAGE', 2);
    expectOneLineError(await mlship(['registry', 'list', '--bogus']), 'MLSHIP_E_USAGE', 2);
    expectOneLineError(await mlship(['registry', 'put', 'datasets/x']), 'MLSHIP_E_USAGE', 2);
  });

  it('says to run mlship init when there is no registry', async () => {
    const result = await mlship(['registry', 'list']);
    expectOneLineError(result, 'MLSHIP_E_REGISTRY_NOT_FOUND', 2);
    expect(result.stderr).toContain('mlship init');
  });

  it('runs the iris flow: init, put, tag, show, list, lineage, with --json', async () => {
    expect((await mlship(['init'])).exitCode).toBe(0);
    const iris = join(REPO_ROOT, 'examples', 'iris', 'iris.csv');
    const put = await mlship(['registry', 'put', 'datasets/iris', iris, '--meta', 'source=uci', '--json']);
    expect(put.exitCode).toBe(0);
    const stored = JSON.parse(put.stdout) as { ref: string; digest: string };
    expect(stored.ref).toBe('datasets/iris:1');
    expect(stored.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const plain = await mlship(['registry', 'put', 'models/iris', iris, '--parent', 'datasets/iris']);
    expect(plain.stdout.trim()).toMatch(/^models\/iris:1 sha256:[0-9a-f]{64}$/);
    expect((await mlship(['registry', 'tag', 'models/iris:1', 'production'])).stdout.trim()).toBe('models/iris@production -> models/iris:1');

    const show = JSON.parse((await mlship(['registry', 'show', 'models/iris@production', '--json'])).stdout);
    expect(show).toMatchObject({ ref: 'models/iris:1', aliases: ['production'], metadata: { parents: [{ ref: 'datasets/iris:1', digest: stored.digest }] } });
    expect(show.files[0]).toMatchObject({ name: 'iris.csv', size: (await readFile(iris)).length });

    const list = JSON.parse((await mlship(['registry', 'list', '--json'])).stdout);
    expect(list.artifacts.map((a: { ref: string }) => a.ref)).toEqual(['datasets/iris:1', 'models/iris:1']);
    const lineage = await mlship(['registry', 'lineage', 'models/iris', '--format', 'dot']);
    expect(lineage.stdout).toContain('->');
    const verify = await mlship(['registry', 'verify']);
    expect(verify.exitCode).toBe(0);
    expect(verify.stdout).toMatch(/^registry OK/);
  });

  it('answers bad input with one coded line and the documented exit code', async () => {
    await mlship(['init']);
    await writeFile(join(dir, 'f.txt'), 'content');
    await mlship(['registry', 'put', 'models/m', 'f.txt']);

    expectOneLineError(await mlship(['registry', 'show', 'models']), 'MLSHIP_E_REF_INVALID', 2);
    expectOneLineError(await mlship(['registry', 'show', 'model/m']), 'MLSHIP_E_REF_INVALID', 2);
    expectOneLineError(await mlship(['registry', 'show', 'models/m:zero']), 'MLSHIP_E_REF_INVALID', 2);
    expectOneLineError(await mlship(['registry', 'show', 'models/m:4']), 'MLSHIP_E_REF_NOT_FOUND', 2);
    expectOneLineError(await mlship(['registry', 'show', 'models/other']), 'MLSHIP_E_REF_NOT_FOUND', 2);
    expectOneLineError(await mlship(['registry', 'put', 'models/m', 'missing.bin']), 'MLSHIP_E_FILE_NOT_FOUND', 2);
    expectOneLineError(await mlship(['registry', 'put', 'models/m', 'f.txt', '--meta', 'novalue']), 'MLSHIP_E_USAGE', 2);
    await writeFile(join(dir, 'occupied'), 'a file where a folder should go');
    expectOneLineError(await mlship(['registry', 'get', 'models/m', '--out', 'occupied']), 'MLSHIP_E_USAGE', 2);
    expectOneLineError(await mlship(['registry', 'export', 'models/m', '--out', 'no/such/dir/x.tar']), 'MLSHIP_E_FILE_NOT_FOUND', 2);
    expectOneLineError(await mlship(['registry', 'pull', 'oci://127.0.0.1:5000/x', '--insecure']), 'MLSHIP_E_USAGE', 2);
    const json = await mlship(['registry', 'show', 'models/m:4', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'MLSHIP_E_REF_NOT_FOUND' } });
  });

  it('reports a flipped byte: verify exits 1 naming the blob, reading exits 3 and writes nothing', async () => {
    await mlship(['init']);
    await writeFile(join(dir, 'model.bin'), Buffer.alloc(50_000, 1));
    const stored = JSON.parse((await mlship(['registry', 'put', 'models/m', 'model.bin', '--json'])).stdout);
    const blob = join(dir, '.mlship', 'registry', 'blobs', 'sha256', stored.files[0].digest.slice(7));
    const bytes = await readFile(blob);
    bytes[1234] = bytes[1234]! ^ 0x01;
    await writeFile(blob, bytes);

    const verify = await mlship(['registry', 'verify']);
    expect(verify.exitCode).toBe(1);
    expect(verify.stdout).toContain(`corrupt-blob: blob ${stored.files[0].digest} is corrupt`);
    const get = await mlship(['registry', 'get', 'models/m', '--out', 'out']);
    expectOneLineError(get, 'MLSHIP_E_INTEGRITY', 3);
    await expect(readFile(join(dir, 'out', 'model.bin'))).rejects.toThrow();
  });

  it('reports a truncated index.json with a coded line and exit 3; verify exits 1', async () => {
    await mlship(['init']);
    await writeFile(join(dir, 'f.txt'), 'x');
    await mlship(['registry', 'put', 'models/m', 'f.txt']);
    const index = join(dir, '.mlship', 'registry', 'index.json');
    const text = await readFile(index, 'utf8');
    await writeFile(index, text.slice(0, 40));
    expectOneLineError(await mlship(['registry', 'list']), 'MLSHIP_E_REGISTRY_CORRUPT', 3);
    expectOneLineError(await mlship(['registry', 'put', 'models/m', 'f.txt']), 'MLSHIP_E_REGISTRY_CORRUPT', 3);
    expect((await mlship(['registry', 'verify'])).exitCode).toBe(1);
  });

  it('refuses a hostile import tarball with exit 2 and imports nothing', async () => {
    await mlship(['init']);
    const pack = tar.pack();
    pack.entry({ name: 'oci-layout' }, '{"imageLayoutVersion":"1.0.0"}');
    pack.entry({ name: '../../../tmp/owned' }, 'payload');
    pack.entry({ name: 'index.json' }, '{"schemaVersion":2,"manifests":[]}');
    pack.finalize();
    await pipeline(pack as unknown as AsyncIterable<Buffer>, createWriteStream(join(dir, 'evil.tar')));
    const result = await mlship(['registry', 'import', 'evil.tar']);
    expectOneLineError(result, 'MLSHIP_E_ARCHIVE_UNSAFE', 2);
    expect(result.stderr).toContain('../../../tmp/owned');
    expect(JSON.parse((await mlship(['registry', 'list', '--json'])).stdout).artifacts).toEqual([]);
  });

  it('exports and imports between two registries, and gc cleans up', async () => {
    await mlship(['init', 'a']);
    await mlship(['init', 'b']);
    await cp(join(REPO_ROOT, 'examples', 'iris', 'iris.csv'), join(dir, 'iris.csv'));
    await mlship(['--registry', 'a', 'registry', 'put', 'datasets/iris', 'iris.csv']);
    expect((await mlship(['--registry', 'a', 'registry', 'export', 'datasets/iris', '--out', 'iris.tar'])).exitCode).toBe(0);
    const imported = await mlship(['--registry', 'b', 'registry', 'import', 'iris.tar']);
    expect(imported.stdout.trim()).toBe('imported datasets/iris:1');
    const gc = await mlship(['registry', 'gc', '--dry-run'], { MLSHIP_REGISTRY: join(dir, 'b') });
    expect(gc.exitCode).toBe(0);
    expect(gc.stdout).toContain('would remove 0 blob(s)');
  });
});
