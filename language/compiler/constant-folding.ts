/**
 * Values known at compile time: test data, test keys, group members, file paths, descriptions.
 *
 * Why a separate evaluator: these values go into the IR as plain JSON data, not as JsonLogic
 * (a test record `{ amount: 10 }` must stay an object, whereas in an expression an object is an
 * operation), so they must be computed here, and only from what cannot change between runs.
 *
 * What folds: literals (strings, numbers, `true`, `false`, `null`), durations (to milliseconds),
 * percentages (to fractions), lists, objects, parentheses, unary minus on a number, `let`s
 * (also `alias.name` through an import) whose values fold, and string interpolation whose parts
 * fold to text, numbers, booleans or null (`"${prefix}-1"`; null interpolates as "", as at run
 * time). Everything else (field names, roots, calls, operators) is reported as `not-constant`
 * at the offending sub-expression, or at the use of a let whose value does not fold.
 */
import type * as A from '../ast.js';
import type { Module } from '../program.js';
import type { CompileContext } from './compile-context.js';
import { findImportedLet, findLet, isImportAlias, type LetTarget } from './let-lookup.js';

/** A JSON value, as the IR holds test data and keys. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [name: string]: JsonValue };

/** The outcome of folding: the value, or `ok: false` once the reason has been reported. */
export type FoldResult = { ok: true; value: JsonValue } | { ok: false };

type Inner =
  | { ok: true; value: JsonValue }
  | { ok: false; span: A.Span; reason: 'not-constant' | 'range' | 'reported'; text?: string };

/**
 * Folds `expr` (of `module`) to a JSON value. On failure reports one diagnostic
 * (`not-constant` with `{what}`, `value-out-of-range` for a number JSON cannot hold, or
 * `let-cycle`) and returns `{ ok: false }`.
 *
 * @param what how the message names the value: "test data", "the path of csv()".
 */
export function foldConstant(ctx: CompileContext, module: Module, expr: A.Expr, what: string): FoldResult {
  const result = new Folder(ctx).fold(module, expr);
  if (result.ok) return result;
  if (result.reason === 'not-constant') ctx.report(module, 'not-constant', result.span, { what: capitalise(what) });
  else if (result.reason === 'range') {
    ctx.report(module, 'value-out-of-range', result.span, { detail: `the number ${result.text ?? ''} is too large to be written in the IR` });
  }
  return { ok: false };
}

/** Like `foldConstant`, for a value that must be a string (a description, a file path). */
export function foldString(ctx: CompileContext, module: Module, expr: A.Expr, what: string): string | null {
  const result = foldConstant(ctx, module, expr, what);
  if (!result.ok) return null;
  if (typeof result.value !== 'string') {
    ctx.report(module, 'type-mismatch', expr, { detail: `${what} must be a string` });
    return null;
  }
  return result.value;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Sets an own property, so a name such as `__proto__` is data and never a prototype. */
function defineOwn(target: Record<string, JsonValue>, name: string, value: JsonValue): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

class Folder {
  constructor(private readonly ctx: CompileContext) {}

  fold(module: Module, expr: A.Expr): Inner {
    if (expr.missing) {
      this.ctx.incomplete(module, expr, 'this value');
      return { ok: false, span: expr, reason: 'reported' };
    }
    switch (expr.kind) {
      case 'String':
        return this.string(module, expr);
      case 'Number':
      case 'Duration':
      case 'Percent':
        return Number.isFinite(expr.value)
          ? { ok: true, value: expr.value }
          : { ok: false, span: expr, reason: 'range', text: expr.text };
      case 'Bool':
        return { ok: true, value: expr.value };
      case 'Null':
        return { ok: true, value: null };
      case 'Paren':
        return this.fold(module, expr.expr);
      case 'List': {
        const values: JsonValue[] = [];
        for (const element of expr.elements) {
          const folded = this.fold(module, element);
          if (!folded.ok) return folded;
          values.push(folded.value);
        }
        return { ok: true, value: values };
      }
      case 'Object': {
        const value: Record<string, JsonValue> = {};
        for (const entry of expr.entries) {
          let name: string;
          if (entry.key.kind === 'Name') {
            name = entry.key.text;
          } else {
            const key = this.fold(module, entry.key);
            if (!key.ok) return key;
            if (typeof key.value !== 'string') return { ok: false, span: entry.key, reason: 'not-constant' };
            name = key.value;
          }
          const folded = this.fold(module, entry.value);
          if (!folded.ok) return folded;
          defineOwn(value, name, folded.value);
        }
        return { ok: true, value };
      }
      case 'Unary': {
        if (expr.operator !== '-') return { ok: false, span: expr, reason: 'not-constant' };
        const operand = this.fold(module, expr.operand);
        if (!operand.ok) return operand;
        if (typeof operand.value !== 'number') return { ok: false, span: expr, reason: 'not-constant' };
        return { ok: true, value: operand.value === 0 ? 0 : -operand.value };
      }
      case 'NameRef': {
        const target = findLet(module, expr.name.text);
        return target ? this.let(module, target, expr) : { ok: false, span: expr, reason: 'not-constant' };
      }
      case 'Member': {
        const base = expr.object;
        if (base.kind === 'NameRef' && !findLet(module, base.name.text) && isImportAlias(module, base.name.text)) {
          const target = findImportedLet(module, base.name.text, expr.property.text);
          if (target) return this.let(module, target, expr);
        }
        return { ok: false, span: expr, reason: 'not-constant' };
      }
      default:
        return { ok: false, span: expr, reason: 'not-constant' };
    }
  }

  private string(module: Module, expr: A.StringLiteral): Inner {
    let text = '';
    for (const part of expr.parts) {
      if (typeof part === 'string') {
        text += part;
        continue;
      }
      const folded = this.fold(module, part);
      if (!folded.ok) return folded;
      const value = folded.value;
      if (value === null) continue;
      if (typeof value === 'object') return { ok: false, span: part, reason: 'not-constant' };
      text += String(value);
    }
    return { ok: true, value: text };
  }

  /** A let's folded value; a failure inside it is reported at the use, in the using module. */
  private let(module: Module, target: LetTarget, use: A.Span): Inner {
    if (!this.ctx.letGuard.enter(target, module, use)) return { ok: false, span: use, reason: 'reported' };
    try {
      const folded = this.fold(target.module, target.decl.value);
      if (folded.ok || folded.reason === 'reported') return folded;
      return { ok: false, span: use, reason: folded.reason, text: folded.text };
    } finally {
      this.ctx.letGuard.leave();
    }
  }
}
