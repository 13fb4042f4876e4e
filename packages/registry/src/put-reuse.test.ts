import { ErrorCode } from '@mlship/core';
import { caught } from '@mlship/test-utils';
import { putArtifact, type FileInput } from './put.js';
import { putImage } from './put-image.js';
import { listArtifacts } from './resolve.js';
import { verifyRegistry } from './verify.js';
import { tempRegistry } from '../test/temp-registry.js';
import { writeTestImage } from '../test/oci-images.js';

describe('storing what the latest version already holds', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ root, cleanup } = await tempRegistry());
  });
  afterEach(() => cleanup());

  const put = (name: string, files: FileInput[], extra: Partial<Parameters<typeof putArtifact>[0]> = {}) =>
    putArtifact({ registry: root, kind: 'models', name, files, git: null, reuse: true, ...extra });
  const refs = async () => (await listArtifacts(root)).map((row) => row.ref);

  it('returns the latest version for the same files, parents and status, and stores a new one otherwise', async () => {
    await putArtifact({ registry: root, kind: 'datasets', name: 'd', files: [{ name: 'd.csv', data: 'a\n1\n' }], git: null });
    const first = await put('m', [{ name: 'model.onnx', data: 'w1' }], { parents: ['datasets/d:1'], metrics: { accuracy: 0.9 } });
    expect(first).toMatchObject({ ref: 'models/m:1', reused: false });
    const again = await put('m', [{ name: 'model.onnx', data: 'w1' }], { parents: ['datasets/d:1'], metrics: { accuracy: 0.1 } });
    expect(again).toMatchObject({ ref: 'models/m:1', digest: first.digest, contentDigest: first.contentDigest, reused: true });
    expect(await refs()).toEqual(['datasets/d:1', 'models/m:1']);

    expect((await put('m', [{ name: 'model.onnx', data: 'w2' }], { parents: ['datasets/d:1'] })).ref).toBe('models/m:2');
    expect((await put('m', [{ name: 'model.onnx', data: 'w2' }])).ref).toBe('models/m:3'); // other parents
    expect((await put('m', [{ name: 'model.onnx', data: 'w2' }], { status: 'failed' })).ref).toBe('models/m:4'); // other status
    expect((await put('m', [{ name: 'model.onnx', data: 'w2' }, { name: 'extra.txt', data: 'x' }], { status: 'failed' })).ref).toBe('models/m:5'); // another file
    // Only the latest counts, and reuse is off unless asked for.
    expect((await put('m', [{ name: 'model.onnx', data: 'w1' }], { parents: ['datasets/d:1'] })).ref).toBe('models/m:6');
    const forced = await putArtifact({ registry: root, kind: 'models', name: 'm', files: [{ name: 'model.onnx', data: 'w1' }], parents: ['datasets/d:1'], git: null });
    expect(forced).toMatchObject({ ref: 'models/m:7', reused: false });
    expect((await verifyRegistry({ registry: root })).ok).toBe(true);
  });

  it('compares only the named files, so a report or a versioned model card may differ', async () => {
    const card = (facts: { ref: string; created: string }) => [{ name: 'model-card.md', data: `# ${facts.ref} ${facts.created}` }];
    const files = (report: string) => [
      { name: 'model.onnx', data: 'weights' },
      { name: 'metrics.json', data: report },
    ];
    const reuse = { files: ['model.onnx', 'tfjs/weights.bin'] };
    const first = await put('m', files('{"seconds":1}'), { reuse, versionedFiles: card });
    const second = await put('m', files('{"seconds":2}'), { reuse, versionedFiles: card });
    expect(second).toMatchObject({ ref: first.ref, reused: true, files: first.files });
    const third = await put('m', [{ name: 'model.onnx', data: 'other weights' }], { reuse, versionedFiles: card });
    expect(third).toMatchObject({ ref: 'models/m:2', reused: false });
    expect(await caught(put('m', files('{}'), { versionedFiles: card }))).toMatchObject({ code: ErrorCode.usage });
    expect(await caught(put('m', files('{}'), { reuse: { files: [] } }))).toMatchObject({ code: ErrorCode.usage });
  });

  it('adds an image version equal to the latest only with newVersion', async () => {
    const image = await writeTestImage(root);
    expect(await putImage({ registry: root, name: 'iris', manifest: image.descriptor })).toMatchObject({ version: 1, reused: false });
    expect(await putImage({ registry: root, name: 'iris', manifest: image.descriptor })).toMatchObject({ version: 1, reused: true });
    expect(await putImage({ registry: root, name: 'iris', manifest: image.descriptor, newVersion: true })).toMatchObject({ version: 2, reused: false });
  });
});
