import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadYamlDocument, parseYamlDocument } from './yaml-document.js';

const schema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false };

describe('parseYamlDocument', () => {
  it('parses YAML and JSON and checks them against the schema', () => {
    expect(parseYamlDocument('name: iris\n', schema)).toEqual({ value: { name: 'iris' }, errors: [], warnings: [] });
    expect(parseYamlDocument('{"name": "iris"}', schema).value).toEqual({ name: 'iris' });
    expect(parseYamlDocument('name: 3\nextra: 1\n', schema).errors).toEqual(['(root): unknown property "extra"', '/name: must be string']);
  });

  it('returns parse errors (duplicate keys are one) instead of throwing', () => {
    expect(parseYamlDocument('name: [iris\n', schema).errors).toEqual(['YAML does not parse: Flow sequence in block collection must be sufficiently indented and end with a ]']);
    expect(parseYamlDocument('name: iris\nname: setosa\n', schema)).toEqual({ value: undefined, errors: ['YAML does not parse: Map keys must be unique'], warnings: [] });
  });

  it('names an empty document with emptyError, else checks it like any value', () => {
    expect(parseYamlDocument('# nothing\n', schema, { emptyError: 'the spec is empty' }).errors).toEqual(['the spec is empty']);
    expect(parseYamlDocument('', schema).errors).toEqual(['(root): must be object']);
  });
});

describe('loadYamlDocument', () => {
  it('reads the file; an unreadable one is a coded error with the action', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mlship-yaml-'));
    await writeFile(join(dir, 'ok.yaml'), 'name: iris\n');
    expect((await loadYamlDocument(join(dir, 'ok.yaml'), schema, { action: 'cannot read the spec' })).value).toEqual({ name: 'iris' });
    await expect(loadYamlDocument(join(dir, 'missing.yaml'), schema, { action: 'cannot read the spec' })).rejects.toMatchObject({
      code: 'MLSHIP_E_FILE_NOT_FOUND',
      message: `cannot read the spec: no such file: ${join(dir, 'missing.yaml')}`,
    });
  });
});
