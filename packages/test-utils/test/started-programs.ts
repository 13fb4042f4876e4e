/**
 * Which external programs test code starts, and which programs scripts/system-deps.sh installs:
 * pure functions over file texts, so a test can fail when CI on a fresh machine would hit
 * `spawn PROGRAM ENOENT`.
 */
import { posix } from 'node:path';
import ts from 'typescript';

export interface SourceText {
  path: string;
  text: string;
}

/** A program a file starts; `program` is undefined when the code computes it and the scan cannot name it. */
export interface StartedProgram {
  program: string | undefined;
  path: string;
  line: number;
  /** The source of the program argument, to report a start the scan cannot name. */
  expression: string;
}

/**
 * Imports that start programs, by module: the program is the first argument ('file'; as a tagged
 * template, its first word), or the first word of each part of a command line ('command').
 */
const STARTERS: Record<string, Record<string, 'file' | 'command'>> = {
  execa: { execa: 'file', execaSync: 'file', $: 'file', execaCommand: 'command', execaCommandSync: 'command' },
  'node:child_process': { spawn: 'file', spawnSync: 'file', execFile: 'file', execFileSync: 'file', exec: 'command', execSync: 'command' },
};
STARTERS['child_process'] = STARTERS['node:child_process']!;

const SHELLS = new Set(['sh', 'bash', 'dash']);
/** Shell keywords and builtins: a word the shell runs without starting a program. */
const SHELL_WORDS = new Set(['!', '{', '}', ':', '.', '[', 'if', 'then', 'else', 'elif', 'fi', 'for', 'in', 'do', 'done', 'while', 'until', 'case', 'esac', 'cd', 'echo', 'printf', 'test', 'true', 'false', 'exit', 'export', 'set', 'unset', 'read', 'wait', 'trap', 'eval', 'shift', 'local', 'return']);
/** Stands for a `${…}` of a template literal in a command line. */
const HOLE = '\u0000';

