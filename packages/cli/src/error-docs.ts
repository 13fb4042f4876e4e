/**
 * docs/errors.md from the error-code tables (`errorCodes({...})` of @mlship/core) in every package's
 * runtime source, read with TypeScript's parser, so the doc is written from the code that throws;
 * and the checks that keep it whole: every `MLSHIP_E_…` the code names is in a table, and an error
 * thrown with a code and an exit code written out exits as its table says.
 */
import { ExitCode } from '@mlship/core';
import ts from 'typescript';
import { parseSource, type SourceText, type Workspace } from './workspace-sources.js';

export interface ErrorCodeDoc {
  code: string;
  /** The exit codes it comes with: one, or several where it depends on the case. */
  exitCodes: number[];
  meaning: string;
  /** Its key in the table (`spec` of `TrainErrorCode.spec`). */
  key: string;
}

export interface ErrorCodeTable {
  /** The constant the table is assigned to (`TrainErrorCode`). */
  name: string;
  /** The package whose source declares it. */
  packageName: string;
  path: string;
  line: number;
  entries: ErrorCodeDoc[];
}

export interface PackageSource extends SourceText {
  packageName: string;
}

const CODE_TOKEN = /MLSHIP_E_[A-Z0-9_]+/g;

const exitCodeNames = new Map<string, number>(Object.entries(ExitCode));

function lineOf(file: ts.SourceFile, node: ts.Node): number {
  return file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
}

function propertyName(name: ts.PropertyName): string | undefined {
  return ts.isIdentifier(name) || ts.isStringLiteral(name) ? name.text : undefined;
}

/** `ExitCode.usage` or `2` → 2; undefined for anything else. */
function exitCodeOf(node: ts.Expression): number | undefined {
  if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'ExitCode') return exitCodeNames.get(node.name.text);
  if (ts.isNumericLiteral(node)) return Number(node.text);
  return undefined;
}

function readEntry(key: string, node: ts.Expression): ErrorCodeDoc | string {
  if (!ts.isObjectLiteralExpression(node)) return `entry ${key} is not an object literal`;
  const fields = new Map<string, ts.Expression>();
  for (const property of node.properties) {
    const name = ts.isPropertyAssignment(property) ? propertyName(property.name) : undefined;
    if (!ts.isPropertyAssignment(property) || name === undefined) return `entry ${key} holds ${property.getText()}, not a plain property`;
    fields.set(name, property.initializer);
  }
  const code = fields.get('code');
  const meaning = fields.get('meaning');
  const exit = fields.get('exitCode');
  if (!code || !ts.isStringLiteralLike(code)) return `entry ${key} has no string literal code`;
  if (!meaning || !ts.isStringLiteralLike(meaning) || meaning.text.trim() === '') return `entry ${key} has no string literal meaning`;
  const exitNodes = exit && ts.isArrayLiteralExpression(exit) ? [...exit.elements] : exit ? [exit] : [];
  const exitCodes = exitNodes.map(exitCodeOf);
  if (exitCodes.length === 0 || exitCodes.some((value) => value === undefined)) return `entry ${key} has no exitCode written as ExitCode.<name>, a number, or a list of them`;
  return { code: code.text, exitCodes: exitCodes as number[], meaning: meaning.text, key };
}

/**
 * Every `const NAME = errorCodes({...})` in the sources, each entry read from its literals; a table
 * the parser cannot read to the end (a computed entry) is a problem, not a silent gap in the doc.
 */
