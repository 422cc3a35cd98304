/**
 * Checking one expression: names in scope, functions and their arity, a small type inference
 * over the declared `fields` types, `secret()` placement, `matches` patterns.
 *
 * Why types are inferred at all: LANGUAGE.md section 3 makes arithmetic or comparison on
 * incompatible types a check-time error "where the types are known (declared fields)", and a
 * run-time warning (the condition is false) otherwise. So the inference is deliberately lenient:
 * `unknown`, `json` and `null` never cause an error, and `==`/`!=` never do (they are null-safe
 * and strict by definition). Only operations that would certainly fail at run time are reported.
 */
import type * as A from '../ast.js';
import { diagnostic, type Diagnostic, type DiagnosticFix } from '../diagnostics.js';
import type { Module } from '../program.js';
import { didYouMean } from '../suggest.js';
import {
  BUILTIN_FUNCTION_NAMES,
  builtinFunction,
  functionParamTypes,
  functionResultType,
  type BuiltinFunction,
  type ValueType,
} from './builtin-functions.js';
import { constantValue } from './constant-values.js';
import { bareNumber, literalWithoutUnit } from './duration-units.js';
import { someExpression } from './expression-walk.js';
import { functionAvailable, resolveBareName, resolveImportedLet, rootRecord, type ExpressionScope } from './expression-scope.js';
import { canHaveSubfields, type RecordShape } from './source-shape.js';

/** What checking an expression needs from its surroundings. */
export interface ExpressionHost {
  report(d: Diagnostic): void;
  /** The inferred type of a let's value. */
  letType(decl: A.LetDecl, module: Module): ValueType;
  /** Whether a let's value uses `secret()`, directly or through other lets. */
  letUsesSecret(decl: A.LetDecl, module: Module): boolean;
}

/** A host that reports nothing and infers let types on the fly (for hover, the compiler, tests). */
export function silentHost(): ExpressionHost {
  const visiting = new Set<A.LetDecl>();
  const host: ExpressionHost = {
    report: () => {},
    letType(decl, module) {
      if (visiting.has(decl)) return 'unknown';
      visiting.add(decl);
      try {
        return checkExpression(decl.value, { kind: 'constant', module, record: null, roots: null, allowSecret: true }, host);
      } finally {
        visiting.delete(decl);
      }
    },
    letUsesSecret: () => false,
  };
  return host;
}

/** The inferred type of an expression, without reporting anything. */
export function inferExpressionType(expr: A.Expr, scope: ExpressionScope, host: ExpressionHost = silentHost()): ValueType {
  return checkExpression(expr, scope, { ...host, report: () => {} });
}

/** Checks an expression in a scope, reporting through `host`; returns its inferred type. */
export function checkExpression(expr: A.Expr, scope: ExpressionScope, host: ExpressionHost): ValueType {
  return new ExpressionChecker(scope, host).check(expr).type;
}

/** A value as the checker sees it: its type, and for records (roots, `record`) their fields. */
interface Typed {
  type: ValueType;
  record: RecordShape | null;
  /** For a field read from a typed record: the source and the path so far (for messages). */
  field: { source: string; path: string } | null;
}

const LENIENT: ReadonlySet<ValueType> = new Set(['unknown', 'json', 'null']);
const NUMERIC: ReadonlySet<ValueType> = new Set(['number', 'integer', 'duration']);
const TEXTUAL: ReadonlySet<ValueType> = new Set(['string', 'datetime']);

function plain(type: ValueType): Typed {
  return { type, record: null, field: null };
}

/** `a number`, `an integer`: how types read in messages. */
export function describeType(type: ValueType): string {
  switch (type) {
    case 'integer':
      return 'an integer';
    case 'object':
      return 'an object';
    case 'unknown':
      return 'an unknown value';
    case 'null':
      return 'null';
    case 'bool':
      return 'a boolean';
    default:
      return `a ${type}`;
  }
}

/**
 * Whether a value of type `actual` fits where `allowed` types are expected: unknown, json and
 * null always fit; an integer or a duration is a number; a datetime is a string.
 */