/** The programs a shell command line starts: the first word of each pipeline part, keywords, builtins and `VAR=value` skipped. */
export function programsInCommandLine(commandLine: string): Array<string | undefined> {
  // Quoted text stays one word (its separators dropped); `2>&1` is no `&`.
  const plain = commandLine
    .replace(/'([^']*)'|"((?:[^"\\]|\\.)*)"/g, (_quoted, single?: string, double?: string) => (single ?? double ?? '').replace(/[|&;()$`\s]+/g, '_'))
    .replace(/\d*[<>]&\d+/g, ' ');
  const programs: Array<string | undefined> = [];
  for (const part of plain.split(/\|\|?|&&?|;|\n|\$\(|`|\(/)) {
    const word = part
      .trim()
      .split(/\s+/)
      .find((w) => w !== '' && !/^\w+=/.test(w) && !/^\d*[<>]/.test(w));
    if (word === undefined || SHELL_WORDS.has(word)) continue;
    programs.push(word.includes(HOLE) ? undefined : word.replace(/\)+$/, ''));
  }
  return programs;
}

/** `x` of `(x)`, `x!`, `x as T`, `x satisfies T`. */
function unwrap(node: ts.Expression): ts.Expression {
  return ts.isParenthesizedExpression(node) || ts.isNonNullExpression(node) || ts.isAsExpression(node) || ts.isSatisfiesExpression(node) ? unwrap(node.expression) : node;
}

/** Text of a string literal or template (each `${…}` as HOLE); undefined for anything computed. */
function stringValue(node: ts.Node | undefined, consts: Map<string, string>): string | undefined {
  if (node === undefined) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  if (ts.isTemplateExpression(node)) return node.head.text + node.templateSpans.map((span) => HOLE + span.literal.text).join('');
  if (ts.isIdentifier(node)) return consts.get(node.text);
  if (ts.isPropertyAccessExpression(node) && node.getText() === 'process.execPath') return 'node';
  return undefined;
}

/** The nearest enclosing function with a parameter `name`, if it is named (a declaration or `const f = (…) =>`), and that parameter's index. */
function wrapperOf(node: ts.Node, name: string): { name: string; index: number } | undefined {
  for (let scope = node.parent; scope !== undefined; scope = scope.parent) {
    if (!ts.isFunctionLike(scope)) continue;
    const index = scope.parameters.findIndex((parameter) => ts.isIdentifier(parameter.name) && parameter.name.text === name);
    if (index < 0) continue;
    if (ts.isFunctionDeclaration(scope) && scope.name) return { name: scope.name.text, index };
    if (ts.isVariableDeclaration(scope.parent) && ts.isIdentifier(scope.parent.name)) return { name: scope.parent.name.text, index };
    return undefined;
  }
  return undefined;
}

/**
 * The local name under which `file` imports the function `name` of the file at `path`: by relative
 * path (`./helper.js` for helper.ts) or by package (`@mlship/test-utils` for packages/test-utils/src).
 */
function importedName(file: ts.SourceFile, { name, path }: { name: string; path: string }): string | undefined {
  const stem = path.replace(/\.[cm]?[jt]s$/, '');
  const pkg = /^packages\/([^/]+)\/src\//.exec(path)?.[1];
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const specifier = statement.moduleSpecifier.text;
    const target = specifier.startsWith('.') ? posix.join(posix.dirname(file.fileName), specifier).replace(/\.[cm]?[jt]s$/, '') : undefined;
    if (target !== stem && specifier !== `@mlship/${pkg}`) continue;
    const bindings = statement.importClause?.namedBindings;
    const element = bindings && ts.isNamedImports(bindings) ? bindings.elements.find((e) => (e.propertyName ?? e.name).text === name) : undefined;
    if (element) return element.name.text;
  }
  return undefined;
}

interface FileScan {
  file: ts.SourceFile;
  source: SourceText;
  consts: Map<string, string>;
  lines: string[];
}

/**
 * Every program the files start with execa (call or `$` template), child_process or a shell
 * command line (`sh -c '…'`, exec), and through wrappers: a function that passes its parameter
 * `program` (or `command[0]`) on is followed to its callers' literal arguments (the first element
 * of an array literal for `command[0]`), in its own file and in the files that import it. A start
 * whose program is computed is returned with `program` undefined, unless a `// starts: PROGRAM`
 * comment on its line or the line above names it.
 */
export function findStartedPrograms(sources: SourceText[]): StartedProgram[] {
  const scans: FileScan[] = sources.map((source) => {
    const file = ts.createSourceFile(source.path, source.text, ts.ScriptTarget.Latest, true);
    const consts = new Map<string, string>();
    const collect = (node: ts.Node): void => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.parent.flags & ts.NodeFlags.Const) {
        const value = stringValue(node.initializer, new Map());
        if (value !== undefined) consts.set(node.name.text, value);
      }
      ts.forEachChild(node, collect);
    };
    collect(file);
    return { file, source, consts, lines: source.text.split('\n') };
  });
  const found: StartedProgram[] = [];
  const wrappers = new Map<string, { name: string; index: number; element: boolean; path: string }>();

  const record = (scan: FileScan, at: ts.Node, program: string | undefined, expression: ts.Node) => {
    const line = scan.file.getLineAndCharacterOfPosition(at.getStart()).line + 1;
    // A computed program is named by a `// starts: PROGRAM` comment on the start's line or the one above.
    const declared = program === undefined ? /\/[/*]\s*starts:\s*(.*?)\s*(?:\*\/|$)/m.exec(scan.lines.slice(Math.max(0, line - 2), line).join('\n')) : null;
    for (const name of declared ? declared[1]!.split(/[\s,]+/) : [program]) found.push({ program: name, path: scan.source.path, line, expression: expression.getText() });
  };

  /** Records the program `expression` names; `args` is the call's argument list, for `sh -c SCRIPT`. */
  const recordProgram = (scan: FileScan, at: ts.Node, expression: ts.Expression, args: ts.Expression | undefined) => {
    const node = unwrap(expression);
    // A parameter (`program` or `command[0]`) makes the enclosing function a wrapper to follow.
    const element = ts.isElementAccessExpression(node) && node.argumentExpression.getText() === '0';
    const parameter = element ? (node as ts.ElementAccessExpression).expression : node;
    const wrapper = ts.isIdentifier(parameter) ? wrapperOf(node, parameter.text) : undefined;
    if (wrapper) {
      wrappers.set(`${scan.source.path}/${wrapper.name}/${wrapper.index}/${String(element)}`, { ...wrapper, element, path: scan.source.path });
      return;
    }
    const program = stringValue(node, scan.consts);
    if (program === undefined || program.includes(HOLE)) {
      record(scan, at, undefined, node);
    } else {
      record(scan, at, program, node);
      const shellArgs = args && ts.isArrayLiteralExpression(args) ? args.elements : undefined;
      const dashC = shellArgs?.findIndex((element) => stringValue(element, scan.consts) === '-c') ?? -1;
      if (SHELLS.has(program.split('/').pop()!) && dashC >= 0) {
        const script = stringValue(shellArgs![dashC + 1], scan.consts);
        if (script === undefined) record(scan, at, undefined, shellArgs![dashC + 1] ?? args!);
        else for (const inner of programsInCommandLine(script)) record(scan, at, inner, shellArgs![dashC + 1]!);
      }
    }
  };

  for (const scan of scans) {
    const starters = new Map<string, 'file' | 'command'>();
    const namespaces = new Map<string, Record<string, 'file' | 'command'>>();
    for (const statement of scan.file.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      const kinds = STARTERS[statement.moduleSpecifier.text];
      const clause = statement.importClause;
      if (!kinds || !clause) continue;
      if (clause.name) namespaces.set(clause.name.text, kinds);
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) namespaces.set(bindings.name.text, kinds);
      if (bindings && ts.isNamedImports(bindings)) {
        for (const element of bindings.elements) {
          const kind = kinds[(element.propertyName ?? element.name).text];
          if (kind) starters.set(element.name.text, kind);
        }
      }
    }
    /** The kind of starter `callee` is: `execa`, `cp.spawn`, or `execa({ env })` / `$({ env })` (options bound). */
    const starterKind = (callee: ts.Expression): 'file' | 'command' | undefined => {
      if (ts.isIdentifier(callee)) return starters.get(callee.text);
      if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) return namespaces.get(callee.expression.text)?.[callee.name.text];
      if (ts.isCallExpression(callee) && callee.arguments[0] && ts.isObjectLiteralExpression(callee.arguments[0])) return starterKind(callee.expression);
      return undefined;
    };
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && node.arguments[0] && !ts.isObjectLiteralExpression(node.arguments[0])) {
        const kind = starterKind(node.expression);
        if (kind === 'command') {
          const commandLine = stringValue(node.arguments[0], scan.consts);
          if (commandLine === undefined) record(scan, node, undefined, node.arguments[0]);
          else for (const program of programsInCommandLine(commandLine)) record(scan, node, program, node.arguments[0]);
        } else if (kind !== undefined) {
          recordProgram(scan, node, node.arguments[0], node.arguments[1]);
        }
      }
      if (ts.isTaggedTemplateExpression(node) && starterKind(node.tag) !== undefined) {
        const [program] = programsInCommandLine(stringValue(node.template, scan.consts)!);
        record(scan, node, program, node.template);
      }
      ts.forEachChild(node, visit);
    };
    visit(scan.file);
  }

  // Callers of wrappers: in the wrapper's file, and where it is imported (test-utils helpers are
  // called from other packages). A Map iterates entries added meanwhile: wrappers of wrappers are
  // followed too, each once.
  for (const wrapper of wrappers.values()) {
    for (const scan of scans) {
      const name = scan.source.path === wrapper.path ? wrapper.name : importedName(scan.file, wrapper);
      const visit = (node: ts.Node): void => {
        if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === name) {
          const argument = node.arguments[wrapper.index];
          const program = wrapper.element && argument && ts.isArrayLiteralExpression(argument) ? argument.elements[0] : argument;
          if (program === undefined) record(scan, node, undefined, node);
          else recordProgram(scan, node, program, undefined);
        }
        ts.forEachChild(node, visit);
      };
      visit(scan.file);
    }
  }
  return found;
}

