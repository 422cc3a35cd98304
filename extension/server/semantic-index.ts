/**
 * The semantic index of one module: every name in the file, what kind of thing it is, and what
 * it refers to (a declaration, a field of a source, a root, a built-in function, a connector, an
 * option, a word of the language's closed vocabulary).
 *
 * Why one walk for many features: hover, definition, references, rename, document highlights and
 * semantic tokens all ask "what is at this offset, and what does it mean?". Answering it once per
 * document version, with the checker's own scope rules (`expression-scope.ts`) and reference
 * resolution (`resolveRef`), keeps the answers consistent with the diagnostics and cheap to give.
 *
 * Symbols are identified across files by `SymbolId` (the declaring module's path, the kind and the
 * name), never by AST object: another file's program parses the same module again.
 */
import type * as A from '../../language/ast.js';
import { stringText } from '../../language/ast-builder.js';
import {
  builtinFunction,
  connectorSpec,
  type BuiltinFunction,
  type ConnectorParam,
  type ConnectorSpec,
  type ValueType,
} from '../../language/checker/builtin-functions.js';
import {
  connectorScope,
  constantScope,
  mapScope,
  resolveBareName,
  resolveImportedLet,
  ruleScope,
  selectScope,
  untypedRoots,
  whereScope,
  type ExpressionScope,
  type RootName,
  type RuleRoots,
} from '../../language/checker/expression-scope.js';
import { childExpressions } from '../../language/checker/expression-walk.js';
import { fieldNameText, sourceShape, untypedRecord, type RecordShape, type SourceShape } from '../../language/checker/source-shape.js';
import { declName, resolveRef, type Module, type ModuleImport, type Program, type SymbolKind } from '../../language/program.js';

/** Kinds of named declarations, plus import aliases. */
export type SymbolTargetKind = SymbolKind | 'import';

/** A declaration's identity across files: the declaring module, the kind and the name. */
export interface SymbolId {
  /** Absolute path of the declaring module (for an import alias: the importing module). */
  path: string;
  kind: SymbolTargetKind;
  name: string;
}

/** A stable string for a `SymbolId` (map keys). */
export function symbolKey(id: SymbolId): string {
  return `${id.kind}:${id.name}@${id.path}`;
}

/** Where a symbol is declared. */
export interface SymbolTarget {
  module: Module;
  decl: A.Decl;
  /** The name as written: an identifier, a test's string, or an import's alias (its path when it has none). */
  name: A.Span;
}

/** A source as seen from one place: its declaration, its module and its record shape. */
export interface SourceInfo {
  decl: A.SourceDecl;
  module: Module;
  /** `ledger`, or `alias.ledger` through an import. */
  qualifiedName: string;
  shape: SourceShape;
}

/** The closed vocabularies of the language (LANGUAGE.md 2.1 to 2.4). */
export type WordCategory =
  | 'comparator'
  | 'normalizer'
  | 'compare-default'
  | 'kind'
  | 'action'
  | 'severity'
  | 'mode'
  | 'type'
  | 'limit'
  | 'on-exceed'
  | 'rate-unit'
  | 'expectation'
  | 'write-op'
  | 'http-method';

interface Located {
  start: number;
  end: number;
}

export type Occurrence = Located &
  (
    | {
        type: 'symbol';
        role: 'declaration' | 'reference';
        id: SymbolId;
        target: SymbolTarget | null;
        /**
         * Where a let or an import alias is named bare in an expression: the scope there, so that
         * rename can tell whether a new name would still mean the same thing (not a field or a root).
         */
        scope?: ExpressionScope;
      }
    /** The path string of an import: the module it loads; `aliasId` is the alias it is reached by. */
    | { type: 'module-path'; import: ModuleImport; aliasId: SymbolId }
    /** A field of a record; `raw` for the raw record of `select` and the raw paths of `map`. */
    | { type: 'field'; role: 'declaration' | 'reference'; name: string; fieldType: ValueType | null; source: SourceInfo | null; raw: boolean }
    | { type: 'root'; root: RootName; source: SourceInfo | null }
    | { type: 'record'; source: SourceInfo | null }
    | { type: 'function'; fn: BuiltinFunction }
    | { type: 'connector'; spec: ConnectorSpec }
    | { type: 'option'; name: string; connector: ConnectorSpec; param: ConnectorParam | null }
    | { type: 'word'; category: WordCategory; word: string }
  );

