import { readlinkSync } from 'node:fs';
import { writeFile, unlink, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { registryPaths } from './layout.js';
import { withRegistryLock } from './lock.js';
import { putArtifact } from './put.js';
import { tempRegistry } from '../test/temp-registry.js';

describe('the registry lock', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ root, cleanup } = await tempRegistry());
  });
  afterEach(() => cleanup());

  const put = () => putArtifact({ registry: root, kind: 'models', name: 'm', files: [{ name: 'f', data: 'x' }], git: null });
  const leaveLock = (owner: Record<string, unknown>) =>
    writeFile(
      registryPaths(root).lock,
      JSON.stringify({ host: hostname(), pidNamespace: readlinkSync('/proc/self/ns/pid'), processStart: null, nonce: 'left-behind', acquired: Date.now(), ...owner }),
    );

  it('takes over at once a lock whose holder died', async () => {
    await leaveLock({ pid: 2 ** 22 + 12345 }); // above Linux's pid_max: no such process
    const started = Date.now();
    expect((await put()).version).toBe(1);
    expect(Date.now() - started).toBeLessThan(3000);
    await expect(stat(registryPaths(root).lock)).rejects.toThrow(); // released
  });

  it('takes over a lock whose pid now belongs to another process', async () => {
    await leaveLock({ pid: process.pid, processStart: 'not-this-process' });
    expect((await put()).version).toBe(1);
  });

  it('does not judge a holder in another pid namespace (a container) by its pid', async () => {
    await leaveLock({ pid: 2 ** 22 + 12345, pidNamespace: 'pid:[1]' });
    let done = false;
    const pending = put().then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(done).toBe(false); // a fresh lock of a foreign namespace is respected
    await unlink(registryPaths(root).lock);
    await pending;
  });

  it('waits for a live holder and goes on once it releases', async () => {
    await leaveLock({ pid: process.pid, processStart: null });
    let done = false;
    const pending = put().then((result) => {
      done = true;
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(done).toBe(false);
    await unlink(registryPaths(root).lock);
    expect((await pending).version).toBe(1);
  });

  it('refuses to commit when the lock was taken from it', async () => {
    await expect(
      withRegistryLock(root, async (assertHeld) => {
        await leaveLock({ pid: process.pid }); // someone else's lock now
        await assertHeld();
      }),
    ).rejects.toMatchObject({ code: 'MLSHIP_E_LOCK_TIMEOUT' });
    // The other owner's lock was left in place.
    expect((await stat(registryPaths(root).lock)).isFile()).toBe(true);
  });
});