/**
 * The programs scripts/system-deps.sh makes sure of, each with the Debian packages it adds when
 * the program is missing: per line that adds to `need+=(…)`, each `command -v PROG` and
 * `[ -x PATH ]` on it, else the program the line's condition runs (`/usr/bin/python3 -c …`).
 */
export function readSystemDepsPrograms(script: string): Map<string, string[]> {
  const programs = new Map<string, string[]>();
  for (const line of script.split('\n')) {
    const added = /need\+=\(([^)]*)\)/.exec(line);
    if (line.trimStart().startsWith('#') || !added) continue;
    const packages = added[1]!.trim().split(/\s+/);
    const checked = [...line.matchAll(/command -v\s+([^\s;&|>]+)|\[\s+-x\s+(\S+)\s+\]/g)].map((match) => (match[1] ?? match[2])!);
    const condition = /^\s*(\S+).*\|\|\s*need\+=/.exec(line);
    if (checked.length === 0 && condition) checked.push(condition[1]!);
    for (const program of checked) programs.set(program, packages);
  }
  return programs;
}

/**
 * One line per file and program that `sources` start but nothing provides: not installed by the
 * system-deps script (compared by file name too: `/usr/bin/python3` covers `python3`), not in
 * `provided` (Node, node_modules/.bin, the base system), plus each start the scan cannot name.
 */
export function findUninstalledPrograms(options: { sources: SourceText[]; systemDeps: string; provided: Set<string> }): string[] {
  const name = (program: string) => program.split('/').pop()!;
  const installed = new Set([...readSystemDepsPrograms(options.systemDeps).keys()].flatMap((program) => [program, name(program)]));
  const lines = new Map<string, number[]>();
  for (const start of findStartedPrograms(options.sources)) {
    const { program } = start;
    if (program !== undefined && (installed.has(name(program)) || options.provided.has(name(program)))) continue;
    const problem =
      program === undefined
        ? `starts a program the check cannot name (${start.expression}): pass it as a string literal or a string const, or name it in a \`// starts: PROGRAM\` comment on the line above`
        : `starts ${program}, which scripts/system-deps.sh does not install: add \`command -v ${name(program)} >/dev/null 2>&1 || need+=(DEBIAN_PACKAGE)\``;
    const key = `${start.path}\0${problem}`;
    lines.set(key, [...(lines.get(key) ?? []), start.line]);
  }
  return [...lines].map(([key, at]) => {
    const [path, problem] = key.split('\0') as [string, string];
    return `${path}:${[...new Set(at)].join(',')} ${problem}`;
  });
}