export type SymbolOccurrence = Extract<Occurrence, { type: 'symbol' }>;
export type FieldOccurrence = Extract<Occurrence, { type: 'field' }>;

/** What a policy's expressions see: its sources and the typed roots. */
export interface PolicySidesInfo {
  desired: SourceInfo | null;
  actual: SourceInfo | null;
  /** The source the `key` root's fields come from (desired when it has a key). */
  key: SourceInfo | null;
  roots: RuleRoots;
}

interface Env {
  scope: ExpressionScope;
  /** The source whose record bare names refer to (select, where, map). */
  record: SourceInfo | null;
  /** Bare names are fields of the raw record (select). */
  raw: boolean;
  desired: SourceInfo | null;
  actual: SourceInfo | null;
  key: SourceInfo | null;
}

/** The semantic index of one module (see the file comment). */
export class SemanticIndex {
  /** Every occurrence, by start offset. */
  readonly occurrences: Occurrence[] = [];
  private readonly shapes = new Map<A.SourceDecl, SourceInfo>();
  private readonly sides = new Map<A.PolicyDecl, PolicySidesInfo>();

  constructor(
    readonly program: Program,
    readonly module: Module,
  ) {
    for (const decl of module.parsed.ast.declarations) this.declaration(decl);
    this.occurrences.sort((a, b) => a.start - b.start || b.end - a.end);
  }

  /** The innermost occurrence at `offset` (on a name, or just after it, where editors put the cursor). */
  at(offset: number): Occurrence | null {
    let best: Occurrence | null = null;
    let touching: Occurrence | null = null;
    for (const occ of this.occurrences) {
      if (occ.start > offset) break;
      if (offset < occ.end) {
        if (!best || occ.end - occ.start <= best.end - best.start) best = occ;
      } else if (offset === occ.end && occ.end > occ.start) {
        if (!touching || occ.end - occ.start <= touching.end - touching.start) touching = occ;
      }
    }
    return best ?? touching;
  }

  /** The symbol an occurrence of this module names (an import's path names its alias), or null. */
  symbolOf(occ: Occurrence | null): { id: SymbolId; target: SymbolTarget | null } | null {
    if (!occ) return null;
    if (occ.type === 'symbol') return { id: occ.id, target: occ.target };
    if (occ.type === 'module-path') {
      const decl = occ.import.decl;
      return { id: occ.aliasId, target: { module: this.module, decl, name: decl.alias ?? decl.path } };
    }
    return null;
  }

  /** Every occurrence (declaration and references) of a symbol in this module. */
  occurrencesOf(id: SymbolId): SymbolOccurrence[] {
    const key = symbolKey(id);
    return this.occurrences.filter((o): o is SymbolOccurrence => o.type === 'symbol' && symbolKey(o.id) === key);
  }

  /** The import path strings whose alias is `id` (an implicit alias is declared by its path). */
  importPathsOf(id: SymbolId): Extract<Occurrence, { type: 'module-path' }>[] {
    const key = symbolKey(id);
    return this.occurrences.filter((o): o is Extract<Occurrence, { type: 'module-path' }> => o.type === 'module-path' && symbolKey(o.aliasId) === key);
  }

  /** The sources and roots of a policy, as its expressions see them. */
  policySides(decl: A.PolicyDecl, module: Module = this.module): PolicySidesInfo {
    let sides = this.sides.get(decl);
    if (sides) return sides;
    const find = (kind: 'Desired' | 'Actual'): SourceInfo | null => {
      const stmt = decl.statements.find((s) => s.kind === kind) as Extract<A.PolicyStmt, { kind: 'Desired' | 'Actual' }> | undefined;
      if (!stmt || stmt.source.missing || stmt.source.name.missing) return null;
      const resolved = resolveRef(module, stmt.source, 'source').resolved;
      return resolved ? this.sourceInfo(resolved.decl, resolved.module, resolved.qualifiedName) : null;
    };
    const desired = find('Desired');
    const actual = find('Actual');
    const key = desired?.shape.key ? desired : actual?.shape.key ? actual : null;
    sides = {
      desired,
      actual,
      key,
      roots: {
        desired: desired?.shape.record ?? untypedRecord('desired'),
        actual: actual?.shape.record ?? untypedRecord('actual'),
        key: key?.shape.keyRecord ?? untypedRecord('key'),
      },
    };
    this.sides.set(decl, sides);
    return sides;
  }

