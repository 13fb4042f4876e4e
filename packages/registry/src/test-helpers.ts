import type { MlshipError } from '@mlship/core';
import { makeTempDir } from '@mlship/test-utils';
import { initRegistry } from './layout.js';

/** An empty registry in a temp dir, with git facts switched off for speed and determinism. */
export async function tempRegistry(): Promise<{ root: string; dir: string; cleanup: () => Promise<void> }> {
  const temp = await makeTempDir('mlship-registry-');
  const { registry } = await initRegistry({ dir: temp.dir });
  return { root: registry, dir: temp.dir, cleanup: temp.cleanup };
}

/** The coded error a promise rejects with (fails the test when it resolves). */
export async function caught(promise: Promise<unknown>): Promise<MlshipError> {
  try {
    await promise;
  } catch (error) {
    return error as MlshipError;
  }
  throw new Error('expected a rejection');
}
