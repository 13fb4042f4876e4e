import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { ErrorCode, ExitCode, digestOf, type MlshipError } from '@mlship/core';
import { tagArtifact, untagArtifact } from './aliases.js';
import { extractArtifact, openArtifactFile } from './files.js';
import { findRegistry, initRegistry, registryPaths } from './layout.js';
import { buildLineage, renderLineageDot, renderLineageMermaid, renderLineageText } from './lineage.js';
import { putArtifact } from './put.js';
import { listArtifacts, resolveRef } from './resolve.js';
import { caught } from '@mlship/test-utils';
import { tempRegistry } from '../test/temp-registry.js';

describe('the registry', () => {
  let root: string;
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ root, dir, cleanup } = await tempRegistry());
  });
  afterEach(() => cleanup());

  const put = (name: string, content: string, extra: Partial<Parameters<typeof putArtifact>[0]> = {}) =>
    putArtifact({ registry: root, kind: 'models', name, files: [{ name: 'model.bin', data: content }], git: null, ...extra });

  it('numbers versions 1, 2, 3 per name and resolves every ref form', async () => {
    const v1 = await put('iris', 'one');
    const v2 = await put('iris', 'two');
    const other = await put('digits', 'x');
    expect([v1.ref, v2.ref, other.ref]).toEqual(['models/iris:1', 'models/iris:2', 'models/digits:1']);
    expect((await resolveRef(root, 'models/iris')).version).toBe(2);
    expect((await resolveRef(root, 'models/iris:1')).digest).toBe(v1.digest);
    expect((await resolveRef(root, `models/iris@${v1.digest}`)).version).toBe(1);
    expect((await resolveRef(root, `models/iris@${v1.digest.slice(0, 19)}`)).version).toBe(1);
    const missing = await caught(resolveRef(root, 'models/iris:7'));
    expect(missing.code).toBe(ErrorCode.refNotFound);
    expect(missing.exitCode).toBe(ExitCode.usage);
    expect(missing.hint).toContain('versions 1, 2');
    expect((await listArtifacts(root, { name: 'iris' })).map((row) => row.ref)).toEqual(['models/iris:1', 'models/iris:2']);
  });

  it('stores files as layers and streams them back verified', async () => {
    const source = join(dir, 'weights.bin');
    const bytes = Buffer.alloc(5 << 20, 3);
    await writeFile(source, bytes);
    const result = await putArtifact({
      registry: root,
      kind: 'models',
      name: 'big',
      files: [{ path: source }, { name: 'notes.txt', data: 'hello' }],
      metadataLabels: { owner: 'ml' },
      metrics: { accuracy: 0.97 },
      git: { commit: 'abc', branch: 'main', dirty: false },
    });
    expect(result.files.map((f) => [f.name, f.size, f.digest])).toEqual([
      ['weights.bin', bytes.length, digestOf(bytes)],
      ['notes.txt', 5, digestOf('hello')],
    ]);
    const artifact = await resolveRef(root, 'models/big:1');
    expect(artifact.metadata).toMatchObject({ kind: 'models', name: 'big', version: 1, labels: { owner: 'ml' }, metrics: { accuracy: 0.97 } });
    expect(artifact.metadata.environment?.node).toBe(process.version);
    const { stream } = await openArtifactFile(root, 'models/big:1', 'notes.txt');
    expect(await text(stream)).toBe('hello');
    const out = await extractArtifact({ registry: root, ref: 'models/big', outDir: join(dir, 'out') });
    expect(digestOf(await readFile(join(dir, 'out', 'weights.bin')))).toBe(digestOf(bytes));
    expect(out.files).toHaveLength(2);
  });

  it('gives equal files an equal content digest but each version its own manifest', async () => {
    const a = await put('same', 'bytes');
    const b = await put('same', 'bytes');
    expect(a.contentDigest).toBe(b.contentDigest);
    expect(a.digest).not.toBe(b.digest);
  });

  it('refuses bad input before writing anything', async () => {
    expect((await caught(put('x', 'y', { files: [] }))).code).toBe(ErrorCode.usage);
    const nofile = await caught(putArtifact({ registry: root, kind: 'models', name: 'x', files: [{ path: join(dir, 'nope') }], git: null }));
    expect(nofile.code).toBe(ErrorCode.fileNotFound);
    const dup = await caught(put('x', 'y', { files: [{ name: 'a', data: '1' }, { name: 'a', data: '2' }] }));
    expect(dup.message).toContain('two files are named "a"');
    const escape = await caught(put('x', 'y', { files: [{ name: '../a', data: '1' }] }));
    expect(escape.message).toContain('bad file name');
    expect(await listArtifacts(root)).toEqual([]);
  });

  it('moves aliases and removes them', async () => {
    await put('iris', 'one');
    await put('iris', 'two');
    expect((await tagArtifact({ registry: root, ref: 'models/iris:1', alias: 'production' })).previous).toBeNull();
    expect((await resolveRef(root, 'models/iris@production')).version).toBe(1);
    const moved = await tagArtifact({ registry: root, ref: 'models/iris:2', alias: 'production' });
    expect(moved.previous).toBe('models/iris:1');
    expect((await resolveRef(root, 'models/iris@production')).version).toBe(2);
    expect((await resolveRef(root, 'models/iris:2')).aliases).toEqual(['production']);
    const index = JSON.parse(await readFile(registryPaths(root).index, 'utf8'));
    expect(index.manifests.filter((m: { annotations: Record<string, string> }) => m.annotations['dev.mlship.alias'] === 'production')).toHaveLength(1);
    await untagArtifact({ registry: root, name: 'models/iris', alias: 'production' });
    expect((await caught(resolveRef(root, 'models/iris@production'))).code).toBe(ErrorCode.refNotFound);
    expect((await caught(tagArtifact({ registry: root, ref: 'models/iris:1', alias: '9lives' }))).code).toBe(ErrorCode.invalidRef);
  });

  it('records lineage and renders it as text, dot and mermaid', async () => {
    const data = await putArtifact({ registry: root, kind: 'datasets', name: 'iris', files: [{ name: 'iris.csv', data: 'a,b\n' }], git: null });
    const model = await put('iris', 'weights', { parents: ['datasets/iris'] });
    await putArtifact({ registry: root, kind: 'packages', name: 'iris', files: [{ name: 'p', data: 'p' }], parents: [model.ref, 'datasets/iris:1'], git: null });
    const tree = await buildLineage({ registry: root, ref: 'packages/iris' });
    expect(tree.ref).toBe('packages/iris:1');
    expect(tree.parents.map((p) => p.ref)).toEqual(['models/iris:1', 'datasets/iris:1']);
    expect(tree.parents[0]!.parents[0]).toMatchObject({ ref: 'datasets/iris:1', digest: data.digest });
    expect(tree.parents[1]!.repeated).toBe(true);
    expect(renderLineageText(tree).split('\n')).toEqual([
      expect.stringMatching(/^packages\/iris:1 \(/),
      expect.stringMatching(/^├── models\/iris:1 \(/),
      expect.stringMatching(/^│ {3}└── datasets\/iris:1 \(/),
      expect.stringMatching(/^└── datasets\/iris:1 \(.*\[see above\]$/),
    ]);
    const dot = renderLineageDot(tree);
    expect(dot.match(/->/g)).toHaveLength(3);
    expect(renderLineageMermaid(tree)).toContain(`n${data.digest.slice(7, 19)} --> n${model.digest.slice(7, 19)}`);
    expect((await caught(put('z', 'z', { parents: ['datasets/nothing'] }))).code).toBe(ErrorCode.refNotFound);
  });

  it('finds the registry upward, from MLSHIP_REGISTRY or --registry, and says how to create one', async () => {
    const nested = join(dir, 'a', 'b');
    await (await import('node:fs/promises')).mkdir(nested, { recursive: true });
    expect(findRegistry({ cwd: nested, env: {} })).toBe(root);
    expect(findRegistry({ cwd: '/', env: { MLSHIP_REGISTRY: dir } })).toBe(root);
    expect(findRegistry({ cwd: '/', explicit: root, env: {} })).toBe(root);
    let error: MlshipError | undefined;
    try {
      findRegistry({ cwd: '/', env: {} });
    } catch (e) {
      error = e as MlshipError;
    }
    expect(error?.code).toBe(ErrorCode.registryNotFound);
    expect(error?.hint).toContain('mlship init');
    expect((await initRegistry({ dir })).created).toBe(false);
  });
});
