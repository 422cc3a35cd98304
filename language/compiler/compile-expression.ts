/**
 * Expressions to JsonLogic (`IrExpr`), using only the operations of `IR_OPERATIONS`.
 *
 * Why the care: in JsonLogic a JSON object is an operation and a JSON array is a list whose
 * elements are evaluated, so literal data must never be emitted as a bare object; and what a
 * bare name means depends on where the expression stands (LANGUAGE.md section 3), which the
 * runtime cannot know. Both are settled here, once.
 *
 * The translation:
 *
 * | `.recon`                                   | JsonLogic                                              |
 * |--------------------------------------------|--------------------------------------------------------|
 * | `"text"` (no interpolation)                | `"text"`                                               |
 * | `"a ${x} b"`                               | `{"concat": ["a ", x, " b"]}`                          |
 * | `42`, `2m`, `10%`                          | `42`, `120000` (milliseconds), `0.1` (a fraction)      |
 * | `-5` (a literal)                           | `-5`; on anything else `{"-": [x]}`                    |
 * | `true`, `false`, `null`                    | themselves                                             |
 * | `[a, b]`                                   | `[a, b]`                                               |
 * | `{ name: a, "odd key": b }`                | `{"object": ["name", a, "odd key", b]}` (always)       |
 * | `a == b`, `a != b`                         | `{"===": [a, b]}`, `{"!==": [a, b]}`                   |
 * | `<` `<=` `>` `>=` `in` `matches` `+` `-` `*` `/` `%` | the operation of the same name               |
 * | `a and b and c`, `a or b`, `not a`         | `{"and": [a, b, c]}`, `{"or": [a, b]}`, `{"!": [a]}`   |
 * | `round(x, 2)`, `now()`, ...                | `{"round": [x, 2]}`, `{"now": []}`                     |
 * | `changed("p")`, `only("p", "q")`           | `{"changed": [{"var": "diff"}, "p"]}`, `{"only": [{"var": "diff"}, "p", "q"]}` |
 * | `desired.amount`, `items[0].sku`           | `{"var": "desired.amount"}`, `{"var": "items.0.sku"}`  |
 * | `record["cost-center"]`                    | `{"var": "cost-center"}`                               |
 * | `record["a.b"]`, `tags[k]`                 | `{"get": [{"var": ""}, "a.b"]}`, `{"get": [{"var": "tags"}, k]}` |
 * | `upper(x).length`                          | `{"get": [{"upper": [x]}, "length"]}`                  |
 *
 * Paths: a chain of `.name` and `[index]` steps from a field, a root or `record` becomes one
 * dotted `var` as long as every step is static and dot-free (a name without `.`, not empty, or a
 * list index); from the first step that is computed or holds a dot, the rest is a chain of `get`.
 *
 * Bare names, by scope (`ExpressionScope`):
 * - `record` (select over the raw record, where over the presented record, map over the record
 *   to write): `record` is the record itself, `{"var": ""}`. When the record's fields are known
 *   (a source with `fields` or `select`; the same shapes the checker uses), a field is
 *   `{"var": "name"}` and a let that is not a field is its value, inlined. When they are not
 *   known (the raw record of `select`, a source with neither), every other name is a field, and
 *   one that is also a let is `{"var": ["name", <let value>]}`: a field of that name shadows the
 *   let when the record has one (LANGUAGE.md section 3), the let's value stands in otherwise.
 * - `rule` (when, by, ticket titles, write URLs and exec arguments): the roots `desired`,
 *   `actual`, `key` and `diff` are `var`s; a let is its value, inlined.
 * - `constant` (let values, connector arguments and options): a let is its value, inlined.
 * Lets of an imported module are reached as `alias.name` and inlined, except over a record of
 * unknown fields, where `alias.name` is a field path like any other.
 */
import type * as A from '../ast.js';
import type { IrExpr } from '../ir/ir-types.js';
import type { Module } from '../program.js';
import type { CompileContext } from './compile-context.js';
import { formatFieldPath, isListIndex, type FieldPathSegment } from './field-path-text.js';
import { findImportedLet, findLet, isImportAlias, type LetTarget } from './let-lookup.js';