  /** A source's shape as seen under `qualifiedName`, computed once. */
  sourceInfo(decl: A.SourceDecl, module: Module, qualifiedName: string = decl.name.text): SourceInfo {
    let info = this.shapes.get(decl);
    if (!info || info.qualifiedName !== qualifiedName) {
      info = { decl, module, qualifiedName, shape: sourceShape(decl, qualifiedName) };
      this.shapes.set(decl, info);
    }
    return info;
  }

  // ---------------------------------------------------------------- declarations

  private add(occ: Occurrence): void {
    if (Number.isNaN(occ.start) || Number.isNaN(occ.end)) return;
    this.occurrences.push(occ);
  }

  private declaration(decl: A.Decl): void {
    const module = this.module;
    switch (decl.kind) {
      case 'Import': {
        const imp = module.imports.find((i) => i.decl === decl);
        if (!imp) return;
        const aliasId: SymbolId = { path: module.path, kind: 'import', name: imp.alias };
        if (decl.alias && !decl.alias.missing) {
          this.add({ type: 'symbol', role: 'declaration', id: aliasId, target: { module, decl, name: decl.alias }, start: decl.alias.start, end: decl.alias.end });
        }
        if (!decl.path.missing) this.add({ type: 'module-path', import: imp, aliasId, start: decl.path.start, end: decl.path.end });
        return;
      }
      case 'Let':
        this.declare(decl, 'let');
        this.expr(decl.value, this.constantEnv());
        return;
      case 'Group':
        this.declare(decl, 'group');
        this.expr(decl.members, this.constantEnv());
        return;
      case 'Source':
        this.declare(decl, 'source');
        this.source(decl);
        return;
      case 'Profile':
        this.declare(decl, 'profile');
        this.compareItems(decl.rules, null);
        return;
      case 'Policy':
        this.declare(decl, 'policy');
        this.policy(decl);
        return;
      case 'Test':
        this.declare(decl, 'test');
        this.test(decl);
        return;
    }
  }

  private declare(decl: A.Decl, kind: SymbolKind): void {
    const name = declName(decl);
    if (!name || name.missing) return;
    const text = name.kind === 'Name' ? name.text : stringText(name);
    this.add({ type: 'symbol', role: 'declaration', id: { path: this.module.path, kind, name: text }, target: { module: this.module, decl, name }, start: name.start, end: name.end });
  }

  /** A reference `name` or `alias.name` to a declaration of `kind`. */
  private ref(ref: A.Ref, kind: SymbolKind): void {
    if (ref.missing || ref.name.missing) return;
    if (ref.module) {
      if (ref.module.missing) return;
      const imp = this.module.imports.find((i) => i.alias === ref.module!.text);
      if (imp) this.importRef(ref.module, imp);
    }
    const resolved = resolveRef(this.module, ref, kind).resolved;
    if (!resolved) return;
    const name = declName(resolved.decl) ?? ref.name;
    this.add({
      type: 'symbol',
      role: 'reference',
      id: { path: resolved.module.path, kind, name: ref.name.text },
      target: { module: resolved.module, decl: resolved.decl, name },
      start: ref.name.start,
      end: ref.name.end,
    });
  }

  private importRef(at: A.Span, imp: ModuleImport, scope?: ExpressionScope): void {
    this.add({
      type: 'symbol',
      role: 'reference',
      id: { path: this.module.path, kind: 'import', name: imp.alias },
      target: { module: this.module, decl: imp.decl, name: imp.decl.alias ?? imp.decl.path },
      start: at.start,
      end: at.end,
      ...(scope ? { scope } : {}),
    });
  }

  private word(node: A.Name | null | undefined, category: WordCategory): void {
    if (!node || node.missing) return;
    this.add({ type: 'word', category, word: node.text, start: node.start, end: node.end });
  }

  // ---------------------------------------------------------------- sources

