import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import tar from 'tar-stream';
import { initRegistry } from '@mlship/registry';
import { caught, makeTempDir } from '@mlship/test-utils';
import type { Descriptor } from '@mlship/oci';
import { fetchBaseImage } from './base-image.js';
import { makeBaseLayout, type BaseLayout } from '../../test/image-fixtures.js';

const AMD64 = { os: 'linux', architecture: 'amd64' };

describe('index.json entries of oci: and oci-archive: bases', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let registry: string;
  let layout: BaseLayout;
  let good: Descriptor;
  beforeAll(async () => {
    temp = await makeTempDir('mlship-base-layout-');
    registry = (await initRegistry({ dir: join(temp.dir, 'project') })).registry;
    layout = await makeBaseLayout(join(temp.dir, 'base'), [AMD64], 'base');
    good = (JSON.parse(await readFile(join(layout.dir, 'index.json'), 'utf8')) as { manifests: Descriptor[] }).manifests[0]!;
  });
  afterAll(() => temp.cleanup());

  const bad: Array<[string, Record<string, unknown>]> = [
    ['no digest', { digest: undefined }],
    ['a digest that leaves the layout', { digest: 'sha256:../../../../etc/passwd' }],
    ['a digest of another algorithm', { digest: `sha512:${'a'.repeat(128)}` }],
    ['no size', { size: undefined }],
    ['a negative size', { size: -1 }],
  ];

  it.each(bad)('refuses an entry with %s (oci:)', async (_, change) => {
    await writeFile(join(layout.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ ...good, ...change }] }));
    const error = await caught(fetchBaseImage({ registry, base: `oci:${layout.dir}:base`, platform: AMD64 }));
    expect([error.code, error.exitCode]).toEqual(['MLSHIP_E_USAGE', 2]);
    expect(error.message).toContain('is not a usable container image');
  });

  it('refuses an entry without a digest in an oci-archive', async () => {
    const pack = tar.pack();
    pack.entry({ name: 'oci-layout' }, '{"imageLayoutVersion":"1.0.0"}');
    pack.entry({ name: 'index.json' }, JSON.stringify({ schemaVersion: 2, manifests: [{ ...good, digest: undefined }] }));
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of pack as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
    const file = join(temp.dir, 'bad.tar');
    await writeFile(file, Buffer.concat(chunks));
    const error = await caught(fetchBaseImage({ registry, base: `oci-archive:${file}`, platform: AMD64 }));
    expect([error.code, error.exitCode]).toEqual(['MLSHIP_E_USAGE', 2]);
    expect(error.message).toContain('is not a usable container image');
  });
});