/** Where an expression stands, which decides what its bare names mean (see the module comment). */
export type ExpressionScope =
  | {
      kind: 'record';
      /**
       * The fields the record is known to have (declared in `fields` or built by `select`), or
       * null when they are not known (the raw record, an untyped source).
       */
      fields: ReadonlySet<string> | null;
      /**
       * When given, every raw path the expression reads is appended (select `reads`): the
       * longest static path of each read, `""` for a read of the whole record.
       */
      reads?: string[];
    }
  | { kind: 'rule' }
  | { kind: 'constant' };

/** The roots of rule contexts (LANGUAGE.md section 3). */
export const RULE_ROOTS: ReadonlySet<string> = new Set(['desired', 'actual', 'key', 'diff']);

/** Built-in functions and the IR operation each compiles to (the same name). */
export const BUILTIN_FUNCTIONS: ReadonlySet<string> = new Set([
  'changed',
  'only',
  'len',
  'lower',
  'upper',
  'trim',
  'round',
  'abs',
  'min',
  'max',
  'contains',
  'starts_with',
  'ends_with',
  'coalesce',
  'now',
  'age',
  'env',
  'secret',
]);

/** Built-ins that read the `diff` root implicitly: it becomes their first argument. */
const DIFF_FUNCTIONS: ReadonlySet<string> = new Set(['changed', 'only']);

const BINARY_OPERATIONS: Record<A.BinaryOperator, string> = {
  or: 'or',
  and: 'and',
  '==': '===',
  '!=': '!==',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
  in: 'in',
  matches: 'matches',
  '+': '+',
  '-': '-',
  '*': '*',
  '/': '/',
  '%': '%',
};

/**
 * Compiles `expr`, written in `module`, to JsonLogic. Never throws: what cannot be compiled is
 * reported on `ctx` and compiles to `null`.
 */
export function compileExpression(ctx: CompileContext, module: Module, expr: A.Expr, scope: ExpressionScope): IrExpr {
  return new ExpressionCompiler(ctx, module, scope).compile(expr);
}

/**
 * The raw path that `expr` is, when it is a plain path over the raw record (a `select` line):
 * a field followed by static steps (`id`, `meta.labels.app`, `items[0]`), or `record` followed by
 * at least one static step (`record["cost-center"]`). Null for anything else, including a name
 * that is a let (the checker counts it as the let: nothing to write back). Select lines use it
 * for `plainPath`.
 */
export function plainRawPath(module: Module, expr: A.Expr): string | null {
  const { base, steps } = flattenAccess(expr);
  if (base.kind !== 'NameRef' || base.missing) return null;
  if (steps.some((s) => s.kind === 'dynamic')) return null;
  const name = base.name.text;
  const staticSteps = steps.map((s) => (s as StaticStep).value);
  if (name === 'record') return staticSteps.length > 0 ? formatFieldPath(staticSteps) : null;
  if (findLet(module, name)) return null;
  return formatFieldPath([name, ...staticSteps]);
}

interface StaticStep {
  kind: 'static';
  value: FieldPathSegment;
}
type Step = StaticStep | { kind: 'dynamic'; index: A.Expr };

/** `a.b[0][k]` as its base (`a`) and its steps, looking through parentheses. */
function flattenAccess(expr: A.Expr): { base: A.Expr; steps: Step[] } {
  const steps: Step[] = [];
  let current = expr;
  for (;;) {
    if (current.kind === 'Paren') {
      current = current.expr;
    } else if (current.kind === 'Member' && !current.property.missing) {
      steps.unshift({ kind: 'static', value: current.property.text });
      current = current.object;
    } else if (current.kind === 'Index') {
      steps.unshift(indexStep(current.index));
      current = current.object;
    } else {
      return { base: current, steps };
    }
  }
}

function indexStep(index: A.Expr): Step {
  let inner = index;
  while (inner.kind === 'Paren') inner = inner.expr;
  if (inner.kind === 'String' && !inner.missing && inner.parts.every((p) => typeof p === 'string')) {
    return { kind: 'static', value: inner.parts.join('') };
  }
  if (inner.kind === 'Number' && !inner.missing && Number.isFinite(inner.value)) {
    return { kind: 'static', value: isListIndex(inner.value) ? inner.value : String(inner.value) };
  }
  return { kind: 'dynamic', index };
}

