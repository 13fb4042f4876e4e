import { execFileSync, spawn } from 'node:child_process';
import { mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { ErrorCode, digestOf, type Digest } from '@mlship/core';
import { exportArtifacts, importArchive } from './archive.js';
import { extractArtifact } from './files.js';
import { gcRegistry } from './gc.js';
import { hasBlob } from './blobs.js';
import { imageParents } from './image-version.js';
import { blobPath } from './layout.js';
import { renderLineageDot, renderLineageMermaid, type LineageNode } from './lineage.js';
import { withRegistryLock } from './lock.js';
import { Annotation, ImageLabel, MediaType } from './media-types.js';
import { putArtifact } from './put.js';
import { pullArtifact } from './remote/pull.js';
import { pushArtifact } from './remote/push.js';
import { listArtifacts, resolveRef } from './resolve.js';
import { caught } from '@mlship/test-utils';
import type { Descriptor } from '@mlship/oci';
import { tempRegistry } from '../test/temp-registry.js';
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

/** One version to write into a hand-made OCI layout: an mlship artifact, or (`image`) a container image. */
interface CraftedVersion {
  kind?: string;
  name: string;
  version: number | string;
  parents?: Array<{ ref: string; digest: Digest }>;
  data?: string;
  image?: boolean;
}

/** The blobs and the index entry of a crafted version, with consistent digests (what a hostile exporter can make). */
function craftVersion(version: CraftedVersion): { entry: Descriptor; blobs: Buffer[] } {
  const kind = version.kind ?? (version.image ? 'images' : 'models');
  const layer = Buffer.from(version.data ?? 'payload');
  const config = Buffer.from(
    JSON.stringify(
      version.image
        ? { architecture: 'amd64', os: 'linux' }
        : { schemaVersion: 1, kind, name: version.name, version: Number(version.version), created: '2026-01-01T00:00:00.000Z', contentDigest: digestOf(layer), parents: version.parents ?? [] },
    ),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.imageManifest,
      ...(version.image ? {} : { artifactType: `application/vnd.mlship.model.v1` }),
      config: { mediaType: version.image ? MediaType.imageConfig : MediaType.metadata, digest: digestOf(config), size: config.length },
      layers: [{ mediaType: MediaType.file, digest: digestOf(layer), size: layer.length, annotations: { [Annotation.title]: 'f' } }],
    }),
  );
  const entry: Descriptor = {
    mediaType: MediaType.imageManifest,
    digest: digestOf(manifest),
    size: manifest.length,
    annotations: {
      [Annotation.refName]: `${kind}/${version.name}:${version.version}`,
      [Annotation.kind]: kind,
      [Annotation.name]: version.name,
      [Annotation.version]: String(version.version),
    },
  };
  return { entry, blobs: [layer, config, manifest] };
}

/** Writes an OCI layout tarball holding `versions` (and `extra` loose blobs), gzip-compressed when asked. */
async function writeLayout(path: string, versions: CraftedVersion[], options: { extra?: Buffer[]; gzip?: boolean } = {}): Promise<void> {
  const crafted = versions.map(craftVersion);
  const pack = tar.pack();
  pack.entry({ name: 'oci-layout' }, '{"imageLayoutVersion":"1.0.0"}');
  for (const blob of [...crafted.flatMap((c) => c.blobs), ...(options.extra ?? [])]) pack.entry({ name: `blobs/sha256/${digestOf(blob).slice(7)}` }, blob);
  pack.entry({ name: 'index.json' }, JSON.stringify({ schemaVersion: 2, manifests: crafted.map((c) => c.entry) }));
  pack.finalize();
  const streams: NodeJS.ReadWriteStream[] = options.gzip ? [createGzip()] : [];
  await pipeline(pack as unknown as AsyncIterable<Buffer>, ...(streams as []), createWriteStream(path));
}

/** A minimal OCI distribution server answering manifest and blob GETs from a map; anything else is a 404 echoing the name. */
async function serveBlobs(documents: Map<string, { bytes: Buffer; type?: string }>): Promise<{ host: string; close: () => void }> {
  const server = createServer((request, response) => {
    const match = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(request.url ?? '');
    const found = match ? documents.get(match[3]!) : undefined;
    if (!found) {
      const name = match?.[1] ?? '';
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: `repository ${name} not known to registry`, detail: { name } }] }));
      return;
    }
    response.writeHead(200, { 'content-type': found.type ?? 'application/octet-stream', 'docker-content-digest': digestOf(found.bytes) });
    response.end(found.bytes);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { host: `127.0.0.1:${(server.address() as { port: number }).port}`, close: () => server.close() };
}

