/**
 * Loading and binding: a file and everything it imports, with a symbol table per module.
 *
 * Why one structure: the checker, the compiler and the language server all need the same view —
 * which module a name lives in, which declaration a reference means — and computing it once per
 * edit keeps editor latency low. After `loadProgram`:
 * - every reachable module is parsed (syntax diagnostics in `module.diagnostics`);
 * - every import is resolved to a module or reported (`import-not-found`, `import-cycle`, ...);
 * - every module's top-level names are in its `symbols`, duplicates reported (`duplicate-name`).
 * Names used inside declarations are resolved later, by the checker, through `resolveRef`.
 */
import { dirname, join, relative, resolve, sep } from 'node:path';
import type * as A from './ast.js';
import { stringText } from './ast-builder.js';
import { diagnostic, type Diagnostic } from './diagnostics.js';
import { canonicalPath, findWorkspaceRoot, type ModuleHost } from './module-host.js';
import { parseFile, type ParsedFile } from './parse-file.js';
import { notUtf8Arguments } from './source-decoding.js';
import { LineMap } from './source-position.js';

/** The kinds of top-level names; each kind has its own namespace. */
export type SymbolKind = 'let' | 'group' | 'source' | 'profile' | 'policy' | 'test';

export interface SymbolTable {
  let: Map<string, A.LetDecl>;
  group: Map<string, A.GroupDecl>;
  source: Map<string, A.SourceDecl>;
  profile: Map<string, A.ProfileDecl>;
  policy: Map<string, A.PolicyDecl>;
  test: Map<string, A.TestDecl>;
}

type DeclOf<K extends SymbolKind> = SymbolTable[K] extends Map<string, infer D> ? D : never;

export interface ModuleImport {
  decl: A.ImportDecl;
  /** The name the module's declarations are reached by (`money` in `money.cents`). */
  alias: string;
  /** Null when the import could not be resolved (already reported). */
  module: Module | null;
}

export interface Module {
  /** Absolute path. */
  path: string;
  parsed: ParsedFile;
  lines: LineMap;
  symbols: SymbolTable;
  imports: ModuleImport[];
  /** True for modules of the standard library. */
  isStdlib: boolean;
  /** Every diagnostic of this file: syntax, binding, then (after checking) the checker's. */
  diagnostics: Diagnostic[];
}

export interface Program {
  entry: Module;
  /** Every loaded module by absolute path, the entry first. */
  modules: Map<string, Module>;
  workspaceRoot: string;
  host: ModuleHost;
}

/** Which source files the program was built from, with their texts (for caching in the editor). */
export function programFiles(program: Program): string[] {
  return [...program.modules.keys()];
}

function emptySymbols(): SymbolTable {
  return { let: new Map(), group: new Map(), source: new Map(), profile: new Map(), policy: new Map(), test: new Map() };
}

const KIND_OF_DECL: Record<A.Decl['kind'], SymbolKind | null> = {
  Import: null,
  Let: 'let',
  Group: 'group',
  Source: 'source',
  Profile: 'profile',
  Policy: 'policy',
  Test: 'test',
};

/** The name of a declaration as a string (tests are named by their string). */
export function declName(decl: A.Decl): A.Name | A.StringLiteral | null {
  switch (decl.kind) {
    case 'Import':
      return null;
    case 'Test':
      return decl.name;
    default:
      return decl.name;
  }
}

/** A module's default alias: its file name without `.recon`, made an identifier. */
export function defaultAlias(importPath: string): string {
  const base = importPath.split('/').pop() ?? importPath;
  return base.replace(/\.recon$/, '').replace(/[^A-Za-z0-9_]/g, '_').replace(/^(\d)/, '_$1');
}

/** Where an import path points, or null when it has no recognised form. */
export function resolveImportPath(importPath: string, fromFile: string, host: ModuleHost): string | null {
  if (importPath.startsWith('std/')) return join(host.stdlibRoot, importPath.slice(4) + (importPath.endsWith('.recon') ? '' : '.recon'));
  if (importPath.startsWith('./') || importPath.startsWith('../')) return resolve(dirname(fromFile), importPath);
  return null;
}

