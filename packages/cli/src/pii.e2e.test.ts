/** @jest-environment ./packages/onnx/test/main-realm-environment.js */
// Personal data never leaves in an output: a customer table holding e-mail addresses, phone, card and
// ID numbers, IBANs and IP addresses (alone and inside free text; CSV, JSON Lines, Parquet) goes through
// every data command, `data register` + `registry export`, `train` and `serve` with its prediction
// log; every file and every line they write is searched for every flagged value.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expectedPii, makeTempDir, piiNeedles, runMlship, runMlshipJson, startMlshipServe, writePiiTable, type CliResult, type ServingMlship } from '@mlship/test-utils';

const NEEDLES = piiNeedles();
const ROWS = 200;
const EXPECTED = expectedPii(ROWS);

/** The flagged values found in `text` (a file's bytes or a command's output). */
function leaks(text: string | Buffer): string[] {
  const haystack = Buffer.isBuffer(text) ? (text[0] === 0x1f && text[1] === 0x8b ? gunzipSync(text) : text) : Buffer.from(text);
  return NEEDLES.filter((needle) => haystack.includes(needle));
}

const outputOf = (result: CliResult) => `${result.stdout}\n${result.stderr}`;

/** Every file under `dir` whose leaks are not empty, with what leaked. */
async function leakingFiles(dir: string, skip: (name: string) => boolean = () => false): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || skip(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const leaked = leaks(await readFile(path));
    if (leaked.length > 0) found[path] = leaked;
  }
  return found;
}

const sum = (counts: Record<string, number> | undefined) => Object.values(counts ?? {}).reduce((a, b) => a + b, 0);