/** Settles with `promise`, or fails after `ms` (a call that never returns fails the test rather than hanging it). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error(`${what} did not finish within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('hostile-user probe (issue 13)', () => {
  let reg: Awaited<ReturnType<typeof tempRegistry>>;
  beforeEach(async () => {
    reg = await tempRegistry();
  });
  afterEach(() => reg.cleanup());
  const MAX_VERSION = 2 ** 31 - 1;

  it.each([[9007199254740991], [MAX_VERSION + 1]])('refuses to import version %d, past the highest a ref can name', async (version) => {
    const file = join(reg.dir, 'big.tar');
    await writeLayout(file, [{ name: 'm', version }]);
    const error = await caught(importArchive({ registry: reg.root, file }));
    expect(error.code).toBe(ErrorCode.unsafeArchive);
    expect(await listArtifacts(reg.root)).toEqual([]);
  });

  it('refuses a put that would number a version past 2^31-1, instead of reusing a number', async () => {
    const file = join(reg.dir, 'max.tar');
    await writeLayout(file, [{ name: 'm', version: MAX_VERSION }]);
    expect((await importArchive({ registry: reg.root, file })).added).toEqual([`models/m:${MAX_VERSION}`]);
    const error = await caught(putArtifact({ registry: reg.root, kind: 'models', name: 'm', files: [{ name: 'f', data: 'next' }], git: null }));
    expect(error.code).toBe(ErrorCode.conflict);
    expect(error.message).toContain(String(MAX_VERSION));
    expect((await listArtifacts(reg.root)).map((row) => row.ref)).toEqual([`models/m:${MAX_VERSION}`]);
  });

  it('verify reports a ref that the index names twice', async () => {
    await putArtifact({ registry: reg.root, kind: 'models', name: 'm', files: [{ name: 'f', data: 'a' }], git: null });
    await putArtifact({ registry: reg.root, kind: 'models', name: 'm', files: [{ name: 'f', data: 'b' }], git: null });
    const indexPath = join(reg.root, 'index.json');
    const index = JSON.parse(await readFile(indexPath, 'utf8')) as { manifests: Descriptor[] };
    // The second version's entry claims the first one's number (what 2^53 arithmetic produced).
    index.manifests[1]!.annotations![Annotation.version] = '1';
    index.manifests[1]!.annotations![Annotation.refName] = 'models/m:1';
    await writeFile(indexPath, JSON.stringify(index));
    const report = await verifyRegistry({ registry: reg.root });
    expect(report.ok).toBe(false);
    expect(report.problems.filter((p) => p.problem === 'duplicate-ref')).toEqual([expect.objectContaining({ ref: 'models/m:1' })]);
  });

  it.each<[string, CraftedVersion]>([
    ['an image named ../../etc', { name: '../../etc', version: 1, image: true }],
    ['a 5,000-character name', { name: 'a'.repeat(5000), version: 1 }],
    ['an image name with terminal escape codes', { name: 'ok\u001b]0;pwned\u0007\u001b[2J', version: 1, image: true }],
    ['a parent ref holding DOT statements', { name: 'm', version: 1, parents: [{ ref: 'datasets/d:1"]; evil [URL="javascript:alert(1)"]; "x', digest: digestOf('p') }] }],
    ['a parent ref holding a Mermaid click', { name: 'm', version: 1, parents: [{ ref: 'datasets/d:1"]\n  click n1 "javascript:alert(1)"\n  x["', digest: digestOf('p') }] }],
  ])('refuses to import %s, with a short message free of control characters', async (_what, version) => {
    const file = join(reg.dir, 'names.tar');
    await writeLayout(file, [version]);
    const error = await caught(importArchive({ registry: reg.root, file }));
    expect(error.code).toBe(ErrorCode.unsafeArchive);
    expect(error.message.length).toBeLessThan(400);
    expect([...error.message].filter((character) => character.charCodeAt(0) < 0x20 || character.charCodeAt(0) === 0x7f)).toEqual([]);
    expect(await listArtifacts(reg.root)).toEqual([]);
  });

  it('refuses to pull a version with a hostile name, version or parent ref', async () => {
    for (const version of [
      { name: 'a'.repeat(5000), version: 1 },
      { name: 'm', version: 9007199254740991 },
      { name: 'm', version: 1, parents: [{ ref: 'datasets/d:1"]; evil [URL="javascript:alert(1)"]', digest: digestOf('p') }] },
    ]) {
      const { entry, blobs } = craftVersion(version);
      const documents = new Map<string, { bytes: Buffer; type?: string }>(blobs.map((bytes) => [digestOf(bytes), { bytes }]));
      documents.set('1', { bytes: blobs[2]!, type: MediaType.imageManifest });
      const server = await serveBlobs(documents);
      try {
        const error = await caught(pullArtifact({ registry: reg.root, from: `oci://${server.host}/x/m:1`, insecure: true, env: { HOME: reg.dir } }));
        expect(error.code).toBe(ErrorCode.unsafeArchive);
        expect(entry.digest).toBe(digestOf(blobs[2]!));
      } finally {
        server.close();
      }
    }
    expect(await listArtifacts(reg.root)).toEqual([]);
  });

  it('escapes lineage labels in DOT and Mermaid, so no statement can be injected', () => {
    const tree: LineageNode = {
      ref: 'models/m:1',
      digest: digestOf('child'),
      parents: [
        { ref: 'datasets/d:1"]; evil [URL="javascript:alert(1)"]; "\\', digest: digestOf('a'), missing: true, parents: [] },
        { ref: 'datasets/e:1"]\n  click n1 "javascript:alert(1)"\n  x["<b>', digest: digestOf('b'), missing: true, parents: [] },
      ],
    };
    const dot = renderLineageDot(tree).split('\n');
    expect(dot).toHaveLength(3 + 3 + 2 + 1);
    for (const line of dot.slice(3, -1)) {
      expect(line).toMatch(/^ {2}"[0-9a-f]{12}" (\[label="[^"\\\n]*\\n[0-9a-f]{12}"(, style=dashed)?\]|-> "[0-9a-f]{12}");$/);
    }
    const mermaid = renderLineageMermaid(tree).split('\n');
    expect(mermaid).toHaveLength(1 + 3 + 2);
    for (const line of mermaid.slice(1)) expect(line).toMatch(/^ {2}n[0-9a-f]{12}(\["[^"<>\n]*<br\/>[0-9a-f]{12}"\]| --> n[0-9a-f]{12})$/);
    // An image's parent comes from its config labels: a ref that is no version ref is not a parent.
    expect(imageParents({ [ImageLabel.modelRef]: 'models/m:1"]; evil', [ImageLabel.modelDigest]: digestOf('m') })).toEqual([]);
    expect(imageParents({ [ImageLabel.modelRef]: 'models/m:1', [ImageLabel.modelDigest]: digestOf('m') })).toHaveLength(1);
  });

  it('stops an import that expands past maxBytes, and leaves none of its blobs behind', async () => {
    const file = join(reg.dir, 'bomb.tar.gz');
    await writeLayout(file, [], { extra: [Buffer.alloc(100 << 20)], gzip: true });
    expect((await stat(file)).size).toBeLessThan(200_000);
    const error = await caught(importArchive({ registry: reg.root, file, maxBytes: 10 << 20 }));
    expect(error.code).toBe(ErrorCode.unsafeArchive);
    expect(error.message).toContain('10485760');
    expect((await readdir(join(reg.root, 'blobs', 'sha256'))).filter((name) => !name.startsWith('.tmp-'))).toEqual([]);
  });

  it('removes the blobs an import wrote that no imported version references', async () => {
    const kept = await putArtifact({ registry: reg.root, kind: 'models', name: 'k', files: [{ name: 'f', data: 'already here' }], git: null });
    const file = join(reg.dir, 'loose.tar.gz');
    const loose = Buffer.alloc(1 << 20, 1);
    await writeLayout(file, [{ name: 'm', version: 1 }], { extra: [loose, Buffer.from('already here')], gzip: true });
    const result = await importArchive({ registry: reg.root, file });
    expect(result.added).toEqual(['models/m:1']);
    expect(await hasBlob(reg.root, digestOf(loose))).toBe(false);
    expect(await hasBlob(reg.root, kept.files[0]!.digest)).toBe(true); // was here before: not the import's to remove
    expect((await verifyRegistry({ registry: reg.root })).ok).toBe(true);
  });

  it('refuses an import that names one ref twice with different content', async () => {
    const file = join(reg.dir, 'twice.tar');
    await writeLayout(file, [
      { name: 'm', version: 1, data: 'first' },
      { name: 'm', version: 1, data: 'second' },
    ]);
    const error = await caught(importArchive({ registry: reg.root, file }));
    expect(error.code).toBe(ErrorCode.conflict);
    expect(error.message).toContain('models/m:1');
    expect(await listArtifacts(reg.root)).toEqual([]);
  });

  it('says a FIFO is not a regular file (not "a directory")', async () => {
    const fifo = join(reg.dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const error = await caught(putArtifact({ registry: reg.root, kind: 'models', name: 'm', files: [{ path: fifo }], git: null }));
    expect(error.code).toBe(ErrorCode.usage);
    expect(error.message).toContain('not a regular file');
    expect(error.message).not.toContain('directory');
  });

  it('stores the real content of a procfs file that reports a size of 0', async () => {
    const path = '/proc/self/environ';
    expect((await stat(path)).size).toBe(0);
    const stored = await putArtifact({ registry: reg.root, kind: 'models', name: 'env', files: [{ path }], git: null });
    const expected = await readFile(path);
    expect(expected.length).toBeGreaterThan(0);
    expect(stored.files[0]).toMatchObject({ size: expected.length, digest: digestOf(expected) });
  });

  it('gc --dry-run reports without waiting for the write lock', async () => {
    await putArtifact({ registry: reg.root, kind: 'models', name: 'm', files: [{ name: 'f', data: 'x' }], git: null });
    let release!: () => void;
    let locked!: () => void;
    const isLocked = new Promise<void>((done) => (locked = done));
    const holder = withRegistryLock(reg.root, () => {
      locked();
      return new Promise<void>((done) => (release = done));
    });
    await isLocked;
    try {
      const report = await within(gcRegistry({ registry: reg.root, dryRun: true }), 5_000, 'gc --dry-run');
      expect(report).toMatchObject({ dryRun: true, removed: [] });
    } finally {
      release();
      await holder;
    }
  });

  it('cuts names the OCI remote echoes in an error to a short bound', async () => {
    const server = await serveBlobs(new Map());
    try {
      const long = `x/${'a'.repeat(16_000)}`;
      const error = await caught(pullArtifact({ registry: reg.root, from: `oci://${server.host}/${long}:1`, insecure: true, env: { HOME: reg.dir } }));
      expect(error.code).toBe(ErrorCode.remote);
      expect(error.message.length).toBeLessThan(500);
      expect(error.message).toContain('…');
    } finally {
      server.close();
    }
  });

  it('fails with a coded error for an output path under /proc, instead of spinning', async () => {
    await putArtifact({ registry: reg.root, kind: 'models', name: 'm', files: [{ name: 'f', data: 'x' }], git: null });
    const error = await caught(within(extractArtifact({ registry: reg.root, ref: 'models/m', outDir: '/proc/self/out' }), 5_000, 'registry get'));
    expect(error.code).toMatch(/^MLSHIP_E_/);
    expect(error.message).toContain('/proc/self/out');
  }, 10_000);

  it('makes versioned files under the lock with the version they belong to, counted in the content digest', async () => {
    for (const expected of [1, 2]) {
      const stored = await putArtifact({
        registry: reg.root,
        kind: 'models',
        name: 'carded',
        files: [{ name: 'model.onnx', data: 'weights' }],
        git: null,
        versionedFiles: ({ version, ref, filesDigest }) => [{ name: 'card.json', data: JSON.stringify({ version, ref, filesDigest }) }],
      });
      expect(stored.version).toBe(expected);
      expect(stored.files.map((file) => file.name)).toEqual(['model.onnx', 'card.json']);
      const out = join(reg.dir, `out${expected}`);
      await extractArtifact({ registry: reg.root, ref: stored.ref, outDir: out });
      expect(JSON.parse(await readFile(join(out, 'card.json'), 'utf8'))).toEqual({ version: expected, ref: `models/carded:${expected}`, filesDigest: expect.stringMatching(/^sha256:/) });
      expect((await resolveRef(reg.root, stored.ref)).metadata.contentDigest).toBe(stored.contentDigest);
    }
    const clash = await caught(putArtifact({ registry: reg.root, kind: 'models', name: 'carded', files: [{ name: 'a', data: 'x' }], git: null, versionedFiles: () => [{ name: 'a', data: 'y' }] }));
    expect(clash.code).toBe(ErrorCode.usage);
  });

  it('records no credentials of a git remote a caller passes', async () => {
    const stored = await putArtifact({
      registry: reg.root,
      kind: 'models',
      name: 'm',
      files: [{ name: 'f', data: 'x' }],
      git: { commit: 'abc', branch: 'main', dirty: false, remote: 'https://alice:p@ssw0rd-SECRET@host.example/repo.git?token=t0ken#frag' },
    });
    const { metadata } = await resolveRef(reg.root, stored.ref);
    expect(metadata.git).toEqual({ commit: 'abc', branch: 'main', dirty: false, remote: 'https://host.example/repo.git' });
  });
});