  private source(decl: A.SourceDecl): void {
    const info = this.sourceInfo(decl, this.module);
    const declared = new Set<string>();
    for (const stmt of decl.statements) {
      if (stmt.kind === 'Fields') for (const f of stmt.fields) if (!f.name.missing) declared.add(fieldNameText(f.name));
    }
    const keyRecord = info.shape.keyRecord;
    for (const stmt of decl.statements) {
      switch (stmt.kind) {
        case 'From':
          this.connectorCall(stmt.call, this.constantEnv(connectorScope(this.module)));
          break;
        case 'Key':
          for (const path of stmt.paths) this.pathHead(path, info, info.shape.record);
          break;
        case 'Fields':
          for (const f of stmt.fields) {
            if (!f.name.missing) {
              const type = info.shape.record.fields?.get(fieldNameText(f.name)) ?? null;
              this.add({ type: 'field', role: 'declaration', name: fieldNameText(f.name), fieldType: type, source: info, raw: false, start: f.name.start, end: f.name.end });
            }
            this.word(f.type, 'type');
          }
          break;
        case 'Select': {
          const env: Env = { ...this.constantEnv(selectScope(this.module, decl.name.text)), record: info, raw: true };
          for (const line of stmt.lines) {
            if (!line.name.missing) {
              const name = fieldNameText(line.name);
              const role = declared.has(name) ? 'reference' : 'declaration';
              const type = info.shape.record.fields?.get(name) ?? null;
              this.add({ type: 'field', role, name, fieldType: type === 'unknown' ? null : type, source: info, raw: false, start: line.name.start, end: line.name.end });
            }
            this.expr(line.value, env);
          }
          break;
        }
        case 'Where':
          this.expr(stmt.condition, { ...this.constantEnv(whereScope(this.module, info.shape.record)), record: info });
          break;
        case 'Write': {
          const urlEnv: Env = {
            ...this.constantEnv(ruleScope(this.module, { desired: untypedRecord('desired'), actual: info.shape.record, key: keyRecord })),
            actual: info,
            key: info,
          };
          for (const item of stmt.items) {
            if (item.kind === 'Map') {
              const env: Env = { ...this.constantEnv(mapScope(this.module, info.shape.record)), record: info };
              for (const line of item.lines) {
                this.pathHead(line.path, info, null);
                this.expr(line.value, env);
              }
              continue;
            }
            this.word(item.op, 'write-op');
            this.word(item.method, 'http-method');
            if (item.url) this.expr(item.url, urlEnv);
            if (item.call) this.connectorCall(item.call, urlEnv);
          }
          break;
        }
      }
    }
  }

  /** `csv("...", delimiter: ";")`, `exec("prog", [...])`: the connector, its options, its arguments. */
  private connectorCall(call: A.CallExpr, env: Env): void {
    if (call.missing) return;
    let spec: ConnectorSpec | undefined;
    if (call.callee.kind === 'NameRef' && !call.callee.missing) {
      spec = connectorSpec(call.callee.name.text);
      if (spec) this.add({ type: 'connector', spec, start: call.callee.start, end: call.callee.end });
    }
    for (const arg of call.args) {
      if (arg.name && !arg.name.missing && spec) {
        const param = spec.options.find((o) => o.name === arg.name!.text) ?? null;
        this.add({ type: 'option', name: arg.name.text, connector: spec, param, start: arg.name.start, end: arg.name.end });
      }
      this.expr(arg.value, env);
    }
  }

  /**
   * The first segment of a field path as a field of `info` (typed by `record`, when given: a
   * compare rule is typed by the desired side, a map line's raw path by nothing).
   */
  private pathHead(path: A.Path, info: SourceInfo | null, record: RecordShape | null): void {
    if (path.missing) return;
    const head = path.segments[0];
    if (!head || head.kind !== 'field') return;
    const type = record?.fields?.get(head.name) ?? null;
    this.add({ type: 'field', role: 'reference', name: head.name, fieldType: type === 'unknown' ? null : type, source: info, raw: record === null && info !== null, start: head.start, end: head.end });
  }

  // ---------------------------------------------------------------- policies, profiles, tests

