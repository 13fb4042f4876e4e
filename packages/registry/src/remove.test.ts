import { readdir, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, ExitCode, type Digest } from '@mlship/core';
import { caught } from '@mlship/test-utils';
import { tagArtifact } from './aliases.js';
import { gcRegistry } from './gc.js';
import { readIndex } from './index-file.js';
import { registryPaths } from './layout.js';
import { buildLineage } from './lineage.js';
import { putArtifact } from './put.js';
import { putImage } from './put-image.js';
import { planPrune, planRemoval, pruneVersions, removeVersions, RemoveErrorCode, type VersionGraph } from './remove.js';
import { listArtifacts } from './resolve.js';
import { verifyRegistry } from './verify.js';
import { tempRegistry } from '../test/temp-registry.js';
import { writeTestImage } from '../test/oci-images.js';

const digest = (n: number) => `sha256:${String(n).padStart(64, '0')}` as Digest;
const node = (ref: string, n: number, extra: { aliases?: string[]; parents?: number[] } = {}) => {
  const [kindName, version] = ref.split(':') as [string, string];
  const [kind, name] = kindName.split('/') as ['models', string];
  return { ref, kind, name, version: Number(version), digest: digest(n), aliases: extra.aliases ?? [], parents: (extra.parents ?? []).map(digest) };
};

describe('removal plans (pure)', () => {
  const graph: VersionGraph = [
    node('models/a:1', 1),
    node('models/a:2', 2, { aliases: ['production'] }),
    node('models/a:3', 3),
    node('models/a:4', 4),
    node('models/a:5', 5),
    node('models/a:6', 6),
    node('models/b:1', 11, { parents: [3] }),
    // a:4 is the parent of a model of another name (a compressed one).
    node('models/a-int8:1', 21, { parents: [4] }),
  ];

  it('refuses an aliased version and a parent without force, and removes both with it', () => {
    expect(planRemoval(graph, ['models/a:1']).refused).toEqual([]);
    const refused = planRemoval(graph, ['models/a:2', 'models/a:3', 'models/a:1']);
    expect(refused.refused).toEqual([
      { ref: 'models/a:2', aliases: ['models/a@production'], children: [] },
      { ref: 'models/a:3', aliases: [], children: ['models/b:1'] },
    ]);
    const forced = planRemoval(graph, ['models/a:2', 'models/a:3'], { force: true });
    expect(forced).toEqual({ removed: ['models/a:2', 'models/a:3'], aliases: ['models/a@production'], orphaned: [{ ref: 'models/b:1', parent: 'models/a:3' }], refused: [] });
    // A parent removed together with its only child is no longer anyone's parent.
    expect(planRemoval(graph, ['models/a:3', 'models/b:1']).refused).toEqual([]);
  });

  it('prunes all but the newest, keeping aliased versions and parents of what stays', () => {
    const plan = planPrune(graph, 'models', 'a', 2);
    expect(plan.removed).toEqual(['models/a:1']);
    expect(plan.kept).toEqual([
      { ref: 'models/a:6', reason: 'recent' },
      { ref: 'models/a:5', reason: 'recent' },
      { ref: 'models/a:4', reason: 'parent', children: ['models/a-int8:1'] },
      { ref: 'models/a:3', reason: 'parent', children: ['models/b:1'] },
      { ref: 'models/a:2', reason: 'aliased', aliases: ['models/a@production'] },
    ]);
  });

  it('keeps a parent of a kept parent, and removes a chain no one outside it needs', () => {
    const chain: VersionGraph = [node('models/c:1', 1), node('models/c:2', 2, { parents: [1] }), node('models/c:3', 3, { parents: [2] }), node('models/c:4', 4)];
    expect(planPrune(chain, 'models', 'c', 1).removed).toEqual(['models/c:3', 'models/c:2', 'models/c:1']);
    const kept: VersionGraph = [...chain, node('models/d:1', 9, { parents: [2] })];
    const plan = planPrune(kept, 'models', 'c', 1);
    expect(plan.removed).toEqual(['models/c:3']);
    expect(plan.kept.map((item) => [item.ref, item.reason])).toEqual([
      ['models/c:4', 'recent'],
      ['models/c:2', 'parent'],
      ['models/c:1', 'parent'],
    ]);
  });
});

