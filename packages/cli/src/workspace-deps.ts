/**
 * Workspace dependencies as declared (package.json, tsconfig.json and tsconfig.test.json references)
 * against what the code imports: the problems between the two (workspace-deps.test.ts fails on any),
 * and the dependency block of docs/architecture.md, which `pnpm run docs` writes from the same facts.
 */
import type { Workspace, WorkspacePackage } from './workspace-sources.js';

const SCOPE = '@mlship/';

/** How a runtime dependency is loaded: with the package (`static`), only by `import()` (`lazy`), or not at all (`types`). */
export type Loading = 'static' | 'lazy' | 'types';

interface Use {
  path: string;
  line: number;
  /** The module named: the package, or one of its subpaths (`@mlship/onnx/runtime`). */
  specifier: string;
}

interface PackageUses {
  /** Workspace package name → where runtime code imports it, by kind. */
  runtime: Map<string, { static: Use[]; dynamic: Use[]; type: Use[] }>;
  /** Workspace package name → where test code imports it. */
  test: Map<string, Use[]>;
}

function packageOf(specifier: string): string | undefined {
  if (!specifier.startsWith(SCOPE)) return undefined;
  return specifier.split('/').slice(0, 2).join('/');
}

function usesOf(pkg: WorkspacePackage): PackageUses {
  const runtime: PackageUses['runtime'] = new Map();
  const test: PackageUses['test'] = new Map();
  for (const source of pkg.sources) {
    for (const entry of source.imports) {
      const name = packageOf(entry.specifier);
      if (name === undefined || name === pkg.name) continue;
      const use = { path: source.path, line: entry.line, specifier: entry.specifier };
      if (source.test) test.set(name, [...(test.get(name) ?? []), use]);
      else {
        const kinds = runtime.get(name) ?? { static: [], dynamic: [], type: [] };
        kinds[entry.kind].push(use);
        runtime.set(name, kinds);
      }
    }
  }
  return { runtime, test };
}

const where = (uses: readonly Use[]): string => {
  const shown = uses.slice(0, 3).map((use) => `${use.path}:${use.line}`);
  return shown.join(', ') + (uses.length > 3 ? ` and ${uses.length - 3} more` : '');
};

const workspaceNames = (names: readonly string[]): string[] => names.filter((name) => name.startsWith(SCOPE));

const TEST_FILE = /\.test\.[cm]?[jt]s$/;

/** How a tsconfig names a referenced project: `./tsconfig.json` for the package's own, else `../DIR`. */
const referenceName = (pkg: WorkspacePackage, project: string): string => (project === pkg.dir ? './tsconfig.json' : `../${project}`);

/** Cycles in a graph of names, each as the path that closes it (`a → b → a`). */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' → '));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

/**
 * Every disagreement between what packages declare and what their code imports, one line each,
 * naming the package: a workspace dependency declared but not imported, imported but not declared,
 * a runtime import of a devDependency, a devDependency that is also a dependency; test code under
 * `src/` that is not a test file (it would compile to `dist/`, which ships); tsconfig.json references
 * that differ from the declared `dependencies`, tsconfig.test.json references that differ from the
 * package itself and all its declared workspace dependencies, test code without a tsconfig.test.json;
 * a root tsconfig.json that misses a package or its tests; and cycles. Empty when all agree.
 */