export function typeFits(actual: ValueType, allowed: readonly ValueType[]): boolean {
  if (LENIENT.has(actual) || allowed.includes(actual)) return true;
  if (actual === 'integer' && allowed.includes('number')) return true;
  if (actual === 'datetime' && allowed.includes('string')) return true;
  if (actual === 'duration' && allowed.includes('number')) return true;
  return false;
}

/** The message for a number literal beyond the largest double (the IR is JSON). */
export function numberTooLarge(text: string): string {
  return `the number ${text} is too large: numbers are at most about 1.8e308`;
}

/**
 * The message for a whole-number literal a double cannot hold exactly (beyond 2^53, such as
 * `123456789012345678901234567890`), or null when it is exact. Such a literal was silently
 * rounded in the IR: a key in `inline([...])` or a test record would then match (or collide
 * with) another record, and a comparison would test a different number than the one written.
 * Only digits-only literals are checked: `1e30` or `0.1` say by their form that they are
 * approximate, and a big literal that rounds to itself (`100000000000000000000`) loses nothing.
 */
export function integerNotExact(text: string, value: number): string | null {
  if (!/^\d+$/.test(text) || !Number.isFinite(value) || Number.isSafeInteger(value)) return null;
  if (BigInt(text) === BigInt(value)) return null;
  return `the whole number ${text} cannot be held exactly (numbers are exact up to 2^53 = 9007199254740992) and would be read as ${BigInt(value)}; write it as a string, or in exponent form if an approximate value is meant`;
}

function fix(start: number, end: number, suggestion: string): DiagnosticFix[] {
  return [{ title: `Change to '${suggestion}'`, start, end, text: suggestion }];
}

function expectedArity(f: BuiltinFunction): string {
  if (f.maxArgs === Infinity) return `at least ${f.minArgs}`;
  if (f.minArgs === f.maxArgs) return f.minArgs === 0 ? 'no' : String(f.minArgs);
  return `${f.minArgs} to ${f.maxArgs}`;
}

class ExpressionChecker {
  constructor(
    private readonly scope: ExpressionScope,
    private readonly host: ExpressionHost,
  ) {}

  private report(d: Diagnostic): void {
    this.host.report(d);
  }

  /**
   * A literal too large for a double (`1e309`) is Infinity, which JSON (the IR) cannot hold; the
   * compiler refuses it, so the checker says so first: `recon check` must not pass a file that
   * `recon compile` rejects. A whole number beyond 2^53 that a double would round is refused
   * too (`integerNotExact`), so the IR never holds a different number than the source.
   */
  private finite(expr: A.NumberLiteral | A.DurationLiteral | A.PercentLiteral): void {
    if (!Number.isFinite(expr.value)) this.report(diagnostic('value-out-of-range', expr.start, expr.end, { detail: numberTooLarge(expr.text) }));
    else if (expr.kind === 'Number') {
      const inexact = integerNotExact(expr.text, expr.value);
      if (inexact) this.report(diagnostic('value-out-of-range', expr.start, expr.end, { detail: inexact }));
    }
  }

  check(expr: A.Expr): Typed {
    if (expr.missing) return plain('unknown');
    switch (expr.kind) {
      case 'String':
        for (const part of expr.parts) if (typeof part !== 'string') this.check(part);
        return plain('string');
      case 'Number':
        this.finite(expr);
        return plain(Number.isInteger(expr.value) && !/[.eE]/.test(expr.text) ? 'integer' : 'number');
      case 'Duration':
        this.finite(expr);
        return plain('duration');
      case 'Percent':
        this.finite(expr);
        return plain('number');
      case 'Bool':
        return plain('bool');
      case 'Null':
        return plain('null');
      case 'List':
        for (const element of expr.elements) this.check(element);
        return plain('list');
      case 'Object':
        for (const entry of expr.entries) this.check(entry.value);
        return plain('object');
      case 'Paren':
        return this.check(expr.expr);
      case 'NameRef':
        return this.nameRef(expr);
      case 'Member':
        return this.member(expr);
      case 'Index':
        return this.index(expr);
      case 'Call':
        return this.call(expr);
      case 'Unary':
        return this.unary(expr);
      case 'Binary':
        return this.binary(expr);
    }
  }

  // ------------------------------------------------------------ names