/** Whether `path` lies inside `root` (or is it). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && !/^[A-Za-z]:/.test(rel));
}

class ProgramLoader {
  readonly modules = new Map<string, Module>();
  private readonly loading: string[] = [];

  constructor(
    private readonly host: ModuleHost,
    private readonly workspaceRoot: string,
  ) {}

  load(path: string, text: string | undefined, isStdlib: boolean): Module | null {
    const source = text ?? this.host.readFile(path);
    if (source === undefined) return null;
    const parsed = parseFile(source);
    const module: Module = {
      path,
      parsed,
      lines: parsed.lines,
      symbols: emptySymbols(),
      imports: [],
      isStdlib,
      diagnostics: parsed.diagnostics.map((d) => ({ ...d, file: path })),
    };
    const notUtf8 = text === undefined ? this.host.notUtf8?.(path) : undefined;
    if (notUtf8) {
      const at = notUtf8.offset;
      module.diagnostics.unshift({ ...diagnostic('invalid-encoding', at, Math.min(at + 1, source.length), notUtf8Arguments(notUtf8, source)), file: path });
    }
    this.modules.set(path, module);
    this.bindSymbols(module);
    this.loading.push(path);
    for (const decl of parsed.ast.declarations) {
      if (decl.kind === 'Import') module.imports.push(this.resolveImport(module, decl));
    }
    this.loading.pop();
    return module;
  }

  private report(module: Module, d: Diagnostic): void {
    module.diagnostics.push({ ...d, file: module.path });
  }

  private bindSymbols(module: Module): void {
    for (const decl of module.parsed.ast.declarations) {
      const kind = KIND_OF_DECL[decl.kind];
      const nameNode = declName(decl);
      if (!kind || !nameNode || nameNode.missing) continue;
      const name = nameNode.kind === 'Name' ? nameNode.text : stringText(nameNode);
      const table = module.symbols[kind] as Map<string, A.Decl>;
      const previous = table.get(name);
      if (previous) {
        const line = module.lines.lineColumn(previous.start).line;
        this.report(module, diagnostic('duplicate-name', nameNode.start, nameNode.end, { kind, name, line }));
        continue;
      }
      table.set(name, decl);
    }
  }

  private resolveImport(module: Module, decl: A.ImportDecl): ModuleImport {
    const importPath = stringText(decl.path);
    const alias = decl.alias && !decl.alias.missing ? decl.alias.text : defaultAlias(importPath);
    const at = decl.path;
    const other = module.imports.find((i) => i.alias === alias);
    if (other) {
      const line = module.lines.lineColumn(other.decl.start).line;
      this.report(module, diagnostic('duplicate-import-alias', (decl.alias ?? at).start, (decl.alias ?? at).end, { name: alias, line }));
    }
    if (decl.path.missing) return { decl, alias, module: null };
    const target = resolveImportPath(importPath, module.path, this.host);
    if (target === null) {
      this.report(module, diagnostic('import-not-found', at.start, at.end, { path: importPath, hint: ': start relative imports with ./ or ../, and standard library ones with std/' }));
      return { decl, alias, module: null };
    }
    // `std/../x` must not reach outside the standard library and load a file as part of it
    if (importPath.startsWith('std/') && !isInside(this.host.stdlibRoot, target)) {
      this.report(module, diagnostic('import-not-found', at.start, at.end, { path: importPath, hint: `: the standard library has no module '${importPath.slice(4)}'` }));
      return { decl, alias, module: null };
    }
    // only .recon files are modules: a CSV parsed as one gave syntax errors inside the CSV
    if (!target.endsWith('.recon')) {
      const base = importPath.split('/').pop() ?? '';
      const hint = `: an import names a .recon file${base !== '' && !base.includes('.') ? ` (${importPath}.recon?)` : ''}`;
      this.report(module, diagnostic('import-not-found', at.start, at.end, { path: importPath, hint }));
      return { decl, alias, module: null };
    }
    const isStdlib = importPath.startsWith('std/') || module.isStdlib;
    if (!importPath.startsWith('std/') && !module.isStdlib && !isInside(this.workspaceRoot, target)) {
      this.report(module, diagnostic('import-outside-workspace', at.start, at.end, { path: importPath }));
      return { decl, alias, module: null };
    }
    const canonical = this.host.readFile(target) !== undefined ? canonicalPath(target) : target;
    // The lexical check above sees `./shared/x.recon`; a symbolic link there may still lead out
    // of the root, as a connector path's may (`workspace-paths.ts` refuses those at run time).
    if (!isStdlib && canonical !== target && !isInside(canonicalPath(this.workspaceRoot), canonical)) {
      this.report(module, diagnostic('import-outside-workspace', at.start, at.end, { path: importPath }));
      return { decl, alias, module: null };
    }
    const onStack = this.loading.indexOf(canonical);
    if (onStack >= 0) {
      const cycle = [...this.loading.slice(onStack), canonical].map((p) => relative(this.workspaceRoot, p) || p).join(' -> ');
      this.report(module, diagnostic('import-cycle', at.start, at.end, { cycle }));
      return { decl, alias, module: null };
    }
    const loaded = this.modules.get(canonical) ?? this.load(canonical, undefined, isStdlib);
    if (!loaded) {
      // the path relative to the workspace root: an absolute path says where the user's files
      // are, which a shared log or CI output should not
      const looked = relative(this.workspaceRoot, target) || target;
      const hint = importPath.startsWith('std/') ? `: the standard library has no module '${importPath.slice(4)}'` : ` (looked for ${looked} in the workspace)`;
      this.report(module, diagnostic('import-not-found', at.start, at.end, { path: importPath, hint }));
      return { decl, alias, module: null };
    }
    return { decl, alias, module: loaded };
  }
}

/**
 * Loads `entryPath` and its imports. `text` overrides the file's content (an unsaved buffer).
 * Never throws for bad input; a missing entry file is reported as an `import-not-found` on an
 * empty module.
 */
