import { spawn } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { ErrorCode, digestOf } from '@mlship/core';
import { exportArtifacts, importArchive } from './archive.js';
import { extractArtifact } from './files.js';
import { gcRegistry } from './gc.js';
import { blobPath } from './layout.js';
import { putArtifact } from './put.js';
import { pushArtifact } from './remote/push.js';
import { caught } from '@mlship/test-utils';
import { tempRegistry } from './test-helpers.js';
import { verifyRegistry } from './verify.js';

const writerScript = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'registry-writer.mjs');

describe('hardening', () => {
  let reg: Awaited<ReturnType<typeof tempRegistry>>;
  beforeEach(async () => {
    reg = await tempRegistry();
  });
  afterEach(() => reg.cleanup());

  it('verify reports no false damage while another process keeps committing versions', async () => {
    const writer = spawn(process.execPath, [writerScript, reg.root, 'busy', '0', '40', '2048'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => writer.on('close', resolve));
    let running = true;
    void exited.then(() => (running = false));
    const reports = [];
    while (running) reports.push(await verifyRegistry({ registry: reg.root }));
    reports.push(await verifyRegistry({ registry: reg.root }));
    expect(reports.length).toBeGreaterThan(1);
    expect(reports.flatMap((report) => report.problems)).toEqual([]);
  }, 60_000);

  it('gc refuses to run on a manifest that fails its integrity check instead of deleting what it names', async () => {
    const stored = await putArtifact({ registry: reg.root, kind: 'models', name: 'm', files: [{ name: 'f', data: 'keep me' }], git: null });
    const path = blobPath(reg.root, stored.digest);
    const text = await readFile(path, 'utf8');
    const layerHex = stored.files[0]!.digest.slice(7);
    // Still valid JSON, but a layer digest changed: the real layer would look unreferenced.
    await writeFile(path, text.replace(layerHex, `${layerHex[0] === 'a' ? 'b' : 'a'}${layerHex.slice(1)}`));
    const refused = await caught(gcRegistry({ registry: reg.root }));
    expect(refused.code).toBe(ErrorCode.registryCorrupt);
    expect(refused.message).toContain("integrity check failed");
    await expect(readFile(blobPath(reg.root, stored.files[0]!.digest), 'utf8')).resolves.toBe('keep me');
  });

  it('refuses to import an artifact whose file names would climb out of a target directory', async () => {
    const stored = await putArtifact({ registry: reg.root, kind: 'models', name: 'm', files: [{ name: 'f', data: 'x' }], git: null });
    const file = join(reg.dir, 'ok.tar');
    await exportArtifacts({ registry: reg.root, refs: [stored.ref], out: file });
    // Rewrite the manifest inside the archive with a hostile title, with consistent digests.
    const entries: Array<{ name: string; data: Buffer }> = [];
    const extract = tar.extract();
    (await import('node:fs')).createReadStream(file).pipe(extract as unknown as NodeJS.WritableStream);
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      entries.push({ name: entry.header.name, data: Buffer.concat(chunks) });
    }
    const manifestEntry = entries.find((e) => e.name === `blobs/sha256/${stored.digest.slice(7)}`)!;
    const hostile = Buffer.from(manifestEntry.data.toString('utf8').replace('"org.opencontainers.image.title":"f"', '"org.opencontainers.image.title":"../../evil"'));
    const hostileDigest = digestOf(hostile);
    const rebuilt = entries.map((e) =>
      e === manifestEntry
        ? { name: `blobs/sha256/${hostileDigest.slice(7)}`, data: hostile }
        : e.name === 'index.json'
          ? { name: e.name, data: Buffer.from(e.data.toString('utf8').replace(stored.digest, hostileDigest).replace(/"size": \d+/, `"size": ${hostile.length}`)) }
          : e,
    );
    const pack = tar.pack();
    for (const e of rebuilt) pack.entry({ name: e.name }, e.data);
    pack.finalize();
    const bad = join(reg.dir, 'bad.tar');
    await pipeline(pack as unknown as AsyncIterable<Buffer>, createWriteStream(bad));
    const other = await tempRegistry();
    try {
      const error = await caught(importArchive({ registry: other.root, file: bad }));
      expect(error.code).toBe(ErrorCode.unsafeArchive);
      expect(error.message).toContain('../../evil');
    } finally {
      await other.cleanup();
    }
  });

  it('never writes a file through a symbolic link out of the output directory', async () => {
    await putArtifact({ registry: reg.root, kind: 'models', name: 'm', files: [{ name: 'link/evil.txt', data: 'x' }], git: null });
    const out = join(reg.dir, 'out');
    const outside = join(reg.dir, 'outside');
    await mkdir(out, { recursive: true });
    await mkdir(outside, { recursive: true });
    await symlink(outside, join(out, 'link'));
    const error = await caught(extractArtifact({ registry: reg.root, ref: 'models/m', outDir: out }));
    expect(error.code).toBe(ErrorCode.unsafeArchive);
    await expect(readFile(join(outside, 'evil.txt'))).rejects.toThrow();
  });

  it('exports to a missing directory with a coded error and no stray file', async () => {
    await putArtifact({ registry: reg.root, kind: 'models', name: 'm', files: [{ name: 'f', data: 'x' }], git: null });
    const error = await caught(exportArtifacts({ registry: reg.root, refs: ['models/m'], out: join(reg.dir, 'no', 'such', 'dir', 'x.tar') }));
    expect(error.code).toBe(ErrorCode.fileNotFound);
  });

  it('sends credentials only to the registry, never to another origin named in a Location header', async () => {
    await putArtifact({ registry: reg.root, kind: 'models', name: 'm', files: [{ name: 'f', data: 'x' }], git: null });
    const seen: Array<{ server: string; authorization: string | undefined }> = [];
    const collector = createServer((request, response) => {
      seen.push({ server: 'other', authorization: request.headers.authorization });
      request.resume();
      request.on('end', () => response.writeHead(201).end());
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const otherPort = (collector.address() as { port: number }).port;
    // A registry that demands Basic auth, then hands out an upload location on another origin.
    const registry = createServer((request, response) => {
      seen.push({ server: 'registry', authorization: request.headers.authorization });
      if (!request.headers.authorization) {
        response.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end();
      } else if (request.method === 'HEAD') {
        response.writeHead(404).end();
      } else if (request.method === 'POST') {
        response.writeHead(202, { location: `http://127.0.0.1:${otherPort}/upload/1` }).end();
      } else {
        request.resume();
        request.on('end', () => response.writeHead(201).end());
      }
    });
    await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
    const port = (registry.address() as { port: number }).port;
    const auth = join(reg.dir, 'auth.json');
    await writeFile(auth, JSON.stringify({ auths: { [`127.0.0.1:${port}`]: { auth: Buffer.from('u:secret').toString('base64') } } }));
    try {
      await pushArtifact({ registry: reg.root, ref: 'models/m', to: `oci://127.0.0.1:${port}/x/y`, insecure: true, env: { HOME: reg.dir, REGISTRY_AUTH_FILE: auth } });
    } finally {
      registry.close();
      collector.close();
    }
    expect(seen.filter((s) => s.server === 'other').length).toBeGreaterThan(0);
    expect(seen.filter((s) => s.server === 'other').every((s) => s.authorization === undefined)).toBe(true);
    expect(seen.some((s) => s.server === 'registry' && s.authorization?.startsWith('Basic '))).toBe(true);
  });
});
