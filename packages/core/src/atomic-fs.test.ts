import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirectory, writeFileAtomic } from './atomic-fs.js';
import { ErrorCode, ExitCode } from './errors.js';
import { digestFile, digestOf } from './hashing.js';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mlship-core-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('replaces the content and leaves no temp file', async () => {
    const target = join(dir, 'index.json');
    await writeFileAtomic(target, 'one');
    await writeFileAtomic(target, 'two');
    expect(await readFile(target, 'utf8')).toBe('two');
    expect(await readdir(dir)).toEqual(['index.json']);
  });

  it('hashes files by streaming, equal to hashing the bytes', async () => {
    const target = join(dir, 'data.bin');
    const bytes = Buffer.alloc(3 << 20, 7);
    await writeFileAtomic(target, bytes);
    expect(await digestFile(target)).toEqual({ digest: digestOf(bytes), size: bytes.length });
    expect(digestOf('abc')).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('makeDirectory', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mlship-core-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('makes missing folders and accepts existing ones', async () => {
    await makeDirectory(join(dir, 'a', 'b', 'c'));
    await makeDirectory(join(dir, 'a', 'b', 'c'));
    await makeDirectory(dir);
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['c']);
  });

  it('fails with a coded error where the file system refuses a folder (procfs), instead of retrying forever', async () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((_, fail) => (timer = setTimeout(() => fail(new Error('makeDirectory did not return within 5 s')), 5000)));
    const error = await Promise.race([makeDirectory('/proc/self/logs/x'), timeout]).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    clearTimeout(timer);
    expect(error).toMatchObject({ code: ErrorCode.usage, exitCode: ExitCode.usage });
    expect((error as Error).message).toContain('/proc/self/logs');
  }, 10_000);
});