export function loadProgram(entryPath: string, host: ModuleHost, text?: string): Program {
  const absolute = resolve(entryPath);
  const workspaceRoot = findWorkspaceRoot(absolute, host);
  const loader = new ProgramLoader(host, workspaceRoot);
  const entryIsStdlib = isInside(host.stdlibRoot, absolute);
  const entry = loader.load(absolute, text, entryIsStdlib) ?? loader.load(absolute, '', entryIsStdlib)!;
  if (text === undefined && host.readFile(absolute) === undefined) {
    entry.diagnostics.push({ ...diagnostic('import-not-found', 0, 0, { path: entryPath, hint: ': no such file' }), file: absolute });
  }
  return { entry, modules: loader.modules, workspaceRoot, host };
}

/** What a reference resolves to: the declaration and the module it lives in. */
export interface Resolved<K extends SymbolKind> {
  module: Module;
  decl: DeclOf<K>;
  /** The qualified name the IR uses: `name` in the entry module, `alias.name` through an import. */
  qualifiedName: string;
}

/**
 * Resolves `name` or `module.name` of the given kind as seen from `from`. Returns null when
 * unresolved; `candidates` lists what was in scope, for "did you mean".
 */
export function resolveRef<K extends SymbolKind>(
  from: Module,
  ref: A.Ref,
  kind: K,
): { resolved: Resolved<K> | null; candidates: string[]; unknownModule: boolean } {
  if (ref.module) {
    const imp = from.imports.find((i) => i.alias === ref.module!.text);
    if (!imp) return { resolved: null, candidates: from.imports.map((i) => i.alias), unknownModule: true };
    const imported = imp.module;
    if (!imported) return { resolved: null, candidates: [], unknownModule: false };
    const decl = (imported.symbols[kind] as Map<string, DeclOf<K>>).get(ref.name.text);
    return withCandidates(decl ? { module: imported, decl, qualifiedName: `${imp.alias}.${ref.name.text}` } : null, () =>
      [...imported.symbols[kind].keys()].map((n) => `${imp.alias}.${n}`),
    );
  }
  const decl = (from.symbols[kind] as Map<string, DeclOf<K>>).get(ref.name.text);
  return withCandidates(decl ? { module: from, decl, qualifiedName: ref.name.text } : null, () => {
    const candidates = [...from.symbols[kind].keys()];
    for (const imp of from.imports) {
      if (imp.module) candidates.push(...[...imp.module.symbols[kind].keys()].map((n) => `${imp.alias}.${n}`));
    }
    return candidates;
  });
}

/**
 * A resolution whose `candidates` are listed when first read: they matter only for "did you
 * mean", and listing every name of the kind at each of a large file's references made resolving
 * quadratic.
 */
function withCandidates<R>(resolved: R, list: () => string[]): { resolved: R; candidates: string[]; unknownModule: boolean } {
  let candidates: string[] | undefined;
  return {
    resolved,
    get candidates(): string[] {
      return (candidates ??= list());
    },
    unknownModule: false,
  };
}
