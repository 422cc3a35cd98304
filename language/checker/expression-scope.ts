/**
 * What a bare name means where an expression stands (LANGUAGE.md section 3).
 *
 * - In `select` (the raw record), `where` (the record after `select` and `fields`) and `map` (the
 *   record to write), a bare name is a field of that record, and `record` is the record itself.
 * - In `when`, `by`, ticket titles, `because` and write URLs, the roots `desired`, `actual`, `key`
 *   and `diff` are in scope.
 * - Everywhere, `let` constants and built-in functions; a field of the record shadows a `let` of
 *   the same name. `alias.name` reaches a `let` of an imported module.
 *
 * Why a module of its own: the checker reports on these answers and the compiler translates by
 * them (a field becomes `{"var": "name"}`, a let its value), so both must resolve identically.
 */
import type * as A from '../ast.js';
import type { Module, ModuleImport } from '../program.js';
import { builtinFunction, type BuiltinFunction, type ValueType } from './builtin-functions.js';
import { untypedRecord, type RecordShape } from './source-shape.js';

/** Where an expression stands; decides what bare names mean. */
export type ExpressionContextKind =
  /** a `select` line: bare names are fields of the raw record (untyped). */
  | 'select'
  /** `where`: fields of the record after `select` and `fields`. */
  | 'where'
  /** a `map` line: fields of the record to write. */
  | 'map'
  /** `when`, `by`, ticket titles, `because`, write URLs: roots desired, actual, key, diff. */
  | 'rule'
  /** `from CONNECTOR(...)` arguments and options: lets only; the one place `secret()` is allowed. */
  | 'connector'
  /** let values, group members, test records, descriptions: lets only. */
  | 'constant';

/** The roots of rule contexts. */
export interface RuleRoots {
  desired: RecordShape;
  actual: RecordShape;
  /** The key fields. */
  key: RecordShape;
}

export interface ExpressionScope {
  kind: ExpressionContextKind;
  /** The module whose lets and imports are in scope. */
  module: Module;
  /** The record bare names refer to (select, where, map); null elsewhere. */
  record: RecordShape | null;
  /** The roots (rule contexts); null elsewhere. */
  roots: RuleRoots | null;
  /** Whether `secret()` may be used here: only in connector arguments and options. */
  allowSecret: boolean;
}

/** The names of the roots of rule contexts. */
export const ROOT_NAMES = ['desired', 'actual', 'key', 'diff'] as const;
export type RootName = (typeof ROOT_NAMES)[number];

/** What a bare name means. */
export type NameMeaning =
  /** A field of the record (`shadowsLet`: a let of that name that the field hides). */
  | { kind: 'field'; name: string; type: ValueType; shadowsLet: A.LetDecl | null }
  /** `record`: the record itself (reach odd field names with `record["cost-center"]`). */
  | { kind: 'record' }
  | { kind: 'root'; root: RootName }
  | { kind: 'let'; decl: A.LetDecl; module: Module }
  /** An import alias: only meaningful followed by `.name` (a let of that module). */
  | { kind: 'module'; import: ModuleImport }
  /** Not in scope; `candidates` are the names that are, for "did you mean". */
  | { kind: 'unknown'; candidates: string[]; record: RecordShape | null };

/** A `select` line's scope: the raw record, whose fields are not known. */
export function selectScope(module: Module, source: string): ExpressionScope {
  return { kind: 'select', module, record: untypedRecord(source), roots: null, allowSecret: false };
}

/** A `where` condition's scope: the record after `select` and `fields`. */
export function whereScope(module: Module, record: RecordShape): ExpressionScope {
  return { kind: 'where', module, record, roots: null, allowSecret: false };
}

/** A `map` line's scope: the record to write (the source's presented record). */
export function mapScope(module: Module, record: RecordShape): ExpressionScope {
  return { kind: 'map', module, record, roots: null, allowSecret: false };
}