export function checkWorkspaceDependencies(workspace: Workspace): string[] {
  const problems: string[] = [];
  const byName = new Map(workspace.packages.map((pkg) => [pkg.name, pkg]));
  for (const pkg of workspace.packages) {
    const { runtime, test } = usesOf(pkg);
    const dependencies = workspaceNames(pkg.dependencies);
    const devDependencies = workspaceNames(pkg.devDependencies);
    for (const name of [...runtime.keys(), ...test.keys()]) {
      if (!byName.has(name)) problems.push(`${pkg.name} imports ${name}, which is no package of this workspace (${where([...(runtime.get(name)?.static ?? []), ...(runtime.get(name)?.dynamic ?? []), ...(runtime.get(name)?.type ?? []), ...(test.get(name) ?? [])])})`);
    }
    for (const name of dependencies) {
      if (devDependencies.includes(name)) problems.push(`${pkg.name} declares ${name} in both dependencies and devDependencies`);
      if (runtime.has(name)) continue;
      if (test.has(name)) problems.push(`${pkg.name} declares ${name} in dependencies, but only its tests import it (${where(test.get(name)!)}): move it to devDependencies`);
      else problems.push(`${pkg.name} declares ${name} in dependencies, but nothing in it imports ${name}: remove it`);
    }
    for (const name of devDependencies) {
      if (dependencies.includes(name)) continue;
      const uses = runtime.get(name);
      if (uses) problems.push(`${pkg.name} declares ${name} only in devDependencies, but its runtime code imports it (${where([...uses.static, ...uses.dynamic, ...uses.type])}): move it to dependencies`);
      else if (!test.has(name)) problems.push(`${pkg.name} declares ${name} in devDependencies, but nothing in it imports ${name}: remove it`);
    }
    for (const [name, uses] of runtime) {
      if (byName.has(name) && !dependencies.includes(name) && !devDependencies.includes(name)) {
        problems.push(`${pkg.name} imports ${name} in runtime code (${where([...uses.static, ...uses.dynamic, ...uses.type])}) but does not declare it: add it to dependencies`);
      }
    }
    for (const [name, uses] of test) {
      if (byName.has(name) && !dependencies.includes(name) && !devDependencies.includes(name) && !runtime.has(name)) {
        problems.push(`${pkg.name} imports ${name} in tests (${where(uses)}) but does not declare it: add it to devDependencies`);
      }
    }
    const helpersInSrc = pkg.sources.filter((source) => source.test && !TEST_FILE.test(source.path) && source.path.startsWith(`packages/${pkg.dir}/src/`));
    for (const source of helpersInSrc) {
      problems.push(`${source.path} is test code (only tests import it) under src/, which compiles to dist/ and ships: move it to packages/${pkg.dir}/test/`);
    }
    const dirsOf = (names: readonly string[]) => names.map((name) => byName.get(name)?.dir).filter((dir): dir is string => dir !== undefined);
    if (pkg.tsconfigReferences !== undefined) {
      // What src/ compiles ships, so it sees only `dependencies`; tests see devDependencies through tsconfig.test.json.
      const declared = dirsOf(dependencies);
      const devOnly = dirsOf(devDependencies.filter((name) => !dependencies.includes(name)));
      const missing = declared.filter((dir) => !pkg.tsconfigReferences!.includes(dir));
      const dev = pkg.tsconfigReferences.filter((dir) => devOnly.includes(dir));
      const extra = pkg.tsconfigReferences.filter((dir) => !declared.includes(dir) && !devOnly.includes(dir));
      if (missing.length > 0) problems.push(`packages/${pkg.dir}/tsconfig.json does not reference ${missing.map((dir) => `../${dir}`).join(', ')}, which ${pkg.name} declares in package.json`);
      if (dev.length > 0) problems.push(`packages/${pkg.dir}/tsconfig.json references ${dev.map((dir) => `../${dir}`).join(', ')}, which ${pkg.name} declares only in devDependencies: reference it from tsconfig.test.json only (src/ compiles to dist/, which ships)`);
      if (extra.length > 0) problems.push(`packages/${pkg.dir}/tsconfig.json references ${extra.map((dir) => `../${dir}`).join(', ')}, which ${pkg.name} does not declare in package.json`);
    }
    if (pkg.testTsconfigReferences !== undefined) {
      const declared = [pkg.dir, ...dirsOf([...dependencies, ...devDependencies])];
      const missing = declared.filter((dir) => !pkg.testTsconfigReferences!.includes(dir));
      const extra = pkg.testTsconfigReferences.filter((project) => !declared.includes(project));
      if (missing.length > 0) problems.push(`packages/${pkg.dir}/tsconfig.test.json does not reference ${missing.map((dir) => referenceName(pkg, dir)).join(', ')}, which ${pkg.name}'s tests may import`);
      if (extra.length > 0) problems.push(`packages/${pkg.dir}/tsconfig.test.json references ${extra.map((project) => referenceName(pkg, project)).join(', ')}, which is not ${pkg.name} or a workspace package it declares in package.json`);
    } else if (pkg.sources.some((source) => source.test)) {
      problems.push(`packages/${pkg.dir} has test code but no tsconfig.test.json, so \`tsc -b\` does not type-check it`);
    }
  }
  const missingAtRoot = workspace.packages.filter((pkg) => pkg.tsconfigReferences !== undefined && !workspace.rootReferences.includes(pkg.dir));
  if (missingAtRoot.length > 0) problems.push(`tsconfig.json (the root) does not reference ${missingAtRoot.map((pkg) => `packages/${pkg.dir}`).join(', ')}, so \`tsc -b\` does not build it`);
  const testsMissingAtRoot = workspace.packages.filter((pkg) => pkg.testTsconfigReferences !== undefined && !workspace.rootReferences.includes(`${pkg.dir}/tsconfig.test.json`));
  if (testsMissingAtRoot.length > 0) problems.push(`tsconfig.json (the root) does not reference ${testsMissingAtRoot.map((pkg) => `packages/${pkg.dir}/tsconfig.test.json`).join(', ')}, so \`tsc -b\` does not type-check those tests`);
  const declaredGraph = new Map(workspace.packages.map((pkg) => [pkg.name, workspaceNames([...pkg.dependencies, ...pkg.devDependencies])]));
  for (const cycle of findCycles(declaredGraph)) problems.push(`the workspace dependencies form a cycle: ${cycle}`);
  return problems;
}