describe('registry rm and prune', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ root, cleanup } = await tempRegistry());
  });
  afterEach(() => cleanup());

  const put = (kind: 'datasets' | 'models', name: string, content: string, parents?: string[]) =>
    putArtifact({ registry: root, kind, name, files: [{ name: 'file.bin', data: content }], git: null, ...(parents ? { parents } : {}) });
  const refs = async () => (await listArtifacts(root)).map((row) => row.ref);
  const ageBlobs = async () => {
    const old = new Date(Date.now() - 3600_000);
    const dir = registryPaths(root).blobs;
    for (const name of await readdir(dir)) await utimes(join(dir, name), old, old);
  };

  it('removes a version from the index, keeps verify clean, and leaves its blobs to gc', async () => {
    await put('datasets', 'iris', 'one');
    await put('datasets', 'iris', 'two');
    const result = await removeVersions({ registry: root, refs: ['datasets/iris:1'] });
    expect(result).toEqual({ removed: ['datasets/iris:1'], aliases: [], orphaned: [] });
    expect(await refs()).toEqual(['datasets/iris:2']);
    expect((await verifyRegistry({ registry: root })).ok).toBe(true);
    await ageBlobs();
    const gc = await gcRegistry({ registry: root });
    expect(gc.removed).toHaveLength(3); // manifest, metadata and the file only version 1 held
    expect((await verifyRegistry({ registry: root })).ok).toBe(true);
  });

  it('refuses an aliased version and a parent (exit 2, nothing removed), and removes them with force', async () => {
    await put('datasets', 'iris', 'one');
    await put('datasets', 'iris', 'two');
    await put('models', 'iris', 'weights', ['datasets/iris:1']);
    await tagArtifact({ registry: root, ref: 'datasets/iris:2', alias: 'production' });
    const before = await readIndex(root);

    const aliased = await caught(removeVersions({ registry: root, refs: ['datasets/iris@production'] }));
    expect(aliased).toMatchObject({ code: RemoveErrorCode.inUse, exitCode: ExitCode.usage });
    expect(aliased.message).toContain('datasets/iris:2 is named by datasets/iris@production');
    const parent = await caught(removeVersions({ registry: root, refs: ['datasets/iris:1', 'datasets/iris:2'] }));
    expect(parent.message).toContain('datasets/iris:1 is the parent of models/iris:1');
    expect(await readIndex(root)).toEqual(before);

    const forced = await removeVersions({ registry: root, refs: ['datasets/iris:1', 'datasets/iris:2'], force: true });
    expect(forced).toEqual({ removed: ['datasets/iris:1', 'datasets/iris:2'], aliases: ['datasets/iris@production'], orphaned: [{ ref: 'models/iris:1', parent: 'datasets/iris:1' }] });
    expect(await refs()).toEqual(['models/iris:1']);
    expect((await readIndex(root)).manifests.some((entry) => entry.annotations?.['dev.mlship.alias'] === 'production')).toBe(false);
    expect((await buildLineage({ registry: root, ref: 'models/iris:1' })).parents[0]).toMatchObject({ ref: 'datasets/iris:1', missing: true });
    expect((await verifyRegistry({ registry: root })).ok).toBe(true);
  });

  it('never gives a removed number to a new version', async () => {
    await put('datasets', 'iris', 'one');
    await put('datasets', 'iris', 'two');
    await removeVersions({ registry: root, refs: ['datasets/iris:2'] });
    expect((await put('datasets', 'iris', 'three')).ref).toBe('datasets/iris:3');
    await removeVersions({ registry: root, refs: ['datasets/iris:3', 'datasets/iris:1'] });
    expect((await put('datasets', 'iris', 'four')).ref).toBe('datasets/iris:4');
    expect((await verifyRegistry({ registry: root })).ok).toBe(true);
  });

  it('refuses a bare name and an unknown version', async () => {
    await put('datasets', 'iris', 'one');
    expect(await caught(removeVersions({ registry: root, refs: ['datasets/iris'] }))).toMatchObject({ code: ErrorCode.usage, exitCode: ExitCode.usage });
    expect((await caught(removeVersions({ registry: root, refs: ['datasets/iris:7'] }))).code).toBe(ErrorCode.refNotFound);
    expect(await refs()).toEqual(['datasets/iris:1']);
  });

  it('prunes old versions, keeping aliased ones and parents (also of images), with a dry run that changes nothing', async () => {
    for (const content of ['1', '2', '3', '4', '5', '6']) await put('models', 'iris', content);
    await tagArtifact({ registry: root, ref: 'models/iris:2', alias: 'production' });
    await put('models', 'iris-int8', 'small', ['models/iris:3']);
    const model4 = (await listArtifacts(root, { name: 'iris' })).find((row) => row.version === 4)!;
    const image = await writeTestImage(root, { model: { ref: model4.ref, digest: model4.digest } });
    await putImage({ registry: root, name: 'iris', manifest: image.descriptor });

    const dry = await pruneVersions({ registry: root, name: 'models/iris', keepLast: 2, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, name: 'models/iris', removed: ['models/iris:1'] });
    expect(dry.kept.map((item) => [item.ref, item.reason])).toEqual([
      ['models/iris:6', 'recent'],
      ['models/iris:5', 'recent'],
      ['models/iris:4', 'parent'],
      ['models/iris:3', 'parent'],
      ['models/iris:2', 'aliased'],
    ]);
    expect(await refs()).toContain('models/iris:1');

    const pruned = await pruneVersions({ registry: root, name: 'models/iris', keepLast: 2 });
    expect(pruned.removed).toEqual(['models/iris:1']);
    expect((await refs()).filter((ref) => ref.startsWith('models/iris:'))).toEqual(['models/iris:2', 'models/iris:3', 'models/iris:4', 'models/iris:5', 'models/iris:6']);
    expect((await verifyRegistry({ registry: root })).ok).toBe(true);
    expect((await caught(pruneVersions({ registry: root, name: 'models/iris', keepLast: 0 }))).code).toBe(ErrorCode.usage);
    expect((await caught(pruneVersions({ registry: root, name: 'models/none', keepLast: 1 }))).code).toBe(ErrorCode.refNotFound);
  });
});