/** Whether a static step can be part of a dotted `var` path. */
function dottable(value: FieldPathSegment): boolean {
  return typeof value === 'number' || (value !== '' && !value.includes('.'));
}

/** Compiled let values, per compilation, so each let is compiled once. */
const letValues = new WeakMap<CompileContext, Map<A.LetDecl, IrExpr>>();

class ExpressionCompiler {
  constructor(
    private readonly ctx: CompileContext,
    private readonly module: Module,
    private readonly scope: ExpressionScope,
  ) {}

  compile(expr: A.Expr): IrExpr {
    if (expr.missing) {
      this.ctx.incomplete(this.module, expr, 'this expression');
      return null;
    }
    switch (expr.kind) {
      case 'String':
        return this.string(expr);
      case 'Number':
      case 'Duration':
      case 'Percent':
        return this.number(expr);
      case 'Bool':
        return expr.value;
      case 'Null':
        return null;
      case 'List':
        return expr.elements.map((element) => this.compile(element));
      case 'Object':
        return { object: expr.entries.flatMap((entry) => [this.objectKey(entry.key), this.compile(entry.value)]) };
      case 'Paren':
        return this.compile(expr.expr);
      case 'Unary':
        return this.unary(expr);
      case 'Binary':
        return this.binary(expr);
      case 'Call':
        return this.call(expr);
      case 'NameRef':
      case 'Member':
      case 'Index':
        return this.access(expr);
    }
  }

  private number(expr: A.NumberLiteral | A.DurationLiteral | A.PercentLiteral): IrExpr {
    if (Number.isFinite(expr.value)) return expr.value;
    this.ctx.report(this.module, 'value-out-of-range', expr, { detail: `the number ${expr.text} is too large to be written in the IR` });
    return null;
  }

  private string(expr: A.StringLiteral): IrExpr {
    if (expr.parts.every((p) => typeof p === 'string')) return expr.parts.join('');
    const parts: IrExpr[] = [];
    for (const part of expr.parts) {
      if (typeof part !== 'string') parts.push(this.compile(part));
      else if (part !== '') parts.push(part);
    }
    return { concat: parts };
  }

  private objectKey(key: A.Name | A.StringLiteral): IrExpr {
    return key.kind === 'Name' ? key.text : this.string(key);
  }

  private unary(expr: A.UnaryExpr): IrExpr {
    if (expr.operator === 'not') return { '!': [this.compile(expr.operand)] };
    let operand = expr.operand;
    while (operand.kind === 'Paren') operand = operand.expr;
    if ((operand.kind === 'Number' || operand.kind === 'Duration' || operand.kind === 'Percent') && !operand.missing) {
      const value = this.number(operand);
      return typeof value === 'number' ? (value === 0 ? 0 : -value) : value;
    }
    return { '-': [this.compile(expr.operand)] };
  }

  private binary(expr: A.BinaryExpr): IrExpr {
    const operation = BINARY_OPERATIONS[expr.operator];
    if (expr.operator === 'and' || expr.operator === 'or') {
      const operands: A.Expr[] = [];
      const collect = (e: A.Expr): void => {
        let inner = e;
        while (inner.kind === 'Paren') inner = inner.expr;
        if (inner.kind === 'Binary' && inner.operator === expr.operator) {
          collect(inner.left);
          collect(inner.right);
        } else {
          operands.push(e);
        }
      };
      collect(expr);
      return { [operation]: operands.map((o) => this.compile(o)) };
    }
    return { [operation]: [this.compile(expr.left), this.compile(expr.right)] };
  }

  private call(expr: A.CallExpr): IrExpr {
    let callee = expr.callee;
    while (callee.kind === 'Paren') callee = callee.expr;
    if (callee.kind !== 'NameRef' || !BUILTIN_FUNCTIONS.has(callee.name.text)) {
      const name = callee.kind === 'NameRef' ? callee.name.text : callee.kind === 'Member' ? calleeText(callee) : '(expression)';
      if (callee.missing) this.ctx.incomplete(this.module, callee, 'this call');
      else this.ctx.report(this.module, 'unknown-function', callee, { name, hint: '' });
      return null;
    }
    const name = callee.name.text;
    const args = expr.args.map((arg) => this.compile(arg.value));
    return { [name]: DIFF_FUNCTIONS.has(name) ? [{ var: 'diff' }, ...args] : args };
  }

