import { formatRef, parseArtifactName, parseRef } from './refs.js';
import { ErrorCode, ExitCode, isMlshipError, MlshipError } from './errors.js';

describe('parseRef', () => {
  it.each([
    ['models/iris', { kind: 'models', name: 'iris', selector: { type: 'latest' } }],
    ['models/iris:3', { kind: 'models', name: 'iris', selector: { type: 'version', version: 3 } }],
    ['datasets/iris-v2.clean@production', { kind: 'datasets', name: 'iris-v2.clean', selector: { type: 'alias', alias: 'production' } }],
    ['models/iris@sha256:abcdef0', { kind: 'models', name: 'iris', selector: { type: 'digest', digest: 'sha256:abcdef0' } }],
  ])('parses %s', (text, expected) => {
    expect(parseRef(text)).toEqual(expected);
    expect(formatRef(parseRef(text))).toBe(text);
  });

  it.each([
    ['iris', 'expected <kind>/<name>'],
    ['/iris', 'expected <kind>/<name>'],
    ['model/iris', 'unknown kind "model"'],
    ['models/Iris', 'bad name'],
    ['models/', 'bad name'],
    ['models/iris:0', 'bad version "0"'],
    ['models/iris:v3', 'bad version "v3"'],
    ['models/iris:99999999999', 'bad version'],
    ['models/iris@3', 'bad alias "3"'],
    ['models/iris@sha256:xyz', 'a digest is sha256:'],
    ['models/iris@sha256:abc', 'a digest is sha256:'],
    ['models/a..b', 'bad name'],
  ])('rejects %s with a coded usage error', (text, why) => {
    let caught: unknown;
    try {
      parseRef(text);
    } catch (error) {
      caught = error;
    }
    expect(isMlshipError(caught)).toBe(true);
    const error = caught as MlshipError;
    expect(error.code).toBe(ErrorCode.invalidRef);
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.message).toContain(why);
    expect(error.hint).toMatch(/models\/iris/);
  });

  it('parseArtifactName refuses a version or alias', () => {
    expect(parseArtifactName('models/iris')).toEqual({ kind: 'models', name: 'iris' });
    expect(() => parseArtifactName('models/iris:2')).toThrow(/without a version/);
  });
});

describe('isMlshipError', () => {
  it('recognises coded errors from another copy of the module by shape', () => {
    const foreign = Object.assign(new Error('x'), { code: 'MLSHIP_E_SOMETHING', exitCode: 2 });
    expect(isMlshipError(foreign)).toBe(true);
    expect(isMlshipError(new Error('plain'))).toBe(false);
    expect(isMlshipError(Object.assign(new Error('x'), { code: 'ENOENT', exitCode: 2 }))).toBe(false);
  });
});
