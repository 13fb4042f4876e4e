/**
 * Workspace dependencies stay true: what each package declares (package.json, tsconfig.json) is what
 * its code imports, computed from the tree as it is; docs/architecture.md's dependency block is
 * generated from the same facts (`pnpm run docs`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '@mlship/test-utils';
import { checkWorkspaceDependencies, dependencyFacts, renderDependencyBlock, replaceBlock } from './workspace-deps.js';
import { findImports, markTestCode, readWorkspace, type Workspace, type WorkspacePackage, type WorkspaceSource } from './workspace-sources.js';

function source(path: string, text: string, test = /\.test\.ts$/.test(path)): WorkspaceSource {
  return { path, text, test, imports: findImports({ path, text }) };
}

const dirs = (names: readonly string[]): string[] => names.filter((name) => name.startsWith('@mlship/')).map((name) => name.slice('@mlship/'.length));

function pkg(dir: string, options: { dependencies?: string[]; devDependencies?: string[]; references?: string[]; sources?: WorkspaceSource[] }): WorkspacePackage {
  return {
    dir,
    name: `@mlship/${dir}`,
    dependencies: options.dependencies ?? [],
    devDependencies: options.devDependencies ?? [],
    tsconfigReferences: options.references ?? dirs(options.dependencies ?? []),
    testTsconfigReferences: [dir, ...dirs([...(options.dependencies ?? []), ...(options.devDependencies ?? [])])],
    sources: options.sources ?? [],
  };
}

const testProjects = (...dirs: string[]): string[] => dirs.map((dir) => `${dir}/tsconfig.test.json`);
const workspace = (...packages: WorkspacePackage[]): Workspace => ({ packages, rootReferences: [...packages.map((p) => p.dir), ...testProjects(...packages.map((p) => p.dir))] });

describe('findImports', () => {
  it('names static, type-only, dynamic and require imports with their lines', () => {
    const text = [
      "import { a } from '@mlship/core';",
      "import type { B } from '@mlship/registry';",
      "import { type C, type D } from '@mlship/data';",
      "import { type E, f } from '@mlship/onnx';",
      "export { g } from '@mlship/train';",
      "export type { H } from '@mlship/serve';",
      "import '@mlship/packager';",
      "const lazy = await import('@mlship/compress');",
      "type T = import('@mlship/cli').Outcome;",
      "const req = require('@mlship/test-utils');",
      "const text = \"import { x } from '@mlship/not-code'\";",
      '// import { y } from "@mlship/comment";',
    ].join('\n');
    expect(findImports({ path: 'a.ts', text })).toEqual([
      { specifier: '@mlship/core', kind: 'static', line: 1 },
      { specifier: '@mlship/registry', kind: 'type', line: 2 },
      { specifier: '@mlship/data', kind: 'type', line: 3 },
      { specifier: '@mlship/onnx', kind: 'static', line: 4 },
      { specifier: '@mlship/train', kind: 'static', line: 5 },
      { specifier: '@mlship/serve', kind: 'type', line: 6 },
      { specifier: '@mlship/packager', kind: 'static', line: 7 },
      { specifier: '@mlship/compress', kind: 'dynamic', line: 8 },
      { specifier: '@mlship/cli', kind: 'type', line: 9 },
      { specifier: '@mlship/test-utils', kind: 'static', line: 10 },
    ]);
  });
});

describe('markTestCode', () => {
  const file = (path: string, text: string) => ({ path, imports: findImports({ path, text }), testFile: /\.test\.ts$|\/test\//.test(path) });

  it('counts files only tests reach as test code, and what entries and scripts reach as runtime code', () => {
    const test = markTestCode(
      [
        file('p/src/index.ts', "export * from './a.js';"),
        file('p/src/a.ts', "import { b } from './b.js';"),
        file('p/src/b.ts', ''),
        file('p/src/a.test.ts', "import { helper } from './test-helpers.js'; import { a } from './a.js';"),
        file('p/src/test-helpers.ts', "import { fixture } from './fixtures/make.js';"),
        file('p/src/fixtures/make.ts', ''),
        file('p/src/docs.ts', ''),
        file('p/src/docs.test.ts', "import { docs } from './docs.js';"),
        file('p/src/worker.ts', ''),
        file('p/test/env.js', ''),
      ],
      ['p/src/docs.ts'],
    );
    expect([...test].sort()).toEqual(['p/src/a.test.ts', 'p/src/docs.test.ts', 'p/src/fixtures/make.ts', 'p/src/test-helpers.ts', 'p/test/env.js']);
  });
});

describe('checkWorkspaceDependencies', () => {
  const core = pkg('core', { sources: [source('packages/core/src/index.ts', 'export const x = 1;')] });
  const registry = pkg('registry', { dependencies: ['@mlship/core'], sources: [source('packages/registry/src/index.ts', "import { x } from '@mlship/core';")] });

  it('accepts declarations that match the imports', () => {
    const cli = pkg('cli', {
      dependencies: ['@mlship/core', '@mlship/registry', 'commander'],
      devDependencies: ['@mlship/test-utils'],
      sources: [
        source('packages/cli/src/main.ts', "import { x } from '@mlship/core'; import type { R } from '@mlship/registry'; await import('@mlship/registry');"),
        source('packages/cli/src/main.test.ts', "import { run } from '@mlship/test-utils';"),
      ],
    });
    const testUtils = pkg('test-utils', { dependencies: ['@mlship/core'], sources: [source('packages/test-utils/src/index.ts', "import { x } from '@mlship/core';")] });
    expect(checkWorkspaceDependencies(workspace(core, registry, testUtils, cli))).toEqual([]);
  });

  it('names a dependency nothing imports (compress declaring data it does not use)', () => {
    const compress = pkg('compress', { dependencies: ['@mlship/core', '@mlship/registry'], sources: [source('packages/compress/src/index.ts', "import { x } from '@mlship/core';")] });
    expect(checkWorkspaceDependencies(workspace(core, registry, compress))).toEqual(['@mlship/compress declares @mlship/registry in dependencies, but nothing in it imports @mlship/registry: remove it']);
  });

  it('names a dependency only tests import, a runtime import of a devDependency, and undeclared imports', () => {
    const data = pkg('data', {
      dependencies: ['@mlship/core'],
      devDependencies: ['@mlship/registry'],
      sources: [
        source('packages/data/src/index.ts', "export const y = 2;\nconst r = await import('@mlship/registry');"),
        source('packages/data/src/index.test.ts', "import { x } from '@mlship/core';"),
      ],
    });
    const serve = pkg('serve', { sources: [source('packages/serve/src/index.ts', "import { x } from '@mlship/core';"), source('packages/serve/src/a.test.ts', "import { y } from '@mlship/data';")] });
    expect(checkWorkspaceDependencies(workspace(core, registry, data, serve))).toEqual([
      '@mlship/data declares @mlship/core in dependencies, but only its tests import it (packages/data/src/index.test.ts:1): move it to devDependencies',
      '@mlship/data declares @mlship/registry only in devDependencies, but its runtime code imports it (packages/data/src/index.ts:2): move it to dependencies',
      '@mlship/serve imports @mlship/core in runtime code (packages/serve/src/index.ts:1) but does not declare it: add it to dependencies',
      '@mlship/serve imports @mlship/data in tests (packages/serve/src/a.test.ts:1) but does not declare it: add it to devDependencies',
    ]);
  });

  it('names tsconfig references that differ from the declarations, a package the root misses, and cycles', () => {
    const a = pkg('a', { dependencies: ['@mlship/b'], references: ['core'], sources: [source('packages/a/src/index.ts', "import '@mlship/b';")] });
    const b = pkg('b', { devDependencies: ['@mlship/a'], sources: [source('packages/b/src/x.test.ts', "import '@mlship/a';")] });
    const problems = checkWorkspaceDependencies({ packages: [core, a, b], rootReferences: ['core', 'a', ...testProjects('core', 'a', 'b')] });
    expect(problems).toEqual([
      'packages/a/tsconfig.json does not reference ../b, which @mlship/a declares in package.json',
      'packages/a/tsconfig.json references ../core, which @mlship/a does not declare in package.json',
      'tsconfig.json (the root) does not reference packages/b, so `tsc -b` does not build it',
      'the workspace dependencies form a cycle: @mlship/a → @mlship/b → @mlship/a',
    ]);
  });

  it('names test code under src/, a devDependency the shipped tsconfig.json references, and tests tsc does not check', () => {
    const helper = source('packages/a/src/test-helpers.ts', "import { x } from '@mlship/core';", true);
    const a = pkg('a', { dependencies: ['@mlship/core'], devDependencies: ['@mlship/b'], references: ['core', 'b'], sources: [source('packages/a/src/index.ts', "import { x } from '@mlship/core';"), helper, source('packages/a/src/a.test.ts', "import '@mlship/b';")] });
    const b = { ...pkg('b', { sources: [source('packages/b/src/b.test.ts', '')] }), testTsconfigReferences: undefined };
    const c = { ...pkg('c', { dependencies: ['@mlship/core'], sources: [source('packages/c/src/index.ts', "import { x } from '@mlship/core';")] }), testTsconfigReferences: ['core', 'b/tsconfig.test.json'] };
    expect(checkWorkspaceDependencies({ packages: [core, a, b, c], rootReferences: ['core', 'a', 'b', 'c', ...testProjects('core', 'a')] })).toEqual([
      'packages/a/src/test-helpers.ts is test code (only tests import it) under src/, which compiles to dist/ and ships: move it to packages/a/test/',
      'packages/a/tsconfig.json references ../b, which @mlship/a declares only in devDependencies: reference it from tsconfig.test.json only (src/ compiles to dist/, which ships)',
      "packages/b has test code but no tsconfig.test.json, so `tsc -b` does not type-check it",
      "packages/c/tsconfig.test.json does not reference ./tsconfig.json, which @mlship/c's tests may import",
      'packages/c/tsconfig.test.json references ../b/tsconfig.test.json, which is not @mlship/c or a workspace package it declares in package.json',
      'tsconfig.json (the root) does not reference packages/c/tsconfig.test.json, so `tsc -b` does not type-check those tests',
    ]);
  });
});

describe('renderDependencyBlock', () => {
  it('lists each package by layer: what loads with it (subpaths when only they do), what loads lazily, what only tests use', () => {
    const core = pkg('core', {});
    const serve = pkg('serve', { dependencies: ['@mlship/core'], sources: [source('packages/serve/src/index.ts', "import { x } from '@mlship/core';")] });
    const registry = pkg('registry', { dependencies: ['@mlship/core'], devDependencies: ['@mlship/serve'], sources: [source('packages/registry/src/index.ts', "import { x } from '@mlship/core';"), source('packages/registry/src/a.test.ts', "import '@mlship/serve';")] });
    const cli = pkg('cli', {
      dependencies: ['@mlship/core', '@mlship/registry', '@mlship/serve'],
      sources: [source('packages/cli/src/main.ts', "import type { C } from '@mlship/core';\nimport { flags } from '@mlship/serve/flags';\nconst s = () => import('@mlship/serve');\nconst r = () => import('@mlship/registry');")],
    });
    const block = renderDependencyBlock(workspace(cli, core, registry, serve));
    expect(block.split('\n').slice(3)).toEqual([
      '| Package | Loaded with it (`import`) | Loaded lazily (`import()` only) | Tests only (`devDependencies`) |',
      '| --- | --- | --- | --- |',
      '| `core` | — | — | — |',
      '| `registry` | `core` | — | `serve` |',
      '| `serve` | `core` | — | — |',
      '| `cli` | `serve/flags` | `core` (types only), `registry`, `serve` | — |',
      '',
      'Layers, by runtime dependencies (each package depends only on packages to its left):',
      '',
      '`core`  ←  `registry` · `serve`  ←  `cli`',
      '<!-- deps:end -->',
    ]);
    expect(replaceBlock('a\n<!-- deps:start -->\nold\n<!-- deps:end -->\nb', block)).toBe(`a\n${block}\nb`);
    expect(() => replaceBlock('no markers', block)).toThrow('the document has no <!-- deps:start --> … <!-- deps:end --> block');
    expect(() => replaceBlock('<!-- deps:start --><!-- deps:end --> <!-- deps:start -->', block)).toThrow('more than once');
  });
});

describe('this workspace', () => {
  const tree = readWorkspace(REPO_ROOT);

  it('declares exactly the workspace packages its code imports (package.json and tsconfig.json)', () => {
    expect(checkWorkspaceDependencies(tree)).toEqual([]);
  });

  it('reads every package and marks test helpers under src/ as test code', () => {
    expect(tree.packages.map((p) => p.name)).toEqual(expect.arrayContaining(['@mlship/core', '@mlship/registry', '@mlship/cli', '@mlship/test-utils']));
    const registryHelpers = tree.packages.find((p) => p.dir === 'registry')!.sources.find((s) => s.path === 'packages/registry/test/temp-registry.ts');
    expect(registryHelpers?.test).toBe(true);
    const cliDocs = tree.packages.find((p) => p.dir === 'cli')!.sources.find((s) => s.path === 'packages/cli/src/cli-docs.ts');
    expect(cliDocs?.test).toBe(false);
    // Entries (main, exports) are runtime code even where, inside the package, only tests import them.
    const sourceOf = (dir: string, path: string) => tree.packages.find((p) => p.dir === dir)!.sources.find((s) => s.path === path);
    expect(sourceOf('serve', 'packages/serve/src/index.ts')?.test).toBe(false);
    expect(sourceOf('core', 'packages/core/src/yaml-document.ts')?.test).toBe(false);
    expect(dependencyFacts(tree)[0]).toMatchObject({ name: '@mlship/core', layer: 0, runtime: [] });
  });

  it('docs/architecture.md holds the generated dependency block (run `pnpm run docs` when this fails)', async () => {
    const document = await readFile(join(REPO_ROOT, 'docs', 'architecture.md'), 'utf8');
    expect(document).toBe(replaceBlock(document, renderDependencyBlock(tree)));
  });
});