export interface DependencyFacts {
  name: string;
  dir: string;
  /** 0 for a package with no runtime workspace dependency, else one more than its deepest dependency's layer. */
  layer: number;
  /**
   * Its `dependencies` among workspace packages, with how its runtime code loads each, and the
   * modules it loads that way: the package, or only subpaths of it (`@mlship/serve/flags`).
   */
  runtime: Array<{ name: string; loading: Loading; modules: string[]; lazyModules: string[] }>;
  /** Its `devDependencies` among workspace packages. */
  testOnly: string[];
}

/** Each package's declared workspace dependencies and how its code loads them, by layer then name. */
export function dependencyFacts(workspace: Workspace): DependencyFacts[] {
  const byName = new Map(workspace.packages.map((pkg) => [pkg.name, pkg]));
  const layers = new Map<string, number>();
  const layerOf = (name: string, seen: readonly string[]): number => {
    const known = layers.get(name);
    if (known !== undefined) return known;
    const pkg = byName.get(name);
    if (!pkg || seen.includes(name)) return 0; // not ours, or a cycle (checkWorkspaceDependencies reports it)
    const deps = workspaceNames(pkg.dependencies).filter((dep) => byName.has(dep));
    const layer = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((dep) => layerOf(dep, [...seen, name])));
    layers.set(name, layer);
    return layer;
  };
  return workspace.packages
    .map((pkg) => {
      const { runtime } = usesOf(pkg);
      return {
        name: pkg.name,
        dir: pkg.dir,
        layer: layerOf(pkg.name, []),
        runtime: workspaceNames(pkg.dependencies)
          .sort()
          .map((name) => {
            const uses = runtime.get(name);
            const loading: Loading = uses?.static.length ? 'static' : uses?.dynamic.length ? 'lazy' : 'types';
            const used = loading === 'static' ? uses?.static : loading === 'lazy' ? uses?.dynamic : uses?.type;
            const modules = [...new Set((used ?? []).map((use) => use.specifier))].sort();
            // A package loaded statically through one module (a light subpath) may load others lazily.
            const lazyModules = loading === 'static' ? [...new Set((uses?.dynamic ?? []).map((use) => use.specifier))].filter((module) => !modules.includes(module)).sort() : [];
            return { name, loading, modules, lazyModules };
          }),
        testOnly: workspaceNames(pkg.devDependencies).sort(),
      };
    })
    .sort((a, b) => a.layer - b.layer || a.dir.localeCompare(b.dir));
}

export const DEPS_START = '<!-- deps:start -->';
export const DEPS_END = '<!-- deps:end -->';

const short = (name: string): string => `\`${name.startsWith(SCOPE) ? name.slice(SCOPE.length) : name}\``;
const list = (names: readonly string[]): string => (names.length === 0 ? '—' : names.join(', '));

/** The generated dependency section of docs/architecture.md, markers included. */
export function renderDependencyBlock(workspace: Workspace): string {
  const facts = dependencyFacts(workspace);
  const lines = [
    DEPS_START,
    '<!-- Generated by `pnpm run docs` from packages/*/package.json and the imports in packages/*/src; `pnpm run docs:check` fails when it is stale. -->',
    '',
    '| Package | Loaded with it (`import`) | Loaded lazily (`import()` only) | Tests only (`devDependencies`) |',
    '| --- | --- | --- | --- |',
  ];
  for (const pkg of facts) {
    // A dependency is named by the modules loaded: the package, or only its subpaths when that is all.
    const named = (dep: DependencyFacts['runtime'][number]) => (dep.modules.includes(dep.name) || dep.modules.length === 0 ? short(dep.name) : dep.modules.map(short).join(', '));
    const loaded = pkg.runtime.filter((dep) => dep.loading === 'static').map(named);
    const lazy = [
      ...pkg.runtime.filter((dep) => dep.loading !== 'static').map((dep) => (dep.loading === 'types' ? `${named(dep)} (types only)` : named(dep))),
      ...pkg.runtime.flatMap((dep) => dep.lazyModules.map(short)),
    ].sort();
    lines.push(`| ${short(pkg.name)} | ${list(loaded)} | ${list(lazy)} | ${list(pkg.testOnly.map(short))} |`);
  }
  const layers: string[][] = [];
  for (const pkg of facts) (layers[pkg.layer] ??= []).push(short(pkg.name));
  lines.push(
    '',
    'Layers, by runtime dependencies (each package depends only on packages to its left):',
    '',
    layers.map((names) => names.join(' · ')).join('  ←  '),
    DEPS_END,
  );
  return lines.join('\n');
}

/** `document` with the text from `start` to `end` (markers included) replaced by `block`; throws unless there is exactly one such block. */
export function replaceBlock(document: string, block: string, start = DEPS_START, end = DEPS_END): string {
  const from = document.indexOf(start);
  const to = document.indexOf(end, from);
  if (from < 0 || to < 0) throw new Error(`the document has no ${start} … ${end} block`);
  if (document.indexOf(start, from + start.length) >= 0) throw new Error(`the document holds ${start} more than once`);
  return document.slice(0, from) + block + document.slice(to + end.length);
}
