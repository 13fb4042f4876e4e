import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-fs.js';
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
