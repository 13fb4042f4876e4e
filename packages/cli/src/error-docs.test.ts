/**
 * docs/errors.md is generated from the errorCodes({...}) tables, and no error code escapes them:
 * every `MLSHIP_E_…` the runtime code, bin/mlship or a doc names is declared in a table.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@mlship/test-utils';
import { findErrorTables, findExitCodeMismatches, findUndeclaredCodes, renderErrorDocs, runtimeSources } from './error-docs.js';
import { readWorkspace, type SourceText } from './workspace-sources.js';

const example = (text: string) => ({ path: 'packages/x/src/errors.ts', text, packageName: '@mlship/x' });

describe('findErrorTables', () => {
  it('reads code, exit codes and meaning of each entry', () => {
    const { tables, problems } = findErrorTables([
      example(`
        import { errorCodes, ExitCode } from '@mlship/core';
        export const XErrorCode = errorCodes({
          bad: { code: 'MLSHIP_E_X_BAD', exitCode: ExitCode.usage, meaning: 'A bad x.' },
          'gone': { code: 'MLSHIP_E_X_GONE', exitCode: [ExitCode.usage, 3], meaning: \`An x that went away.\` },
        });`),
    ]);
    expect(problems).toEqual([]);
    expect(tables).toEqual([
      {
        name: 'XErrorCode',
        packageName: '@mlship/x',
        path: 'packages/x/src/errors.ts',
        line: 3,
        entries: [
          { key: 'bad', code: 'MLSHIP_E_X_BAD', exitCodes: [2], meaning: 'A bad x.' },
          { key: 'gone', code: 'MLSHIP_E_X_GONE', exitCodes: [2, 3], meaning: 'An x that went away.' },
        ],
      },
    ]);
  });

  it('names entries it cannot read from literals, codes declared twice and tables of one name', () => {
    const { problems } = findErrorTables([
      example(`
        const A = errorCodes({
          one: { code: PREFIX + 'ONE', exitCode: ExitCode.usage, meaning: 'one' },
          two: { code: 'MLSHIP_E_TWO', exitCode: exitOf('two'), meaning: 'two' },
          three: { code: 'MLSHIP_E_THREE', exitCode: 2 },
          ...more,
        });
        const B = errorCodes({ two: { code: 'MLSHIP_E_TWO', exitCode: 2, meaning: 'again' } });
        const C = errorCodes({ four: { code: 'MLSHIP_E_FOUR', exitCode: 2, meaning: 'four' } });
        const D = errorCodes({ five: { code: 'MLSHIP_E_FIVE', exitCode: 2, meaning: 'five' } });`),
      { ...example("const C = errorCodes({ six: { code: 'MLSHIP_E_SIX', exitCode: 2, meaning: 'six' } });"), path: 'packages/y/src/errors.ts' },
    ]);
    expect(problems).toEqual([
      'packages/x/src/errors.ts:2: A: entry one has no string literal code',
      'packages/x/src/errors.ts:2: A: entry two has no exitCode written as ExitCode.<name>, a number, or a list of them',
      'packages/x/src/errors.ts:2: A: entry three has no string literal meaning',
      'packages/x/src/errors.ts:2: A: ...more is not a plain property',
      'two error tables are named C; give each its own name',
    ]);
    expect(findErrorTables([example("const A = errorCodes({ a: { code: 'MLSHIP_E_A', exitCode: 2, meaning: 'a' } }); const B = errorCodes({ b: { code: 'MLSHIP_E_A', exitCode: 2, meaning: 'b' } });")]).problems).toEqual([
      'MLSHIP_E_A is declared twice: in A (packages/x/src/errors.ts) and B (packages/x/src/errors.ts)',
    ]);
  });
});

describe('findUndeclaredCodes and findExitCodeMismatches', () => {
  const { tables } = findErrorTables([
    example(`export const XErrorCode = errorCodes({
      bad: { code: 'MLSHIP_E_X_BAD', exitCode: ExitCode.usage, meaning: 'A bad x.' },
      gone: { code: 'MLSHIP_E_X_GONE', exitCode: [ExitCode.usage, ExitCode.runtime], meaning: 'Gone.' },
    });`),
  ]);

  it('names codes no table declares, in code and comments; a prefix needs a code it starts', () => {
    const texts: SourceText[] = [
      { path: 'a.ts', text: "throw new MlshipError('MLSHIP_E_X_BAD', 'm');\n// see MLSHIP_E_X_OLD and MLSHIP_E_X_… codes\nif (code.startsWith('MLSHIP_E_X_')) {}" },
      { path: 'b.md', text: 'error[MLSHIP_E_Y_] and `MLSHIP_E_X_GONE`' },
    ];
    expect(findUndeclaredCodes(texts, tables)).toEqual(['a.ts:2: MLSHIP_E_X_OLD', 'b.md:1: MLSHIP_E_Y_']);
  });

  it('names errors thrown with an exit code their table does not declare', () => {
    const text = [
      "new MlshipError(XErrorCode.bad, 'm', { exitCode: ExitCode.runtime });",
      "new MlshipError(XErrorCode.bad, 'm', { hint: 'h' });",
      "new MlshipError('MLSHIP_E_X_BAD', 'm', { exitCode: ExitCode.checkFailed });",
      "new MlshipError(XErrorCode.gone, 'm', { exitCode: ExitCode.runtime });",
      "new MlshipError(XErrorCode.bad, 'm', { exitCode });",
      "new MlshipError(code, 'm', { exitCode: ExitCode.runtime });",
    ].join('\n');
    expect(findExitCodeMismatches([{ path: 'a.ts', text }], tables)).toEqual([
      'a.ts:1: MLSHIP_E_X_BAD thrown with exit code 3, but its table says 2',
      'a.ts:3: MLSHIP_E_X_BAD thrown with exit code 1, but its table says 2',
    ]);
  });
});

describe('this workspace', () => {
  const sources = runtimeSources(readWorkspace(REPO_ROOT));
  const { tables, problems } = findErrorTables(sources);

  it('reads every error table to the end', () => {
    expect(problems).toEqual([]);
    expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(['ErrorCode', 'DataErrorCode', 'TrainErrorCode', 'ModelErrorCode', 'ServeErrorCode']));
  });

  it('declares every MLSHIP_E_ code that runtime code and bin/mlship name', () => {
    const bin = { path: 'bin/mlship', text: readFileSync(join(REPO_ROOT, 'bin', 'mlship'), 'utf8') };
    expect(findUndeclaredCodes([...sources, bin], tables)).toEqual([]);
  });

  it('names in the docs and READMEs only codes that exist', () => {
    const markdown = (dir: string) => (existsSync(join(REPO_ROOT, dir)) ? readdirSync(join(REPO_ROOT, dir)).filter((name) => name.endsWith('.md')).map((name) => `${dir}/${name}`) : []);
    const files = [...markdown('docs'), 'README.md', ...readdirSync(join(REPO_ROOT, 'packages')).flatMap((dir) => markdown(`packages/${dir}`))];
    const texts = files.map((path) => ({ path, text: readFileSync(join(REPO_ROOT, path), 'utf8') }));
    expect(findUndeclaredCodes(texts, tables)).toEqual([]);
  });

  it('throws each code with an exit code its table declares', () => {
    expect(findExitCodeMismatches(sources, tables)).toEqual([]);
  });

  it('docs/errors.md matches the tables (run `pnpm run docs` when this fails)', () => {
    expect(readFileSync(join(REPO_ROOT, 'docs', 'errors.md'), 'utf8')).toBe(renderErrorDocs(tables));
  });
});
