/**
 * Writing through `select` (LANGUAGE.md 2.1): which raw paths a `select` line reads, whether it is
 * a plain path (written back to that path), and which computed fields have no inverse.
 *
 * Rules: a plain-path line (`txn_id = id`) is written back to its path. A computed line is
 * covered when `write { map }` assigns every raw path its expression reads (a map line for `a`
 * also covers reads of `a.b`), or when it reads only the raw field of its own name
 * (`currency = upper(currency)`). In `select`, bare names are raw fields; a name that is also a
 * `let` is counted as the let (a constant, nothing to write back), `record` as the whole record.
 *
 * Why exported: the compiler fills `IrSelectLine.reads` and `plainPath` with the same answers the
 * checker used to accept the file.
 */
import type * as A from '../ast.js';
import type { Module } from '../program.js';
import { fieldNameText, pathText } from './source-shape.js';

/** `base.name` or `base["odd name"]`, as `pathText` writes paths. */
function joinField(base: string, name: string): string {
  if (base === '') return name;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `${base}.${name}` : `${base}[${JSON.stringify(name)}]`;
}

/**
 * The raw path an expression denotes when it is nothing but a path (`id`, `meta.labels.app`,
 * `record["cost-center"]`, `items[0].sku`), else null. `record` alone is the empty path.
 */
export function rawPathOf(expr: A.Expr, module: Module): string | null {
  switch (expr.kind) {
    case 'Paren':
      return rawPathOf(expr.expr, module);
    case 'NameRef':
      if (expr.missing) return null;
      if (expr.name.text === 'record') return '';
      return module.symbols.let.has(expr.name.text) ? null : expr.name.text;
    case 'Member': {
      const base = rawPathOf(expr.object, module);
      return base === null || expr.property.missing ? null : joinField(base, expr.property.text);
    }
    case 'Index': {
      const base = rawPathOf(expr.object, module);
      if (base === null) return null;
      if (expr.index.kind === 'String' && expr.index.parts.every((p) => typeof p === 'string')) return joinField(base, expr.index.parts.join(''));
      if (expr.index.kind === 'Number' && base !== '') return `${base}[${expr.index.value}]`;
      return null;
    }
    default:
      return null;
  }
}

/** Every raw path an expression of a `select` line reads (maximal paths, in order, once each). */
export function rawReads(expr: A.Expr, module: Module): string[] {
  const reads: string[] = [];
  const add = (p: string): void => {
    if (!reads.includes(p)) reads.push(p);
  };
  const visit = (e: A.Expr): void => {
    if (e.missing) return;
    const path = rawPathOf(e, module);
    if (path !== null) {
      add(path);
      return;
    }
    switch (e.kind) {
      case 'String':
        for (const p of e.parts) if (typeof p !== 'string') visit(p);
        return;
      case 'List':
        e.elements.forEach(visit);
        return;
      case 'Object':
        e.entries.forEach((x) => visit(x.value));
        return;
      case 'Paren':
        visit(e.expr);
        return;
      case 'Member':
        visit(e.object);
        return;
      case 'Index': {
        // a computed index reads the whole value below its base
        visit(e.object);
        visit(e.index);
        return;
      }
      case 'Call':
        if (e.callee.kind !== 'NameRef') visit(e.callee);
        e.args.forEach((a) => visit(a.value));
        return;
      case 'Unary':
        visit(e.operand);
        return;
      case 'Binary':
        visit(e.left);
        visit(e.right);
        return;
      default:
        return;
    }
  };
  visit(expr);
  return reads;
}

export interface SelectLineInfo {
  line: A.SelectLine;
  /** The field of the presented record. */
  name: string;
  /** The raw path of a plain-path line, else null. */
  plainPath: string | null;
  /** Raw paths the expression reads. */
  reads: string[];
}

/** What one `select` line reads and whether it is a plain path. */
export function selectLineInfo(line: A.SelectLine, module: Module): SelectLineInfo {
  const plainPath = rawPathOf(line.value, module);
  return { line, name: fieldNameText(line.name), plainPath: plainPath === '' ? null : plainPath, reads: rawReads(line.value, module) };
}

/** Whether a raw path is assigned by a map line (`a` covers `a`, `a.b`, `a[0]`). */
function assigned(read: string, mapPaths: readonly string[]): boolean {
  return mapPaths.some((m) => m !== '' && (read === m || read.startsWith(`${m}.`) || read.startsWith(`${m}[`)));
}

/** The raw paths `write { map }` assigns. */
export function mapPaths(decl: A.SourceDecl): string[] {
  const paths: string[] = [];
  for (const stmt of decl.statements) {
    if (stmt.kind !== 'Write') continue;
    for (const item of stmt.items) {
      if (item.kind !== 'Map') continue;
      for (const line of item.lines) if (!line.path.missing) paths.push(pathText(line.path));
    }
  }
  return paths;
}

/** Whether a `select` line can be written back (plain path, own raw field, or mapped reads). */
export function isCovered(info: SelectLineInfo, paths: readonly string[]): boolean {
  if (info.plainPath !== null) return true;
  if (info.reads.length > 0 && info.reads.every((r) => r === info.name)) return true;
  return info.reads.every((r) => assigned(r, paths));
}

/** The computed `select` lines of a source that have no inverse in `write { map }`. */
export function uncoveredComputedFields(decl: A.SourceDecl, module: Module): SelectLineInfo[] {
  const select = decl.statements.find((s): s is A.SelectStmt => s.kind === 'Select');
  if (!select) return [];
  const paths = mapPaths(decl);
  return select.lines
    .filter((l) => !l.name.missing && !l.value.missing)
    .map((l) => selectLineInfo(l, module))
    .filter((info) => !isCovered(info, paths));
}