  private nameRef(expr: A.NameRef): Typed {
    const name = expr.name.text;
    const meaning = resolveBareName(name, this.scope);
    switch (meaning.kind) {
      case 'field': {
        const record = this.scope.record!;
        // A name of a record whose fields are unknown compiles to the field with the let it may
        // shadow as its fallback, so a secret() in that let is evaluated here: report it as
        // `recon plan` would refuse it, at the name.
        if (record.fields === null && meaning.shadowsLet && !this.scope.allowSecret && this.host.letUsesSecret(meaning.shadowsLet, this.scope.module)) {
          this.report(diagnostic('secret-not-allowed', expr.start, expr.end, {}));
        }
        return { type: meaning.type, record: null, field: record.fields ? { source: record.source, path: name } : null };
      }
      case 'record':
        return { type: 'object', record: this.scope.record, field: null };
      case 'root': {
        if (meaning.root === 'diff') return plain('list');
        return { type: 'object', record: rootRecord(this.scope.roots!, meaning.root), field: null };
      }
      case 'let':
        return plain(this.useLet(expr, meaning.decl, meaning.module));
      case 'module':
        this.report(diagnostic('unknown-name', expr.start, expr.end, { name, hint: `: '${name}' is an imported module; name one of its lets: ${name}.NAME` }));
        return plain('unknown');
      case 'unknown': {
        const record = meaning.record;
        if (record && record.fields) {
          const { hint, suggestion } = didYouMean(name, meaning.candidates);
          this.report(diagnostic('unknown-field', expr.start, expr.end, { name, source: record.source, hint }, suggestion ? fix(expr.start, expr.end, suggestion) : undefined));
          return plain('unknown');
        }
        if (builtinFunction(name)) {
          this.report(diagnostic('unknown-name', expr.start, expr.end, { name, hint: `: '${name}' is a function; call it: ${name}(...)` }));
          return plain('unknown');
        }
        const { hint, suggestion } = didYouMean(name, meaning.candidates);
        this.report(diagnostic('unknown-name', expr.start, expr.end, { name, hint }, suggestion ? fix(expr.start, expr.end, suggestion) : undefined));
        return plain('unknown');
      }
    }
  }

  private useLet(at: A.Expr, decl: A.LetDecl, module: Module): ValueType {
    if (!this.scope.allowSecret && this.host.letUsesSecret(decl, module)) {
      this.report(diagnostic('secret-not-allowed', at.start, at.end, {}));
    }
    return this.host.letType(decl, module);
  }

  /** `alias.name` where `alias` is an import and no field, root or let of that name. */
  private importedLet(expr: A.MemberExpr): Typed | null {
    if (expr.object.kind !== 'NameRef' || expr.object.missing) return null;
    const meaning = resolveBareName(expr.object.name.text, this.scope);
    if (meaning.kind !== 'module') return null;
    if (expr.property.missing) return plain('unknown');
    const found = resolveImportedLet(meaning.import, expr.property.text);
    if (found.decl) return plain(this.useLet(expr, found.decl, found.module));
    if (meaning.import.module) {
      const qualified = `${meaning.import.alias}.${expr.property.text}`;
      const { hint, suggestion } = didYouMean(expr.property.text, found.candidates);
      this.report(
        diagnostic('unknown-name', expr.start, expr.end, { name: qualified, hint }, suggestion ? fix(expr.property.start, expr.property.end, suggestion) : undefined),
      );
    }
    return plain('unknown');
  }

  private member(expr: A.MemberExpr): Typed {
    const imported = this.importedLet(expr);
    if (imported) return imported;
    const object = this.check(expr.object);
    if (expr.property.missing) return plain('unknown');
    return this.fieldOf(object, expr.property.text, expr.property.start, expr.property.end, expr);
  }

  private index(expr: A.IndexExpr): Typed {
    const object = this.check(expr.object);
    const index = this.check(expr.index);
    if (expr.index.kind === 'String' && expr.index.parts.every((p) => typeof p === 'string')) {
      const name = expr.index.parts.join('');
      return this.fieldOf(object, name, expr.index.start, expr.index.end, expr);
    }
    if (object.record && object.record.fields && !LENIENT.has(index.type) && index.type !== 'string') {
      this.report(diagnostic('type-mismatch', expr.index.start, expr.index.end, { detail: `a record's fields are named by strings, not by ${describeType(index.type)}` }));
    }
    return plain('unknown');
  }