/** `when`, `by`, ticket titles, `because` and write URLs. */
export function ruleScope(module: Module, roots: RuleRoots): ExpressionScope {
  return { kind: 'rule', module, record: null, roots, allowSecret: false };
}

/** Roots that know nothing (a profile's `by`: no policy tells which sources compare). */
export function untypedRoots(): RuleRoots {
  return { desired: untypedRecord('desired'), actual: untypedRecord('actual'), key: untypedRecord('key') };
}

/** Connector arguments and options: lets and functions, secret() allowed. */
export function connectorScope(module: Module): ExpressionScope {
  return { kind: 'connector', module, record: null, roots: null, allowSecret: true };
}

/** Let values, group members, test records and other constants: lets and functions only. */
export function constantScope(module: Module): ExpressionScope {
  return { kind: 'constant', module, record: null, roots: null, allowSecret: false };
}

/** Whether bare names in this context are fields of a record. */
export function isRecordContext(kind: ExpressionContextKind): boolean {
  return kind === 'select' || kind === 'where' || kind === 'map';
}

/**
 * Resolves a bare name (not a callee) in a scope, in this order: a field of the record (which
 * shadows a let), `record`, a root, a let, an import alias. A record whose fields are unknown
 * (the raw record of `select`, an untyped source) has every name as a field except `record`
 * (import aliases included); a let of the same name is then reported as `shadowsLet`, since only
 * the data decides.
 */
export function resolveBareName(name: string, scope: ExpressionScope): NameMeaning {
  const letDecl = scope.module.symbols.let.get(name) ?? null;
  const imp = scope.module.imports.find((i) => i.alias === name) ?? null;
  if (scope.record) {
    const fields = scope.record.fields;
    if (fields === null) {
      if (name === 'record') return { kind: 'record' };
      return { kind: 'field', name, type: 'unknown', shadowsLet: letDecl };
    }
    const type = fields.get(name);
    if (type !== undefined) return { kind: 'field', name, type, shadowsLet: letDecl };
    if (name === 'record') return { kind: 'record' };
  }
  if (scope.roots && (ROOT_NAMES as readonly string[]).includes(name)) return { kind: 'root', root: name as RootName };
  if (letDecl) return { kind: 'let', decl: letDecl, module: scope.module };
  if (imp) return { kind: 'module', import: imp };
  return { kind: 'unknown', candidates: namesInScope(scope), record: scope.record };
}

/** Every bare name in scope (for "did you mean" and completion); functions excluded. */
export function namesInScope(scope: ExpressionScope): string[] {
  const names: string[] = [];
  if (scope.record) {
    if (scope.record.fields) names.push(...scope.record.fields.keys());
    names.push('record');
  }
  if (scope.roots) names.push(...ROOT_NAMES);
  names.push(...scope.module.symbols.let.keys());
  return names;
}

/** The let `name` of an imported module (`alias.name`), or the lets it has, for "did you mean". */
export function resolveImportedLet(imp: ModuleImport, name: string): { decl: A.LetDecl; module: Module } | { decl: null; candidates: string[] } {
  if (!imp.module) return { decl: null, candidates: [] };
  const decl = imp.module.symbols.let.get(name);
  if (decl) return { decl, module: imp.module };
  return { decl: null, candidates: [...imp.module.symbols.let.keys()] };
}

/** The record shape a root stands for (`diff` is a list of paths, not a record). */
export function rootRecord(roots: RuleRoots, root: RootName): RecordShape | null {
  return root === 'diff' ? null : roots[root];
}

/** The built-in function a callee names, when the callee is a bare name of a built-in. */
export function calleeFunction(callee: A.Expr): BuiltinFunction | undefined {
  return callee.kind === 'NameRef' ? builtinFunction(callee.name.text) : undefined;
}

/** Whether a function may be called in this scope (`changed`/`only` need the `diff` root). */
export function functionAvailable(f: BuiltinFunction, scope: ExpressionScope): boolean {
  return f.availability === 'everywhere' || scope.roots !== null;
}
