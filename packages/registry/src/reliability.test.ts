import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { digestFile } from '@mlship/core';
import { extractArtifact } from './files.js';
import { gcRegistry } from './gc.js';
import { listArtifacts, resolveRef } from './resolve.js';
import { tempRegistry } from '../test/temp-registry.js';
import { verifyRegistry } from './verify.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const writerScript = join(packageDir, 'test', 'registry-writer.mjs');

interface Reported {
  ref: string;
  digest: string;
  fileDigest: string;
}

/** Starts a writer process; `reported` collects the versions it says it committed. */
function startWriter(root: string, name: string, worker: number, count: number, bytes: number) {
  const child = spawn(process.execPath, [writerScript, root, name, String(worker), String(count), String(bytes)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const reported: Reported[] = [];
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let buffered = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      if (!line.trim()) continue;
      const parsed = JSON.parse(line) as Reported | { ready: true };
      if ('ready' in parsed) markReady();
      else reported.push(parsed);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      markReady();
      resolve({ code, signal });
    }),
  );
  return { child, reported, ready, exited, stderr: () => stderr };
}

/** Every reported version resolves to the reported digest and its file hashes as the writer said. */
async function expectReportedIntact(root: string, dir: string, reported: Reported[]): Promise<void> {
  for (const [position, item] of reported.entries()) {
    const artifact = await resolveRef(root, item.ref);
    expect(artifact.digest).toBe(item.digest);
    const out = join(dir, 'readback', String(position));
    const { files } = await extractArtifact({ registry: root, ref: item.ref, outDir: out });
    expect((await digestFile(files[0]!.path)).digest).toBe(item.fileDigest);
  }
}

describe('reliability under concurrent and killed writers', () => {
  beforeAll(() => {
    if (!existsSync(join(packageDir, 'dist', 'index.js'))) throw new Error('run `pnpm run build` before the tests');
  });

  it('8 processes writing 20 versions each of one name end with versions 1..160 and a clean verify', async () => {
    const { root, dir, cleanup } = await tempRegistry();
    try {
      const writers = Array.from({ length: 8 }, (_, worker) => startWriter(root, 'contended', worker, 20, 4096));
      const results = await Promise.all(writers.map((w) => w.exited));
      results.forEach((result, worker) => expect({ worker, ...result, stderr: writers[worker]!.stderr() }).toEqual({ worker, code: 0, signal: null, stderr: '' }));

      const versions = (await listArtifacts(root, { kind: 'models', name: 'contended' })).map((row) => row.version);
      expect(versions).toEqual(Array.from({ length: 160 }, (_, i) => i + 1));
      const reported = writers.flatMap((w) => w.reported);
      expect(new Set(reported.map((r) => r.ref)).size).toBe(160);
      expect(new Set(reported.map((r) => r.digest)).size).toBe(160);
      const report = await verifyRegistry({ registry: root });
      expect(report.problems).toEqual([]);
      expect(report.manifestsChecked).toBe(160);
      await expectReportedIntact(root, dir, reported.filter((_, i) => i % 10 === 0));
    } finally {
      await cleanup();
    }
  }, 180_000);

  it('writers killed with SIGKILL at random moments (60 kills) leave a store that verifies clean', async () => {
    const { root, dir, cleanup } = await tempRegistry();
    try {
      const reported: Reported[] = [];
      let kills = 0;
      let round = 0;
      while (kills < 60) {
        // Two writers at once, so kills also land while another process waits for or holds the lock.
        const writers = [0, 1].map((slot) => startWriter(root, `crash-${round % 3}`, round * 2 + slot, 50, 64 * 1024 + ((round * 7919) % 200_000)));
        // Kill at a random moment among the puts: after each writer has committed 0-2 versions (however
        // slow the machine is), plus a random delay that lands anywhere in the next put.
        await Promise.all(writers.map((w) => w.ready));
        const targets = writers.map(() => Math.floor(Math.random() * 3));
        const deadline = Date.now() + 30_000;
        while (writers.some((w, i) => w.reported.length < targets[i]! && w.child.exitCode === null) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 120)));
        for (const writer of writers) {
          if (writer.child.exitCode === null) {
            writer.child.kill('SIGKILL');
            kills += 1;
          }
        }
        await Promise.all(writers.map((w) => w.exited));
        for (const writer of writers) reported.push(...writer.reported);
        round += 1;
      }
      expect(kills).toBeGreaterThanOrEqual(50);
      expect(reported.length).toBeGreaterThan(20); // kills landed among completed puts, not only at start-up

      const before = await verifyRegistry({ registry: root });
      expect(before.problems).toEqual([]);
      await expectReportedIntact(root, dir, reported);
      // Crashes leave orphan blobs and temp files; gc removes them and the store stays whole.
      await gcRegistry({ registry: root });
      const after = await verifyRegistry({ registry: root });
      expect(after.problems).toEqual([]);
      await expectReportedIntact(root, dir, reported.slice(-10));
      // Versions are dense per name even though writers died mid-put.
      for (const name of ['crash-0', 'crash-1', 'crash-2']) {
        const versions = (await listArtifacts(root, { kind: 'models', name })).map((row) => row.version);
        expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
      }
    } finally {
      await cleanup();
    }
  }, 400_000);
});