  /** Reads field `name` of a value: checked against a typed record, or below a typed field. */
  private fieldOf(object: Typed, name: string, start: number, end: number, whole: A.Expr): Typed {
    if (object.record) {
      const fields = object.record.fields;
      if (!fields) return plain('unknown');
      const type = fields.get(name);
      if (type === undefined) {
        const { hint, suggestion } = didYouMean(name, fields.keys());
        this.report(diagnostic('unknown-field', start, end, { name, source: object.record.source, hint }, suggestion ? fix(start, end, suggestion) : undefined));
        return plain('unknown');
      }
      return { type, record: null, field: { source: object.record.source, path: name } };
    }
    if (object.field && !canHaveSubfields(object.type)) {
      const path = `${object.field.path}.${name}`;
      this.report(diagnostic('unknown-field', whole.start, whole.end, { name: path, source: object.field.source, hint: `: '${object.field.path}' is ${describeType(object.type)}, not json` }));
      return plain('unknown');
    }
    if (!object.field && !LENIENT.has(object.type) && object.type !== 'object' && object.type !== 'list') {
      this.report(diagnostic('type-mismatch', whole.start, whole.end, { detail: `'${name}' reads a field of ${describeType(object.type)}, which has none` }));
      return plain('unknown');
    }
    return plain('unknown');
  }

  // ------------------------------------------------------------ calls

  private call(expr: A.CallExpr): Typed {
    const callee = expr.callee;
    const f = callee.kind === 'NameRef' && !callee.missing ? builtinFunction(callee.name.text) : undefined;
    const argTypes = expr.args.map((a) => this.check(a.value).type);
    if (callee.missing) return plain('unknown');
    if (!f) {
      if (callee.kind === 'NameRef') {
        const { hint, suggestion } = didYouMean(callee.name.text, BUILTIN_FUNCTION_NAMES);
        this.report(diagnostic('unknown-function', callee.start, callee.end, { name: callee.name.text, hint }, suggestion ? fix(callee.start, callee.end, suggestion) : undefined));
      } else {
        this.check(callee);
        this.report(diagnostic('unknown-function', callee.start, callee.end, { name: this.text(callee), hint: ': only built-in functions can be called' }));
      }
      return plain('unknown');
    }
    for (const arg of expr.args) {
      if (arg.name && !arg.name.missing) {
        this.report(diagnostic('unknown-option', arg.name.start, arg.name.end, { name: arg.name.text, connector: f.name, hint: ': functions take no named options' }));
      }
    }
    if (!functionAvailable(f, this.scope)) {
      this.report(diagnostic('function-not-available', callee.start, callee.end, { name: f.name, detail: 'it reads the differing fields (diff), known only in remediation rules (when, ticket titles, because) and by comparators' }));
    }
    if (f.name === 'secret' && !this.scope.allowSecret) {
      this.report(diagnostic('secret-not-allowed', expr.start, expr.end, {}));
    }
    if (expr.args.length < f.minArgs || expr.args.length > f.maxArgs) {
      this.report(diagnostic('wrong-arity', expr.start, expr.end, { name: f.name, expected: expectedArity(f), actual: expr.args.length }));
    }
    if (f.constantStringArgs === 'all') this.constantStrings(f, expr);
    expr.args.forEach((arg, i) => {
      const type = argTypes[i]!;
      const allowed = functionParamTypes(f, i);
      if (allowed.length > 0 && !typeFits(type, allowed)) {
        this.report(
          diagnostic('type-mismatch', arg.value.start, arg.value.end, {
            detail: `${f.name}() needs ${allowed.filter((t) => t !== 'integer' && t !== 'duration' && t !== 'datetime').map(describeType).join(' or ')} as argument ${i + 1}, got ${describeType(type)}`,
          }),
        );
      }
    });
    if ((f.name === 'min' || f.name === 'max') && argTypes.includes('duration')) {
      // min(age(actual.seen), 30): the 30 is read as milliseconds (duration-units.ts)
      for (const arg of expr.args) {
        const literal = bareNumber(arg.value);
        const warning = literal ? literalWithoutUnit(`${literal.text} in ${f.name}() with a duration`, literal) : null;
        if (warning) this.report(warning);
      }
    }
    return plain(functionResultType(f, argTypes));
  }