  private policy(decl: A.PolicyDecl): void {
    const sides = this.policySides(decl);
    const ruleEnv = this.ruleEnv(sides);
    for (const stmt of decl.statements) {
      switch (stmt.kind) {
        case 'Description':
        case 'Owner':
          this.expr(stmt.value, this.constantEnv());
          break;
        case 'Severity':
          this.word(stmt.value, 'severity');
          break;
        case 'Mode':
          this.word(stmt.value, 'mode');
          break;
        case 'Desired':
        case 'Actual':
          this.ref(stmt.source, 'source');
          break;
        case 'Compare':
          this.compareItems(stmt.items, sides);
          break;
        case 'Remediate':
          for (const rule of stmt.rules) {
            this.word(rule.on, 'kind');
            if (rule.when) this.expr(rule.when, ruleEnv);
            this.word(rule.action, 'action');
            if (rule.title) this.expr(rule.title, ruleEnv);
            if (rule.approval?.group) this.ref(rule.approval.group, 'group');
            if (rule.because) this.expr(rule.because, ruleEnv);
          }
          break;
        case 'Limits':
          for (const entry of stmt.entries) {
            this.word(entry.name, 'limit');
            if (entry.value.kind === 'Name') this.word(entry.value, 'on-exceed');
          }
          break;
        case 'Rate':
          this.word(stmt.unit, 'rate-unit');
          break;
        default:
          break;
      }
    }
  }

  private compareItems(items: readonly (A.CompareDefault | A.CompareUse | A.CompareRule)[], sides: PolicySidesInfo | null): void {
    const env = sides ? this.ruleEnv(sides) : this.constantEnv(ruleScope(this.module, untypedRoots()));
    for (const item of items) {
      if (item.kind === 'CompareDefault') this.word(item.value, 'compare-default');
      else if (item.kind === 'CompareUse') this.ref(item.profile, 'profile');
      else {
        this.pathHead(item.path, sides?.desired ?? null, sides?.desired?.shape.record ?? untypedRecord('desired'));
        const comparator = item.comparator;
        if (comparator.kind === 'NamedComparator') this.word(comparator.name, 'comparator');
        else if (comparator.kind === 'Normalize') for (const n of comparator.normalizers) this.word(n.name, 'normalizer');
        else if (comparator.kind === 'ByComparator') this.expr(comparator.expr, env);
      }
    }
  }

  private test(decl: A.TestDecl): void {
    this.ref(decl.policy, 'policy');
    const resolved = decl.policy.missing || decl.policy.name.missing ? null : resolveRef(this.module, decl.policy, 'policy').resolved;
    const sides = resolved ? this.policySides(resolved.decl, resolved.module) : null;
    this.testRecords(decl.desired, sides?.desired ?? null);
    this.testRecords(decl.actual, sides?.actual ?? null);
    const expect = decl.expect;
    if (expect.kind === 'NoDrift') this.word(expect.word, 'expectation');
    else {
      for (const entry of expect.entries) {
        if (entry.kind === 'ExpectCount') this.word(entry.name, 'expectation');
        else {
          this.word(entry.word, 'expectation');
          this.word(entry.action, 'action');
          this.expr(entry.key, this.constantEnv());
        }
      }
    }
  }

  /** A test's records: object keys are fields of the side's source. */
  private testRecords(list: A.ListLiteral, source: SourceInfo | null): void {
    if (list.missing) return;
    const env = this.constantEnv();
    for (const element of list.elements) {
      if (element.kind !== 'Object') {
        this.expr(element, env);
        continue;
      }
      for (const entry of element.entries) {
        if (!entry.key.missing) {
          const name = entry.key.kind === 'Name' ? entry.key.text : stringText(entry.key);
          const type = source?.shape.record.fields?.get(name) ?? null;
          this.add({ type: 'field', role: 'reference', name, fieldType: type === 'unknown' ? null : type, source, raw: false, start: entry.key.start, end: entry.key.end });
        }
        this.expr(entry.value, env);
      }
    }
  }

  // ---------------------------------------------------------------- expressions

  private constantEnv(scope: ExpressionScope = constantScope(this.module)): Env {
    return { scope, record: null, raw: false, desired: null, actual: null, key: null };
  }