describe('personal data in every output (built binary)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const mlship = (args: string[]) => runMlship(args, { cwd: dir, timeoutMs: 120_000 });
  const json = (args: string[]) => runMlshipJson(args, { cwd: dir, timeoutMs: 120_000 });
  const servers: ServingMlship[] = [];

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('mlship-pii-'));
    for (const format of ['csv', 'jsonl', 'parquet'] as const) await writePiiTable(join(dir, `customers.${format}`), format, ROWS);
    expect((await mlship(['init'])).exitCode).toBe(0);
  });
  afterAll(async () => {
    for (const server of servers) await server.stop();
    await cleanup();
  });

  it('the corpus itself is found by the detectors (so a search that finds nothing means something)', async () => {
    const validated = await json(['data', 'validate', 'customers.csv', '--schema', await writeLooseSchema()]);
    const counts = Object.fromEntries(validated.data.checks.filter((c: { check: string }) => c.check.startsWith('pii_')).map((c: { check: string; column: string; count: number }) => [`${c.column}:${c.check}`, c.count]));
    const byColumn = (column: string) => Object.entries(counts).filter(([key]) => key.startsWith(`${column}:`)).reduce((total, [, count]) => total + (count as number), 0);
    expect({ notes: byColumn('notes'), contact: byColumn('contact') }).toEqual(EXPECTED);
    // A leak check that cannot fail is no check: the table does hold the needles.
    expect(leaks(await readFile(join(dir, 'customers.csv'))).length).toBeGreaterThan(20);
  });

  async function writeLooseSchema(): Promise<string> {
    const path = join(dir, 'loose.yaml');
    await writeFile(path, 'version: 1\ncolumns:\n  notes: {type: string}\n  contact: {type: string}\n');
    return path;
  }

  it.each(['csv', 'jsonl', 'parquet'])('infer-schema, validate, profile and drift write no flagged value (%s), and count them right', async (format) => {
    const file = `customers.${format}`;
    const out = join(dir, format);
    const inferred = await json(['data', 'infer-schema', file, '--label', 'churned', '--out', `${format}-schema.yaml`]);
    expect(inferred.exitCode).toBe(0);
    expect(inferred.data.schema.columns.notes).toMatchObject({ type: 'string', pii: expect.arrayContaining(['email', 'phone', 'card_number', 'iban', 'ip_address', 'national_id']) });
    expect(inferred.data.schema.columns.notes.categories).toBeUndefined();
    expect(inferred.data.schema.columns.contact).toMatchObject({ pii: expect.any(Array) });
    expect(inferred.data.schema.columns.contact.categories).toBeUndefined();
    expect(inferred.data.schema.columns.segment).toMatchObject({ type: 'category', categories: ['enterprise', 'retail', 'smb'] });
    expect({ notes: sum(inferred.data.pii.notes), contact: sum(inferred.data.pii.contact) }).toEqual(EXPECTED);
    expect(inferred.stderr).toMatch(/column "notes" holds personal data/);

    const validated = await json(['data', 'validate', file, '--schema', `${format}-schema.yaml`, '--report', `${out}-report.html`, '--junit', `${out}-junit.xml`, '--profile-out', `${out}-vprofile.json`]);
    expect(validated.exitCode).toBe(0);
    const profiled = await json(['data', 'profile', file, '--out', `${out}-profile.json`]);
    expect(profiled.exitCode).toBe(0);
    const notes = profiled.data.columns.notes;
    expect(sum(notes.pii)).toBe(EXPECTED.notes);
    expect(notes.topValues.map((v: { value: string }) => v.value)).toEqual(expect.arrayContaining(['<email>']));
    expect(sum(profiled.data.columns.contact.pii)).toBe(EXPECTED.contact);
    const drift = await json(['data', 'drift', file, `${out}-profile.json`, '--fail-on', 'never']);
    expect(drift.exitCode).toBe(0);
    const text = await mlship(['data', 'profile', file]);

    for (const result of [inferred, validated, profiled, drift, text]) expect(leaks(outputOf(result))).toEqual([]);
    expect(await leakingFiles(dir, (name) => name.startsWith('customers.'))).toEqual({});
  });

  it('data register stores a masked copy, so registry export carries no flagged value; --keep-pii stores the original and says so', async () => {
    const registered = await json(['data', 'register', 'customers.csv', '--name', 'customers', '--label', 'churned']);
    expect(registered.exitCode).toBe(0);
    expect(registered.data.dataset.pii).toMatchObject({ masked: true });
    expect({ notes: sum(registered.data.dataset.pii.columns.notes), contact: sum(registered.data.dataset.pii.columns.contact) }).toEqual(EXPECTED);
    expect(registered.stderr).toMatch(/personal data found .*stored a masked copy/);
    const exported = await mlship(['registry', 'export', 'datasets/customers:1', '--out', 'customers.tar']);
    expect(exported.exitCode).toBe(0);
    const tarball = await readFile(join(dir, 'customers.tar'));
    expect(tarball.includes('<email>')).toBe(true);
    expect(leaks(tarball)).toEqual([]);
    const shown = await mlship(['registry', 'show', 'datasets/customers:1']);
    expect(leaks(outputOf(shown))).toEqual([]);

    for (const format of ['jsonl', 'parquet']) {
      const other = await json(['data', 'register', `customers.${format}`, '--name', `customers-${format}`]);
      expect(other.exitCode).toBe(0);
      expect(other.data.dataset.pii.masked).toBe(true);
      const stored = await mlship(['registry', 'get', `datasets/customers-${format}:1`, '--out', `got-${format}`]);
      expect(stored.exitCode).toBe(0);
      expect(await leakingFiles(join(dir, `got-${format}`))).toEqual({});
      // The masked copy still reads as the same table: same rows, same columns.
      const profile = await json(['data', 'profile', join(`got-${format}`, `customers.${format}`)]);
      expect(profile.data.rowCount).toBe(ROWS);
      expect(Object.keys(profile.data.columns)).toEqual(['id', 'age', 'segment', 'notes', 'contact', 'churned']);
    }

    const kept = await json(['data', 'register', 'customers.csv', '--name', 'raw', '--keep-pii']);
    expect(kept.data.dataset.pii).toMatchObject({ masked: false });
    expect(kept.stderr).toMatch(/stored as it is \(--keep-pii\)/);
  });

  it('train leaves personal columns out with a warning naming them, and stores no flagged value in any file (ONNX included); hashBuckets opts a column in without storing it', async () => {
    const trained = await json(['train', '--data', 'customers.csv', '--label', 'churned', '--epochs', '5', '--name', 'churn']);
    expect(trained.exitCode).toBe(0);
    // id is an id (a different integer in every row, named so): listed as excluded, not a feature.
    expect(trained.data.features).toEqual(['age', 'segment']);
    expect(trained.data.columns.find((column: { column: string }) => column.column === 'id')).toMatchObject({ use: 'excluded', type: 'id' });
    // notes is free text, which the default spec leaves out anyway; contact repeats its values, so only the PII rule keeps it out.
    expect(trained.data.warnings.join('\n')).toMatch(/column "contact" holds personal data .*left out/);

    await writeFile(join(dir, 'hashed.yaml'), 'version: 1\nlabel: churned\nexclude: [contact]\npreprocessing:\n  columns:\n    notes: {type: category, hashBuckets: 16}\n');
    const hashed = await json(['train', 'hashed.yaml', '--data', 'datasets/customers:1', '--epochs', '5', '--name', 'churn-hashed']);
    expect(hashed.exitCode).toBe(0);
    expect(hashed.data.features).toEqual(['age', 'segment', 'notes']);

    // From the raw data too (the hashed column sees real values, not placeholders).
    const fromRaw = await json(['train', 'hashed.yaml', '--data', 'customers.jsonl', '--epochs', '5', '--name', 'churn-raw']);
    expect(fromRaw.exitCode).toBe(0);
    for (const result of [trained, hashed, fromRaw]) expect(leaks(outputOf(result))).toEqual([]);
    const exported = await mlship(['registry', 'export', 'models/churn:1', 'models/churn-hashed:1', 'models/churn-raw:1', '--out', 'models.tar']);
    expect(exported.exitCode).toBe(0);
    const tarball = await readFile(join(dir, 'models.tar'));
    expect(tarball.includes('model.onnx')).toBe(true);
    expect(leaks(tarball)).toEqual([]);
    expect((await mlship(['registry', 'get', 'models/churn-raw:1', '--file', 'signature.json', '--out', 'churn-raw'])).exitCode).toBe(0);
    const signature = JSON.parse(await readFile(join(dir, 'churn-raw', 'signature.json'), 'utf8'));
    expect(signature.features.find((f: { name: string }) => f.name === 'notes')).toMatchObject({ kind: 'category', hashBuckets: 16, categories: Array.from({ length: 16 }, (_, i) => String(i)) });

    const label = await mlship(['train', '--data', 'customers.csv', '--label', 'contact', '--epochs', '1']);
    expect(label.exitCode).toBe(2);
    expect(label.stderr).toMatch(/label column "contact" holds personal data/);
    expect(leaks(outputOf(label))).toEqual([]);
  });

  it('serve writes the prediction log masked, and its errors quote no personal data', async () => {
    const logs = join(dir, 'logs');
    const server = await startMlshipServe(['models/churn-raw:1', '--log-dir', logs], { cwd: dir });
    servers.push(server);
    const { url } = server;
    const post = (body: unknown) => fetch(`${url}/v1/models/churn-raw:predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answered = await post({ instances: [{ id: 1, age: 50, segment: 'smb', notes: 'contact jane.doe7@example.org about the renewal' }, { id: 2, age: 30, segment: 'retail', notes: 'card 378282246310005 was declined' }] });
    expect(answered.status).toBe(200);
    const refused = await post({ instances: [{ id: 1, age: 'jane.doe@example.org', segment: 'smb', notes: 'x' }] });
    expect(refused.status).toBe(400);
    const error = await refused.text();
    expect(error).toMatch(/<email>/);
    expect(leaks(error)).toEqual([]);
    await server.stop();
    const logged = (await readdir(logs)).map((name) => join(logs, name));
    const lines = (await Promise.all(logged.map((path) => readFile(path, 'utf8')))).join('');
    expect(lines).toMatch(/"notes":"<email>"/);
    expect(lines).toMatch(/"notes":"<card_number>"/);
    expect(leaks(lines)).toEqual([]);
    expect(leaks(server.stderr())).toEqual([]);
  });
});
