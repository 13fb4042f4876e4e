import { createWriteStream } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { digestOf } from '@mlship/core';
import { expectOneLineError, makeTempDir, runMlship } from '@mlship/test-utils';

/** The registry commands against hostile input, through the built binary (issue 13). */
describe('mlship registry, hostile input (built binary)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const mlship = (args: string[], timeoutMs?: number) => runMlship(args, { cwd: dir, ...(timeoutMs ? { timeoutMs } : {}) });

  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-cli-hostile-'));
    await mlship(['init']);
  });
  afterEach(() => cleanup());

  it('registry import --max-bytes stops a decompression bomb; without it, the unused blob is removed again', async () => {
    const zeros = Buffer.alloc(8 << 20);
    const pack = tar.pack();
    pack.entry({ name: 'oci-layout' }, '{"imageLayoutVersion":"1.0.0"}');
    pack.entry({ name: `blobs/sha256/${digestOf(zeros).slice(7)}` }, zeros);
    pack.entry({ name: 'index.json' }, '{"schemaVersion":2,"manifests":[]}');
    pack.finalize();
    await pipeline(pack as unknown as AsyncIterable<Buffer>, createGzip(), createWriteStream(join(dir, 'bomb.tar.gz')));
    const blobs = async () => (await readdir(join(dir, '.mlship', 'registry', 'blobs', 'sha256'))).filter((name) => !name.startsWith('.tmp-'));

    expectOneLineError(await mlship(['registry', 'import', 'bomb.tar.gz', '--max-bytes', '1MiB']), 'MLSHIP_E_ARCHIVE_UNSAFE', 2);
    expectOneLineError(await mlship(['registry', 'import', 'bomb.tar.gz', '--max-bytes', 'lots']), 'MLSHIP_E_USAGE', 2);
    expect(await blobs()).toEqual([]);
    const imported = await mlship(['registry', 'import', 'bomb.tar.gz']);
    expect(imported.exitCode).toBe(0);
    expect(imported.stdout.trim().split('\n')).toEqual(['nothing to import', 'removed 1 blob(s) that no imported version uses']);
    expect(await blobs()).toEqual([]);
  });

  it('registry get --out under /proc fails at once instead of spinning', async () => {
    await writeFile(join(dir, 'f.txt'), 'x');
    await mlship(['registry', 'put', 'models/m', 'f.txt']);
    const result = await mlship(['registry', 'get', 'models/m', '--out', '/proc/self/out'], 10_000);
    expectOneLineError(result, 'MLSHIP_E_USAGE', 2);
    expect(result.stderr).toContain('/proc/self/out');
  });

  it('registry gc --dry-run answers while another process holds the write lock', async () => {
    // A fresh lock held by a live holder on another host: a real gc would wait for it.
    await writeFile(join(dir, '.mlship', 'registry', '.lock'), JSON.stringify({ pid: process.pid, host: `not-${hostname()}`, processStart: null, nonce: 'other', acquired: Date.now() }));
    const result = await mlship(['registry', 'gc', '--dry-run'], 20_000);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('would remove 0 blob(s)');
  });
});
