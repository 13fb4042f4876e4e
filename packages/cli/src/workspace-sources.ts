/**
 * The workspace as files, for the docs generated from it and the checks that keep docs true
 * (workspace-deps.ts, error-docs.ts): each package's package.json, tsconfig.json, tsconfig.test.json
 * and source files, each source marked as runtime or test code, with its imports. Not part of the CLI bundle.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import ts from 'typescript';

/** How a module is imported: `static` (an import or export that loads it with the file), `dynamic` (`import()`), `type` (erased). */
export type ImportKind = 'static' | 'dynamic' | 'type';

export interface SourceImport {
  specifier: string;
  kind: ImportKind;
  /** 1-based. */
  line: number;
}

export interface SourceText {
  /** Relative to the repository root, with `/`. */
  path: string;
  text: string;
}

export interface WorkspaceSource extends SourceText {
  /**
   * Test code: `*.test.ts`, files under the package's `test/`, and files under `src/` that only test
   * code imports (which belong in `test/`: workspace-deps.ts reports them). Everything else under
   * `src/` is runtime code.
   */
  test: boolean;
  imports: SourceImport[];
}

export interface WorkspacePackage {
  /** The folder name under packages/. */
  dir: string;
  /** The package.json name. */
  name: string;
  /** Every name in package.json `dependencies` and `devDependencies`. */
  dependencies: string[];
  devDependencies: string[];
  /** The package folders its tsconfig.json (`src/` but tests, compiled to `dist/`) references; undefined without a tsconfig.json. */
  tsconfigReferences: string[] | undefined;
  /**
   * The projects its tsconfig.test.json (tests and `test/`, type-checked, nothing emitted) references:
   * package folders (its own folder for `./tsconfig.json`), or `DIR/tsconfig.test.json` for another
   * test project; undefined without a tsconfig.test.json.
   */
  testTsconfigReferences: string[] | undefined;
  sources: WorkspaceSource[];
}

export interface Workspace {
  packages: WorkspacePackage[];
  /** The projects the root tsconfig.json references: a package folder for its tsconfig.json, `DIR/tsconfig.test.json` for its tests. */
  rootReferences: string[];
}

const SOURCE_FILE = /\.(?:[cm]?ts|[cm]?js)$/;
const TEST_FILE = /\.test\.[cm]?[jt]s$/;

function lineOf(file: ts.SourceFile, node: ts.Node): number {
  return file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
}

function scriptKind(path: string): ts.ScriptKind {
  return /\.[cm]?js$/.test(path) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
}

/** Parses a file with TypeScript's parser (no type checking). */
export function parseSource(source: SourceText): ts.SourceFile {
  return ts.createSourceFile(source.path, source.text, ts.ScriptTarget.Latest, true, scriptKind(source.path));
}

/** True when an import or export declaration brings in types only (`import type`, or every name marked `type`). */
function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isImportDeclaration(node)) {
    const clause = node.importClause;
    if (!clause) return false; // import 'x' runs the module
    if (clause.isTypeOnly) return true;
    if (clause.name) return false;
    const bindings = clause.namedBindings;
    return bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((element) => element.isTypeOnly);
  }
  if (node.isTypeOnly) return true;
  const clause = node.exportClause;
  return clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((element) => element.isTypeOnly);
}

/**
 * Every module a file imports by a literal name: import and export declarations, `import()`,
 * `require()`, `import x = require()` and `import('x').T` types. A computed name is not seen.
 */
export function findImports(source: SourceText): SourceImport[] {
  const file = parseSource(source);
  const found: SourceImport[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, kind: isTypeOnly(node) ? 'type' : 'static', line: lineOf(file, node) });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      found.push({ specifier: node.moduleReference.expression.text, kind: node.isTypeOnly ? 'type' : 'static', line: lineOf(file, node) });
    } else if (ts.isCallExpression(node) && node.arguments.length > 0 && ts.isStringLiteralLike(node.arguments[0]!)) {
      const specifier = (node.arguments[0] as ts.StringLiteralLike).text;
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) found.push({ specifier, kind: 'dynamic', line: lineOf(file, node) });
      else if (ts.isIdentifier(node.expression) && node.expression.text === 'require') found.push({ specifier, kind: 'static', line: lineOf(file, node) });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, kind: 'type', line: lineOf(file, node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** The file a relative specifier names among `paths` (`./a.js` is `a.ts` in source), or undefined. */
export function resolveRelative(from: string, specifier: string, paths: ReadonlySet<string>): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = posix.normalize(posix.join(posix.dirname(from), specifier));
  const candidates = [target, target.replace(/\.js$/, '.ts'), target.replace(/\.mjs$/, '.mts'), target.replace(/\.cjs$/, '.cts'), `${target}.ts`, `${target}/index.ts`];
  return candidates.find((candidate) => paths.has(candidate));
}

/**
 * Marks test code among one package's files: test files, and every other file that is not reachable
 * by relative imports from a runtime root. A root is a file nothing in the package imports (an entry
 * such as index.ts or a worker script) or a file in `roots` (the package's entries and what its scripts
 * load from dist).
 */