  private ruleEnv(sides: PolicySidesInfo): Env {
    return { scope: ruleScope(this.module, sides.roots), record: null, raw: false, desired: sides.desired, actual: sides.actual, key: sides.key };
  }

  private expr(e: A.Expr, env: Env): void {
    if (e.missing) return;
    switch (e.kind) {
      case 'NameRef':
        this.nameRef(e.name, env);
        return;
      case 'Member': {
        if (e.object.kind === 'NameRef' && !e.object.missing && !e.property.missing) {
          const meaning = resolveBareName(e.object.name.text, env.scope);
          if (meaning.kind === 'root' && meaning.root !== 'diff' && env.scope.roots) {
            const source = env[meaning.root];
            this.add({ type: 'root', root: meaning.root, source, start: e.object.start, end: e.object.end });
            const type = env.scope.roots[meaning.root].fields?.get(e.property.text) ?? null;
            this.add({ type: 'field', role: 'reference', name: e.property.text, fieldType: type === 'unknown' ? null : type, source, raw: false, start: e.property.start, end: e.property.end });
            return;
          }
          if (meaning.kind === 'record') {
            this.add({ type: 'record', source: env.record, start: e.object.start, end: e.object.end });
            const type = env.scope.record?.fields?.get(e.property.text) ?? null;
            this.add({ type: 'field', role: 'reference', name: e.property.text, fieldType: type === 'unknown' ? null : type, source: env.record, raw: env.raw, start: e.property.start, end: e.property.end });
            return;
          }
          if (meaning.kind === 'module') {
            this.importRef(e.object, meaning.import, env.scope);
            const found = resolveImportedLet(meaning.import, e.property.text);
            if (found.decl) {
              this.add({
                type: 'symbol',
                role: 'reference',
                id: { path: found.module.path, kind: 'let', name: found.decl.name.text },
                target: { module: found.module, decl: found.decl, name: found.decl.name },
                start: e.property.start,
                end: e.property.end,
              });
            }
            return;
          }
        }
        this.expr(e.object, env);
        return;
      }
      case 'Call': {
        if (e.callee.kind === 'NameRef' && !e.callee.missing) {
          const fn = builtinFunction(e.callee.name.text);
          if (fn) this.add({ type: 'function', fn, start: e.callee.start, end: e.callee.end });
        } else {
          this.expr(e.callee, env);
        }
        for (const arg of e.args) this.expr(arg.value, env);
        return;
      }
      default:
        for (const child of childExpressions(e)) this.expr(child, env);
    }
  }

  private nameRef(name: A.Name, env: Env): void {
    if (name.missing) return;
    const meaning = resolveBareName(name.text, env.scope);
    switch (meaning.kind) {
      case 'field':
        this.add({ type: 'field', role: 'reference', name: meaning.name, fieldType: meaning.type === 'unknown' ? null : meaning.type, source: env.record, raw: env.raw, start: name.start, end: name.end });
        return;
      case 'record':
        this.add({ type: 'record', source: env.record, start: name.start, end: name.end });
        return;
      case 'root':
        this.add({ type: 'root', root: meaning.root, source: meaning.root === 'diff' ? null : env[meaning.root], start: name.start, end: name.end });
        return;
      case 'let':
        this.add({
          type: 'symbol',
          role: 'reference',
          id: { path: meaning.module.path, kind: 'let', name: meaning.decl.name.text },
          target: { module: meaning.module, decl: meaning.decl, name: meaning.decl.name },
          start: name.start,
          end: name.end,
          scope: env.scope,
        });
        return;
      case 'module':
        this.importRef(name, meaning.import, env.scope);
        return;
      case 'unknown':
        return;
    }
  }
}

/** Where a field of a source is declared: its `fields` entry, else its `select` line. */
export function fieldDeclaration(source: SourceInfo, name: string): A.Span | null {
  for (const stmt of source.decl.statements) {
    if (stmt.kind !== 'Fields') continue;
    const found = stmt.fields.find((f) => !f.name.missing && fieldNameText(f.name) === name);
    if (found) return found.name;
  }
  for (const stmt of source.decl.statements) {
    if (stmt.kind !== 'Select') continue;
    const found = stmt.lines.find((l) => !l.name.missing && fieldNameText(l.name) === name);
    if (found) return found.name;
  }
  return null;
}