export function findErrorTables(sources: readonly PackageSource[]): { tables: ErrorCodeTable[]; problems: string[] } {
  const tables: ErrorCodeTable[] = [];
  const problems: string[] = [];
  for (const source of sources) {
    if (!source.text.includes('errorCodes(')) continue;
    const file = parseSource(source);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'errorCodes') {
        const where = `${source.path}:${lineOf(file, node)}`;
        const declaration = node.parent;
        const [table] = node.arguments;
        if (!ts.isVariableDeclaration(declaration) || !ts.isIdentifier(declaration.name)) problems.push(`${where}: errorCodes(...) is not assigned to a constant of its own`);
        else if (!table || !ts.isObjectLiteralExpression(table)) problems.push(`${where}: errorCodes(...) takes no object literal`);
        else {
          const entries: ErrorCodeDoc[] = [];
          for (const property of table.properties) {
            const key = ts.isPropertyAssignment(property) ? propertyName(property.name) : undefined;
            const entry = key === undefined || !ts.isPropertyAssignment(property) ? `${property.getText()} is not a plain property` : readEntry(key, property.initializer);
            if (typeof entry === 'string') problems.push(`${where}: ${declaration.name.text}: ${entry}`);
            else entries.push(entry);
          }
          tables.push({ name: declaration.name.text, packageName: source.packageName, path: source.path, line: lineOf(file, node), entries });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  const seen = new Map<string, string>();
  for (const table of tables) {
    for (const entry of table.entries) {
      const earlier = seen.get(entry.code);
      if (earlier) problems.push(`${entry.code} is declared twice: in ${earlier} and ${table.name} (${table.path})`);
      seen.set(entry.code, `${table.name} (${table.path})`);
    }
  }
  const names = tables.map((table) => table.name);
  for (const name of new Set(names.filter((name, index) => names.indexOf(name) !== index))) problems.push(`two error tables are named ${name}; give each its own name`);
  return { tables, problems };
}

/**
 * `MLSHIP_E_…` names in the texts (code, strings, comments) that no table declares, each with where.
 * A name ending in `_` is a prefix (`MLSHIP_E_SERVE_…`): it needs a declared code that starts with it.
 */
export function findUndeclaredCodes(texts: readonly SourceText[], tables: readonly ErrorCodeTable[]): string[] {
  const declared = tables.flatMap((table) => table.entries.map((entry) => entry.code));
  const found: string[] = [];
  for (const { path, text } of texts) {
    const lines = text.split('\n');
    lines.forEach((line, index) => {
      for (const [token] of line.matchAll(CODE_TOKEN)) {
        const known = token.endsWith('_') ? declared.some((code) => code.startsWith(token)) : declared.includes(token);
        if (!known) found.push(`${path}:${index + 1}: ${token}`);
      }
    });
  }
  return found;
}

/**
 * `new MlshipError(CODE, message, { exitCode: ExitCode.x })` whose code and exit code are written out
 * (a table's `Table.key` or a literal; no options or no `exitCode` means 2, MlshipError's default) and
 * whose exit code is not one its table declares.
 */
export function findExitCodeMismatches(sources: readonly SourceText[], tables: readonly ErrorCodeTable[]): string[] {
  const byKey = new Map<string, ErrorCodeDoc>(tables.flatMap((table) => table.entries.map((entry) => [`${table.name}.${entry.key}`, entry] as const)));
  const byCode = new Map(tables.flatMap((table) => table.entries.map((entry) => [entry.code, entry] as const)));
  const found: string[] = [];
  for (const source of sources) {
    if (!source.text.includes('new MlshipError(')) continue;
    const file = parseSource(source);
    const visit = (node: ts.Node): void => {
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'MlshipError' && node.arguments && node.arguments.length > 0) {
        const [code, , options] = node.arguments;
        const entry = ts.isStringLiteralLike(code!) ? byCode.get(code.text) : ts.isPropertyAccessExpression(code!) ? byKey.get(code.getText(file)) : undefined;
        let exitCode: number | undefined = ExitCode.usage;
        if (options !== undefined) {
          if (!ts.isObjectLiteralExpression(options)) exitCode = undefined;
          else {
            const property = options.properties.find((p) => p.name !== undefined && propertyName(p.name) === 'exitCode');
            if (property) exitCode = ts.isPropertyAssignment(property) ? exitCodeOf(property.initializer) : undefined;
            else if (options.properties.some(ts.isSpreadAssignment)) exitCode = undefined;
          }
        }
        if (entry && exitCode !== undefined && !entry.exitCodes.includes(exitCode)) {
          found.push(`${source.path}:${lineOf(file, node)}: ${entry.code} thrown with exit code ${exitCode}, but its table says ${entry.exitCodes.join(' or ')}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return found;
}

/** Every package's runtime sources (test code left out), with the package they belong to. */
export function runtimeSources(workspace: Workspace): PackageSource[] {
  return workspace.packages.flatMap((pkg) => pkg.sources.filter((source) => !source.test).map((source) => ({ path: source.path, text: source.text, packageName: pkg.name })));
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The text of docs/errors.md. */
export function renderErrorDocs(tables: readonly ErrorCodeTable[]): string {
  const packages = [...new Set(tables.map((table) => table.packageName))].sort((a, b) => (a === '@mlship/core' ? -1 : b === '@mlship/core' ? 1 : a.localeCompare(b)));
  const count = tables.reduce((sum, table) => sum + table.entries.length, 0);
  const lines = [
    '# Error codes',
    '',
    '<!-- Generated by `pnpm run docs` from the errorCodes({...}) tables in packages/*/src; `pnpm run docs:check` fails when it is stale. Edit the tables, not this file. -->',
    '',
    'An error prints one line on stderr, `error[CODE] message (hint: …)`, and mlship exits with its exit code:',
    '1 a check failed, 2 a usage, config or input error, 3 a runtime failure (see',
    '[architecture.md](architecture.md#errors-and-exit-codes)). With `--json`, stdout also gets',
    '`{"error": {"code", "message", "hint"}}`. The codes are stable; scripts may match on them.',
    '',
    `Each package declares its codes, with their exit code and meaning, in \`errorCodes({...})\` tables next to the code that throws them; this file lists all ${count} codes of the ${tables.length} tables.`,
    '',
  ];
  for (const packageName of packages) {
    lines.push(`## \`${packageName}\``, '');
    for (const table of tables.filter((t) => t.packageName === packageName).sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line)) {
      lines.push(`\`${table.name}\` in [${table.path}](../${table.path}):`, '', '| Code | Exit | Meaning |', '| --- | --- | --- |');
      for (const entry of table.entries) lines.push(`| \`${entry.code}\` | ${entry.exitCodes.join(' or ')} | ${cell(entry.meaning)} |`);
      lines.push('');
    }
  }
  return lines.join('\n');
}
