import { ErrorCode, ExitCode } from '@mlship/core';
import { caught } from '@mlship/test-utils';
import { tagArtifact } from './aliases.js';
import { ImageLabel } from './media-types.js';
import { putArtifact } from './put.js';
import { putImage } from './put-image.js';
import { listArtifacts, resolveRef } from './resolve.js';
import { assertUsable, StatusErrorCode, versionStatus } from './version-status.js';
import { tempRegistry } from '../test/temp-registry.js';
import { writeTestImage } from '../test/oci-images.js';

describe('version status guardrails', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ root, cleanup } = await tempRegistry());
  });
  afterEach(() => cleanup());

  const put = (kind: 'datasets' | 'models' | 'packages', name: string, content: string, extra: { status?: 'ok' | 'failed'; parents?: string[]; metrics?: Record<string, unknown> } = {}) =>
    putArtifact({ registry: root, kind, name, files: [{ name: 'file.bin', data: content }], git: null, ...extra });

  it('refuses a failed version with MLSHIP_E_VERSION_FAILED (exit 1) unless allowed; ok and unmarked versions pass', () => {
    const failed = { ref: 'models/iris:2', metadata: { status: 'failed' as const } };
    const error = (() => {
      try {
        assertUsable(failed, { action: 'package' });
      } catch (thrown) {
        return thrown as { code: string; exitCode: number; message: string; hint: string };
      }
      return undefined;
    })();
    expect(error).toMatchObject({ code: 'MLSHIP_E_VERSION_FAILED', exitCode: ExitCode.checkFailed, message: 'models/iris:2 is marked failed; refusing to package it' });
    expect(error?.hint).toContain('--allow-failed');
    expect(error?.hint).toContain('mlship registry list models/iris');
    expect(StatusErrorCode.failed).toBe('MLSHIP_E_VERSION_FAILED');
    expect(assertUsable(failed, { action: 'package', allowFailed: true })).toBe('failed');
    expect(assertUsable({ ref: 'models/iris:1', metadata: { status: 'ok' } }, { action: 'serve' })).toBe('ok');
    expect(assertUsable({ ref: 'models/iris:1', metadata: {} }, { action: 'serve' })).toBe('ok');
    expect(versionStatus({})).toBe('ok');
  });

  it('tag refuses a failed version unless allowFailed, and leaves the index as it was', async () => {
    await put('models', 'iris', 'good', { status: 'ok' });
    await put('models', 'iris', 'bad', { status: 'failed' });
    const error = await caught(tagArtifact({ registry: root, ref: 'models/iris:2', alias: 'production' }));
    expect(error).toMatchObject({ code: StatusErrorCode.failed, exitCode: ExitCode.checkFailed });
    expect((await resolveRef(root, 'models/iris:2')).aliases).toEqual([]);
    expect((await tagArtifact({ registry: root, ref: 'models/iris:1', alias: 'production' })).ref).toBe('models/iris:1');
    const forced = await tagArtifact({ registry: root, ref: 'models/iris:2', alias: 'staging', allowFailed: true });
    expect(forced.ref).toBe('models/iris:2');
  });

  it('marks what derives from a failed version failed, whatever the caller says', async () => {
    await put('models', 'iris', 'bad', { status: 'failed' });
    await put('datasets', 'iris', 'rows');
    const child = await put('models', 'iris-int8', 'smaller', { status: 'ok', parents: ['models/iris:1', 'datasets/iris:1'] });
    expect(child).toMatchObject({ status: 'failed', failedParents: ['models/iris:1'], reused: false });
    expect((await resolveRef(root, child.ref)).metadata.status).toBe('failed');
    const grandchild = await put('packages', 'iris', 'bundle', { parents: [child.ref] });
    expect(grandchild).toMatchObject({ status: 'failed', failedParents: ['models/iris-int8:1'] });
    const clean = await put('models', 'other', 'fine', { status: 'ok', parents: ['datasets/iris:1'] });
    expect(clean).toMatchObject({ status: 'ok', failedParents: [] });
  });

  it('reads an image status from its config label, and an image of a failed model is refused', async () => {
    const model = await put('models', 'iris', 'bad', { status: 'failed' });
    const image = await writeTestImage(root, { model, labels: { [ImageLabel.status]: 'failed' } });
    const stored = await putImage({ registry: root, name: 'iris', manifest: image.descriptor });
    const version = await resolveRef(root, stored.ref);
    expect(version.metadata.status).toBe('failed');
    expect((await caught(tagArtifact({ registry: root, ref: stored.ref, alias: 'production' }))).code).toBe(StatusErrorCode.failed);
    const plain = await writeTestImage(root, { content: 'other' });
    expect((await resolveRef(root, (await putImage({ registry: root, name: 'plain', manifest: plain.descriptor })).ref)).metadata.status).toBe('ok');
  });

  it('lists status and a model\'s scalar metrics with details, and reads no blob without', async () => {
    await put('datasets', 'iris', 'rows', { metrics: { rows: 150 } });
    await put('models', 'iris', 'good', { status: 'ok', metrics: { accuracy: 0.97, f1_macro: 0.96, note: 'text', nested: { a: 1 }, none: null } });
    await put('models', 'iris', 'bad', { status: 'failed', metrics: { accuracy: 0.5 } });
    const rows = await listArtifacts(root, { details: true });
    expect(rows.map((row) => [row.ref, row.status, row.metrics])).toEqual([
      ['datasets/iris:1', 'ok', undefined],
      ['models/iris:1', 'ok', { accuracy: 0.97, f1_macro: 0.96 }],
      ['models/iris:2', 'failed', { accuracy: 0.5 }],
    ]);
    const plain = await listArtifacts(root, { kind: 'models' });
    expect(plain[0]).not.toHaveProperty('status');
    expect(ErrorCode.usage).toBe('MLSHIP_E_USAGE');
  });
});
