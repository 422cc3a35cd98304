/**
 * Generic walking of expressions: the children of a node, and a depth-first visit.
 *
 * Why: several checks (let dependencies, secret use, recovery-invented parts) walk expressions
 * without caring about each node kind; one definition of "children" keeps them in agreement.
 */
import type * as A from '../ast.js';

/** Every expression directly inside `expr` (children), for generic walks. */
export function childExpressions(expr: A.Expr): A.Expr[] {
  switch (expr.kind) {
    case 'String':
      return expr.parts.filter((p): p is A.Expr => typeof p !== 'string');
    case 'List':
      return expr.elements;
    case 'Object':
      return expr.entries.map((e) => e.value);
    case 'Paren':
      return [expr.expr];
    case 'Member':
      return [expr.object];
    case 'Index':
      return [expr.object, expr.index];
    case 'Call':
      return [expr.callee, ...expr.args.map((a) => a.value)];
    case 'Unary':
      return [expr.operand];
    case 'Binary':
      return [expr.left, expr.right];
    default:
      return [];
  }
}

/** Whether `predicate` holds for `expr` or any expression below it. */
export function someExpression(expr: A.Expr, predicate: (e: A.Expr) => boolean): boolean {
  return predicate(expr) || childExpressions(expr).some((c) => someExpression(c, predicate));
}