  /** `env("NAME")`, `secret("NAME")`, `changed("path")`: the arguments must be constant strings. */
  private constantStrings(f: BuiltinFunction, expr: A.CallExpr): void {
    for (const arg of expr.args) {
      if (arg.value.missing) continue;
      const value = constantValue(arg.value, this.scope.module);
      if (!value.ok) {
        this.report(diagnostic('not-constant', arg.value.start, arg.value.end, { what: `the argument of ${f.name}()` }));
        continue;
      }
      if (typeof value.value !== 'string' || value.value === '') continue;
      if (f.availability === 'diff') this.checkDiffPath(value.value, arg.value);
    }
  }

  /** A path named by `changed`/`only` must be a field the desired side compares (when typed). */
  private checkDiffPath(path: string, at: A.Expr): void {
    const desired = this.scope.roots?.desired;
    if (!desired || !desired.fields) return;
    const head = /^[^.[]*/.exec(path)![0];
    if (desired.fields.has(head)) return;
    const { hint, suggestion } = didYouMean(head, desired.fields.keys());
    const replace = at.kind === 'String' && head === path ? [{ title: `Change to '${suggestion}'`, start: at.start, end: at.end, text: JSON.stringify(suggestion) }] : undefined;
    this.report(diagnostic('unknown-field', at.start, at.end, { name: head, source: desired.source, hint }, suggestion ? replace : undefined));
  }

  private text(node: A.Expr): string {
    return this.scope.module.parsed.text.slice(node.start, node.end);
  }

  // ------------------------------------------------------------ operators

  private unary(expr: A.UnaryExpr): Typed {
    const operand = this.check(expr.operand).type;
    if (expr.operator === 'not') return plain('bool');
    if (!LENIENT.has(operand) && !NUMERIC.has(operand)) {
      this.report(diagnostic('type-mismatch', expr.start, expr.end, { detail: `'-' needs a number, got ${describeType(operand)}` }));
      return plain('unknown');
    }
    return plain(operand === 'null' ? 'null' : operand);
  }

  private binary(expr: A.BinaryExpr): Typed {
    const left = this.check(expr.left).type;
    const right = this.check(expr.right).type;
    const op = expr.operator;
    const mismatch = (detail: string): Typed => {
      this.report(diagnostic('type-mismatch', expr.start, expr.end, { detail }));
      return plain(op === '+' || op === '-' || op === '*' || op === '/' || op === '%' ? 'unknown' : 'bool');
    };
    const known = (t: ValueType): boolean => !LENIENT.has(t);
    if (left === 'duration' || right === 'duration') this.numberBesideDuration(expr, left, right);
    switch (op) {
      case 'or':
      case 'and':
      case '==':
      case '!=':
        return plain('bool');
      case '<':
      case '<=':
      case '>':
      case '>=': {
        if (known(left) && known(right)) {
          const ordered = (NUMERIC.has(left) && NUMERIC.has(right)) || (TEXTUAL.has(left) && TEXTUAL.has(right));
          if (!ordered) return mismatch(`'${op}' cannot compare ${describeType(left)} with ${describeType(right)}`);
        }
        return plain('bool');
      }
      case 'in': {
        if (known(right) && right !== 'list' && !TEXTUAL.has(right)) {
          return mismatch(`'in' looks in a list or a string, got ${describeType(right)}`);
        }
        if (TEXTUAL.has(right) && known(left) && !TEXTUAL.has(left)) {
          return mismatch(`'in' on a string looks for text, got ${describeType(left)}`);
        }
        return plain('bool');
      }
      case 'matches':
        return this.matches(expr, left, right);
      case '+': {
        if (known(left) && known(right)) {
          if (NUMERIC.has(left) && NUMERIC.has(right)) return plain(arithmeticResult(op, left, right));
          if (left === 'string' && right === 'string') return plain('string');
          return mismatch(`'+' cannot add ${describeType(left)} and ${describeType(right)}`);
        }
        for (const t of [left, right]) {
          if (t === 'bool' || t === 'list' || t === 'object') return mismatch(`'+' adds numbers or joins strings, got ${describeType(t)}`);
        }
        const other = known(left) ? left : right;
        return plain(NUMERIC.has(other) || other === 'string' ? other : 'unknown');
      }
      default: {
        for (const t of [left, right]) {
          if (known(t) && !NUMERIC.has(t)) return mismatch(`'${op}' needs numbers, got ${describeType(t)}`);
        }
        if (known(left) && known(right)) return plain(arithmeticResult(op, left, right));
        return plain(known(left) ? left : known(right) ? right : 'unknown');
      }
    }
  }

  /**
   * `age(actual.seen) > 30`: a number literal compared with, added to or subtracted from a
   * duration is read as milliseconds, which is rarely what a bare `30` meant (duration-units.ts).
   * `*`, `/` and `%` take plain numbers beside a duration (`2 * 1h`), so they are not reported;
   * nor is a number beside a duration that was divided (`age(actual.seen) / 1000 > 30`): the
   * division converted it to another unit, which the number then counts.
   */
  private numberBesideDuration(expr: A.BinaryExpr, left: ValueType, right: ValueType): void {
    const op = expr.operator;
    const phrase = (numberOnLeft: boolean): string | null => {
      if (op === '==' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=') return 'compared with a duration';
      if (op === '+') return 'added to a duration';
      if (op === '-') return numberOnLeft ? 'with a duration subtracted from it' : 'subtracted from a duration';
      return null;
    };
    const divided = (side: A.Expr): boolean => someExpression(side, (e) => e.kind === 'Binary' && e.operator === '/');
    const check = (durationSide: A.Expr, numberSide: A.Expr, numberOnLeft: boolean): void => {
      const literal = bareNumber(numberSide);
      const words = phrase(numberOnLeft);
      if (!literal || words === null || divided(durationSide)) return;
      const warning = literalWithoutUnit(`${literal.text} ${words}`, literal);
      if (warning) this.report(warning);
    };
    if (left === 'duration') check(expr.left, expr.right, false);
    if (right === 'duration') check(expr.right, expr.left, true);
  }

  private matches(expr: A.BinaryExpr, left: ValueType, right: ValueType): Typed {
    if (!LENIENT.has(left) && !TEXTUAL.has(left)) {
      this.report(diagnostic('type-mismatch', expr.left.start, expr.left.end, { detail: `'matches' tests text, got ${describeType(left)}` }));
    }
    if (!LENIENT.has(right) && right !== 'string') {
      this.report(diagnostic('type-mismatch', expr.right.start, expr.right.end, { detail: `'matches' needs a pattern string, got ${describeType(right)}` }));
      return plain('bool');
    }
    const pattern = constantValue(expr.right, this.scope.module);
    if (pattern.ok && typeof pattern.value === 'string') {
      const error = regexError(pattern.value);
      if (error !== null) this.report(diagnostic('invalid-regex', expr.right.start, expr.right.end, { pattern: JSON.stringify(pattern.value), detail: error }));
    }
    return plain('bool');
  }
}

/** The type of arithmetic on two numeric types (durations stay durations where that makes sense). */
function arithmeticResult(op: string, left: ValueType, right: ValueType): ValueType {
  const ld = left === 'duration';
  const rd = right === 'duration';
  if (op === '+' || op === '-' || op === '%') return ld || rd ? 'duration' : left === 'integer' && right === 'integer' ? 'integer' : 'number';
  if (op === '*') return ld !== rd ? 'duration' : left === 'integer' && right === 'integer' ? 'integer' : 'number';
  return ld && !rd ? 'duration' : 'number';
}

/**
 * Why a `matches` pattern is invalid (JavaScript syntax, a leading `(?i)` for case-insensitive,
 * as the runtime compiles it), or null when it is valid.
 */
export function regexError(pattern: string): string | null {
  const source = pattern.startsWith('(?i)') ? pattern.slice(4) : pattern;
  try {
    new RegExp(source);
    return null;
  } catch (error) {
    return (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
  }
}