  private access(expr: A.NameRef | A.MemberExpr | A.IndexExpr): IrExpr {
    const { base, steps } = flattenAccess(expr);
    if (base.kind === 'Member') {
      // Only a member whose property error recovery had to invent stops the flattening.
      this.ctx.incomplete(this.module, base.property, 'this expression');
      return null;
    }
    if (base.kind !== 'NameRef') return this.gets(this.compile(base), steps);
    if (base.missing) {
      this.ctx.incomplete(this.module, base, 'this expression');
      return null;
    }
    const name = base.name.text;
    const scope = this.scope;

    const local = findLet(this.module, name);
    if (scope.kind === 'rule' && RULE_ROOTS.has(name)) return this.path([name], steps, false);
    if (scope.kind === 'record') {
      if (name === 'record' && !scope.fields?.has(name)) return this.path([], steps, true);
      if (scope.fields === null) {
        // Only the data knows whether the record has this field; a let of the name stands in.
        if (local) return this.gets({ var: [name, this.letValue(local, base)] }, steps);
        return this.path([name], steps, true);
      }
      if (scope.fields.has(name)) return this.path([name], steps, true);
    }
    if (local) return this.gets(this.letValue(local, base), steps);
    const first = steps[0];
    if (isImportAlias(this.module, name) && first?.kind === 'static' && typeof first.value === 'string') {
      const imported = findImportedLet(this.module, name, first.value);
      if (imported) return this.gets(this.letValue(imported, expr), steps.slice(1));
    }
    if (scope.kind === 'record') return this.path([name], steps, true);
    this.ctx.report(this.module, 'unknown-name', base, { name, hint: '' });
    return null;
  }

  /**
   * A path from a root: the longest dottable run of static steps joins the `var`, the rest
   * becomes `get`s. `isRecord` marks a path into the scope's record, whose raw paths are reads.
   */
  private path(prefix: string[], steps: Step[], isRecord: boolean): IrExpr {
    if (isRecord && this.scope.kind === 'record' && this.scope.reads) {
      const read: FieldPathSegment[] = [...prefix];
      for (const step of steps) {
        if (step.kind !== 'static') break;
        read.push(step.value);
      }
      this.scope.reads.push(formatFieldPath(read));
    }
    const segments: FieldPathSegment[] = [...prefix];
    let used = 0;
    for (const step of steps) {
      if (step.kind !== 'static' || !dottable(step.value)) break;
      segments.push(step.value);
      used++;
    }
    return this.gets({ var: segments.join('.') }, steps.slice(used));
  }

  private gets(base: IrExpr, steps: Step[]): IrExpr {
    let result = base;
    for (const step of steps) {
      result = { get: [result, step.kind === 'static' ? step.value : this.compile(step.index)] };
    }
    return result;
  }

  /** The compiled value of a let (compiled once, copied on each use), or null on a cycle. */
  private letValue(target: LetTarget, use: A.Span): IrExpr {
    let cache = letValues.get(this.ctx);
    if (!cache) {
      cache = new Map();
      letValues.set(this.ctx, cache);
    }
    const cached = cache.get(target.decl);
    if (cached !== undefined) return structuredClone(cached);
    if (!this.ctx.letGuard.enter(target, this.module, use)) return null;
    let value: IrExpr;
    try {
      value = new ExpressionCompiler(this.ctx, target.module, { kind: 'constant' }).compile(target.decl.value);
    } finally {
      this.ctx.letGuard.leave();
    }
    cache.set(target.decl, value);
    return structuredClone(value);
  }
}

function calleeText(expr: A.Expr): string {
  if (expr.kind === 'NameRef') return expr.name.text;
  if (expr.kind === 'Member') return `${calleeText(expr.object)}.${expr.property.text}`;
  return '(expression)';
}