export function markTestCode(files: ReadonlyArray<{ path: string; imports: readonly SourceImport[]; testFile: boolean }>, roots: readonly string[] = []): Set<string> {
  const paths = new Set(files.map((file) => file.path));
  const importedBy = new Map<string, string[]>();
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const targets = file.imports.map((entry) => resolveRelative(file.path, entry.specifier, paths)).filter((target): target is string => target !== undefined);
    edges.set(file.path, targets);
    for (const target of targets) importedBy.set(target, [...(importedBy.get(target) ?? []), file.path]);
  }
  const runtime = new Set<string>();
  const pending = files.filter((file) => !file.testFile && (!importedBy.has(file.path) || roots.includes(file.path))).map((file) => file.path);
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (runtime.has(path)) continue;
    runtime.add(path);
    for (const target of edges.get(path) ?? []) {
      if (!files.find((file) => file.path === target)?.testFile) pending.push(target);
    }
  }
  return new Set(files.filter((file) => !runtime.has(file.path)).map((file) => file.path));
}

function listFiles(root: string, dir: string): string[] {
  const full = join(root, dir);
  if (!existsSync(full)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(full, { withFileTypes: true })) {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== 'dist') found.push(...listFiles(root, path));
    else if (entry.isFile() && SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) found.push(path);
  }
  return found.sort();
}

function readJson(path: string): unknown {
  const parsed = ts.parseConfigFileTextToJson(path, readFileSync(path, 'utf8'));
  if (parsed.error) throw new Error(`${path}: ${ts.flattenDiagnosticMessageText(parsed.error.messageText, '\n')}`);
  return parsed.config;
}

/**
 * The projects a tsconfig's `references` name, as package folders (`../core`, `../core/tsconfig.json`
 * → `core`) or, for any other config file, `DIR/FILE` (`../core/tsconfig.test.json` → `core/tsconfig.test.json`).
 */
function referencedProjects(tsconfig: unknown, from: string): string[] {
  const references = (tsconfig as { references?: Array<{ path: string }> }).references ?? [];
  return references.map((reference) => {
    const path = posix.normalize(posix.join(from, reference.path));
    if (!path.endsWith('.json')) return posix.basename(path);
    const dir = posix.basename(posix.dirname(path));
    return posix.basename(path) === 'tsconfig.json' ? dir : `${dir}/${posix.basename(path)}`;
  });
}

/** The files a package.json's `main` and `exports` name (conditions and subpaths included), `.d.ts` left out. */
function entryFiles(manifest: { main?: string; exports?: unknown }): string[] {
  const found: string[] = [];
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (!value.endsWith('.d.ts')) found.push(value);
    } else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(manifest.main);
  visit(manifest.exports);
  return found;
}

/** Reads every package under packages/ (a folder with a package.json) of the repository at `root`. */
export function readWorkspace(root: string): Workspace {
  const packages: WorkspacePackage[] = [];
  for (const dir of readdirSync(join(root, 'packages')).sort()) {
    const base = `packages/${dir}`;
    if (!existsSync(join(root, base, 'package.json'))) continue;
    const manifest = readJson(join(root, base, 'package.json')) as { name: string; main?: string; exports?: unknown; dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    const tsconfigPath = join(root, base, 'tsconfig.json');
    const tsconfigReferences = existsSync(tsconfigPath) ? referencedProjects(readJson(tsconfigPath), base) : undefined;
    const testTsconfigPath = join(root, base, 'tsconfig.test.json');
    const testTsconfigReferences = existsSync(testTsconfigPath) ? referencedProjects(readJson(testTsconfigPath), base) : undefined;
    const files = [...listFiles(root, `${base}/src`), ...listFiles(root, `${base}/test`)].map((path) => {
      const text = readFileSync(join(root, path), 'utf8');
      return { path, text, imports: findImports({ path, text }), testFile: TEST_FILE.test(path) || path.startsWith(`${base}/test/`) };
    });
    // The package's entries (main, exports) and what its scripts load from dist/ stay runtime code
    // even when a test imports them too.
    const paths = new Set(files.map((file) => file.path));
    const scriptTargets = listFiles(root, `${base}/scripts`).flatMap((path) =>
      findImports({ path, text: readFileSync(join(root, path), 'utf8') }).map((entry) => posix.normalize(posix.join(posix.dirname(path), entry.specifier))),
    );
    const roots = [...entryFiles(manifest).map((entry) => posix.normalize(posix.join(base, entry))), ...scriptTargets]
      .filter((target) => target.startsWith(`${base}/dist/`))
      .map((target) => resolveRelative(`${base}/src/x.ts`, `./${target.slice(`${base}/dist/`.length)}`, paths))
      .filter((target): target is string => target !== undefined);
    const testCode = markTestCode(files, roots);
    packages.push({
      dir,
      name: manifest.name,
      dependencies: Object.keys(manifest.dependencies ?? {}),
      devDependencies: Object.keys(manifest.devDependencies ?? {}),
      tsconfigReferences,
      testTsconfigReferences,
      sources: files.map(({ path, text, imports }) => ({ path, text, imports, test: testCode.has(path) })),
    });
  }
  const rootReferences = referencedProjects(readJson(join(root, 'tsconfig.json')), '.');
  return { packages, rootReferences };
}
