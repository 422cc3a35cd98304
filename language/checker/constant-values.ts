/**
 * Values known at compile time: test records, group members, file paths, `env`/`secret` names.
 *
 * Why: these are fixed in the IR (`IrTest.desired`, `IrGroup.members`, `IrConnector.path`), so the
 * checker must tell "not constant" at the offending node, and the compiler must compute the same
 * value the checker accepted. A constant is a literal, a list or object of constants, a string
 * whose interpolations are constants, `-` of a number, arithmetic on constant numbers (`+` also
 * joins two strings), or a `let` (of this module or `alias.name` of an imported one) whose value
 * is constant.
 */
import type * as A from '../ast.js';
import type { Module } from '../program.js';

export type ConstantResult = { ok: true; value: unknown } | { ok: false; node: A.Expr };

/** The text of a value interpolated into a string: null as "", lists and objects as JSON. */
export function interpolationText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? '';
}

/** The let a name or `alias.name` refers to in a constant context, or null. */
export function constantLet(expr: A.Expr, module: Module): { decl: A.LetDecl; module: Module } | null {
  if (expr.kind === 'NameRef') {
    const decl = module.symbols.let.get(expr.name.text);
    return decl ? { decl, module } : null;
  }
  if (expr.kind === 'Member' && expr.object.kind === 'NameRef' && !module.symbols.let.has(expr.object.name.text)) {
    const imp = module.imports.find((i) => i.alias === (expr.object as A.NameRef).name.text);
    const decl = imp?.module?.symbols.let.get(expr.property.text);
    return decl && imp?.module ? { decl, module: imp.module } : null;
  }
  return null;
}

/**
 * Evaluates a constant expression; `{ ok: false, node }` names the first part that is not
 * constant. Never throws: a let cycle is simply not constant (the cycle is reported elsewhere).
 */
export function constantValue(expr: A.Expr, module: Module, visiting: Set<A.LetDecl> = new Set()): ConstantResult {
  const fail = (node: A.Expr): ConstantResult => ({ ok: false, node });
  if (expr.missing) return fail(expr);
  switch (expr.kind) {
    case 'String': {
      let text = '';
      for (const part of expr.parts) {
        if (typeof part === 'string') {
          text += part;
          continue;
        }
        const inner = constantValue(part, module, visiting);
        if (!inner.ok) return inner;
        text += interpolationText(inner.value);
      }
      return { ok: true, value: text };
    }
    case 'Number':
    case 'Duration':
    case 'Percent':
    case 'Bool':
      return { ok: true, value: expr.value };
    case 'Null':
      return { ok: true, value: null };
    case 'List': {
      const values: unknown[] = [];
      for (const element of expr.elements) {
        const inner = constantValue(element, module, visiting);
        if (!inner.ok) return inner;
        values.push(inner.value);
      }
      return { ok: true, value: values };
    }
    case 'Object': {
      const value: Record<string, unknown> = {};
      for (const entry of expr.entries) {
        const inner = constantValue(entry.value, module, visiting);
        if (!inner.ok) return inner;
        const key = entry.key.kind === 'Name' ? entry.key.text : entry.key.parts.filter((p): p is string => typeof p === 'string').join('');
        Object.defineProperty(value, key, { value: inner.value, enumerable: true, writable: true, configurable: true });
      }
      return { ok: true, value };
    }
    case 'Paren':
      return constantValue(expr.expr, module, visiting);
    case 'Unary': {
      if (expr.operator !== '-') return fail(expr);
      const inner = constantValue(expr.operand, module, visiting);
      if (!inner.ok) return inner;
      return typeof inner.value === 'number' ? { ok: true, value: inner.value === 0 ? 0 : -inner.value } : fail(expr);
    }
    case 'Binary': {
      if (!['+', '-', '*', '/', '%'].includes(expr.operator)) return fail(expr);
      const left = constantValue(expr.left, module, visiting);
      if (!left.ok) return left;
      const right = constantValue(expr.right, module, visiting);
      if (!right.ok) return right;
      const a = left.value;
      const b = right.value;
      if (expr.operator === '+' && typeof a === 'string' && typeof b === 'string') return { ok: true, value: a + b };
      if (typeof a !== 'number' || typeof b !== 'number') return fail(expr);
      const result =
        expr.operator === '+' ? a + b : expr.operator === '-' ? a - b : expr.operator === '*' ? a * b : expr.operator === '/' ? a / b : a % b;
      return Number.isFinite(result) ? { ok: true, value: result === 0 ? 0 : result } : fail(expr);
    }
    case 'NameRef':
    case 'Member': {
      const target = constantLet(expr, module);
      if (!target || visiting.has(target.decl)) return fail(expr);
      visiting.add(target.decl);
      const inner = constantValue(target.decl.value, target.module, visiting);
      visiting.delete(target.decl);
      return inner.ok ? inner : fail(expr);
    }
    default:
      return fail(expr);
  }
}

/** Whether an expression is constant. */
export function isConstant(expr: A.Expr, module: Module): boolean {
  return constantValue(expr, module).ok;
}
