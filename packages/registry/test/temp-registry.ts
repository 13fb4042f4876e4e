import { makeTempDir } from '@mlship/test-utils';
import { initRegistry } from '../src/layout.js';

/** An empty registry in a temp dir, with git facts switched off for speed and determinism. */
export async function tempRegistry(): Promise<{ root: string; dir: string; cleanup: () => Promise<void> }> {
  const temp = await makeTempDir('mlship-registry-');
  const { registry } = await initRegistry({ dir: temp.dir });
  return { root: registry, dir: temp.dir, cleanup: temp.cleanup };
}

