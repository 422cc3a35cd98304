/**
 * Evaluates IR expressions (JsonLogic) with json-logic-js and exactly the operations of
 * `IR_OPERATIONS`.
 *
 * Why this shape:
 * - json-logic-js keeps one module-level registry. This module replaces it once, at load time:
 *   every default operation that is not an IR operation is removed (`method`, `log`, `cat`,
 *   `==`, ...), and every IR operation is registered from the `*-operations.ts` groups. Code in
 *   the same process that calls json-logic-js directly gets the same, safe registry.
 * - Per-run values (observed_at, env) and per-call state (secrets read) travel in an
 *   `EvaluationScope` passed as json-logic's data, so evaluation is reentrant: no module-level
 *   mutable state is involved.
 * - json-logic-js handles `if`, `map`, `filter`, `reduce`, `all`, `some`, `none`, `and`, `or`
 *   itself, before consulting the registry, and walks dotted operation names into the registry.
 *   Every expression is therefore checked before it runs (and the checked form cached per IR
 *   node): an operation outside `IR_OPERATIONS` is refused with `InvalidExpressionError`, and
 *   `and`/`or` are wrapped so they return booleans as the IR says.
 *
 * Run-time type errors (`"a" * 2`) throw `EvaluationError` from `evaluate`; `evaluateCondition`
 * turns them into `false` plus a warning, as LANGUAGE.md section 3 requires.
 */
import jsonLogic from 'json-logic-js';
import { IR_OPERATIONS, type IrExpr } from '../../language/ir/ir-types.js';
import { ARITHMETIC_OPERATIONS } from './arithmetic-operations.js';
import { DATA_OPERATIONS, walkDottedPath } from './data-operations.js';
import type { EvaluationContext, EvaluationScope, Operation } from './evaluation-scope.js';
import { EvaluationError, InvalidExpressionError } from './expression-errors.js';
import { LOGIC_OPERATIONS, TRUTHY_OPERATION } from './logic-operations.js';
import { RUN_OPERATIONS } from './run-operations.js';
import { redactMessage, redactSecrets } from './secret-redaction.js';
import { TEXT_OPERATIONS } from './text-operations.js';
import { truthy } from './value-semantics.js';

export type { EvaluationContext } from './evaluation-scope.js';
export { EvaluationError, InvalidExpressionError } from './expression-errors.js';

/** Operations json-logic-js evaluates itself (short-circuit); the IR may use only `and`/`or`. */
const INLINE_OPERATIONS = new Set(['and', 'or']);

/** json-logic-js 2.x's default registry, all removed unless the IR defines the name. */
const LIBRARY_DEFAULTS = [
  '==', '===', '!=', '!==', '>', '>=', '<', '<=', '!!', '!', '%', 'log', 'in', 'cat', 'substr',
  '+', '*', '-', '/', 'min', 'max', 'merge', 'var', 'missing', 'missing_some', 'method',
];

const REGISTERED: Readonly<Record<string, Operation>> = {
  ...DATA_OPERATIONS,
  ...LOGIC_OPERATIONS,
  ...ARITHMETIC_OPERATIONS,
  ...TEXT_OPERATIONS,
  ...RUN_OPERATIONS,
};

/** The operation names an IR expression may use (exactly `IR_OPERATIONS`). */
export const SUPPORTED_OPERATIONS: ReadonlySet<string> = new Set(Object.keys(IR_OPERATIONS));

function installOperations(): void {
  for (const name of LIBRARY_DEFAULTS) jsonLogic.rm_operation(name);
  for (const name of SUPPORTED_OPERATIONS) {
    if (INLINE_OPERATIONS.has(name)) continue;
    const operation = REGISTERED[name];
    if (!operation) throw new Error(`internal: IR operation "${name}" has no implementation`);
    jsonLogic.add_operation(name, operation);
  }
  jsonLogic.add_operation(TRUTHY_OPERATION, REGISTERED[TRUTHY_OPERATION]);
}
installOperations();

/** A checked expression: what json-logic-js runs, plus a fast path for plain field reads. */
interface PreparedExpression {
  logic: unknown;
  /** Set when the expression is `{"var": "a.b"}`: read directly, no interpreter round trip. */
  plainPath: string | null;
}

const prepared = new WeakMap<object, PreparedExpression>();

function describeOperation(op: string): string {
  return op === 'method'
    ? 'the operation "method" is not allowed: expressions cannot call JavaScript methods'
    : `unknown operation ${JSON.stringify(op)} (not an IR operation)`;
}

function check(expr: unknown): unknown {
  if (expr === null || typeof expr === 'string' || typeof expr === 'boolean') return expr;
  if (typeof expr === 'number') {
    if (!Number.isFinite(expr)) throw new InvalidExpressionError('a number in an expression must be finite');
    return expr;
  }
  if (Array.isArray(expr)) return expr.map(check);
  if (typeof expr !== 'object') throw new InvalidExpressionError(`not an expression: ${typeof expr}`);
  const keys = Object.keys(expr);
  if (keys.length !== 1) {
    throw new InvalidExpressionError(`an operation object must have exactly one key, this one has ${keys.length}`);
  }
  const op = keys[0];
  if (!SUPPORTED_OPERATIONS.has(op)) throw new InvalidExpressionError(describeOperation(op));
  const raw = (expr as Record<string, unknown>)[op];
  const args = (Array.isArray(raw) ? raw : [raw]).map(check);
  const logic = { [op]: args };
  return INLINE_OPERATIONS.has(op) ? { [TRUTHY_OPERATION]: [logic] } : logic;
}

function prepare(expr: IrExpr): PreparedExpression {
  if (expr === null || typeof expr !== 'object') return { logic: check(expr), plainPath: null };
  let result = prepared.get(expr);
  if (!result) {
    const logic = check(expr) as Record<string, unknown[]>;
    const varArgs = !Array.isArray(logic) && logic !== null ? logic.var : undefined;
    const plainPath = varArgs && varArgs.length === 1 && typeof varArgs[0] === 'string' ? varArgs[0] : null;
    result = { logic, plainPath };
    prepared.set(expr, result);
  }
  return result;
}

/**
 * Checks that an expression only uses IR operations, without running it. Throws
 * `InvalidExpressionError`; useful to fail early when an IR is loaded.
 */
export function validateExpression(expr: IrExpr): void {
  prepare(expr);
}

function run(expr: IrExpr, scope: EvaluationScope): unknown {
  const { logic, plainPath } = prepare(expr);
  let value: unknown;
  if (plainPath !== null) {
    value = walkDottedPath(scope.data, plainPath);
  } else {
    try {
      value = jsonLogic.apply(logic as jsonLogic.RulesLogic, scope);
    } catch (error) {
      if (error instanceof EvaluationError || error instanceof InvalidExpressionError) throw error;
      throw new EvaluationError(error instanceof Error ? error.message : String(error));
    }
  }
  return value === undefined ? null : value;
}

/**
 * Evaluates `expr` with bare names resolving against `data` (a record, or the condition roots
 * `{desired, actual, key, diff}`); `{"var": ""}` is `data` itself (the `record` root). Absent
 * values are `null`. Throws `EvaluationError` on a run-time type error and
 * `InvalidExpressionError` for an expression that may not run (including any `secret()`).
 */
export function evaluate(expr: IrExpr, data: unknown, ctx: EvaluationContext): unknown {
  return run(expr, { data, context: ctx, secrets: null });
}

/** The outcome of a condition: its truth, and why it was forced to false when it was. */
export interface ConditionResult {
  value: boolean;
  /** The run-time error that made the condition false, or null. */
  warning: string | null;
}

/**
 * Evaluates a condition (`where`, `when`): its JsonLogic truthiness, or `false` with a warning
 * when evaluating it raised a run-time type error. `InvalidExpressionError` still propagates:
 * an expression that may not run is a defect, not data.
 */
export function evaluateCondition(expr: IrExpr, data: unknown, ctx: EvaluationContext): ConditionResult {
  try {
    return { value: truthy(evaluate(expr, data, ctx)), warning: null };
  } catch (error) {
    if (error instanceof EvaluationError) return { value: false, warning: error.message };
    throw error;
  }
}

/** A connector argument or option: its value, and the same value as it may be shown. */
export interface ConnectorValue {
  value: unknown;
  /** `value` with every secret it holds replaced by `***` (equal to `value` when none was read). */
  redacted: unknown;
  /** Whether `secret()` was read while evaluating it. */
  secret: boolean;
  /**
   * The secret values read (empty when none), so a caller can also scrub text it did not build
   * from `value` (a server's error message, a program's stderr) before showing it.
   */
  secrets: readonly string[];
}

/**
 * Evaluates a connector argument or option (a URL, headers, a connection string), the only place
 * `secret()` is allowed. Use `value` to talk to the system and `redacted` for anything shown: a
 * plan's `effect`, logs, error messages. `data` is the root for bare names (the key, for write
 * URLs); none for plain connector arguments. An error it throws never quotes a secret read
 * before it (`redactMessage`).
 */
export function evaluateConnectorValue(expr: IrExpr, ctx: EvaluationContext, data: unknown = {}): ConnectorValue {
  const secrets = new Set<string>();
  let value: unknown;
  try {
    value = run(expr, { data, context: ctx, secrets });
  } catch (error) {
    // A message may quote a value derived from a secret read before the failure (a pattern
    // that does not compile, a type error): hide them, keeping the error's class.
    if (secrets.size > 0 && error instanceof Error) error.message = redactMessage(error.message, secrets);
    throw error;
  }
  if (secrets.size === 0) return { value, redacted: value, secret: false, secrets: [] };
  return { value, redacted: redactSecrets(value, secrets), secret: true, secrets: [...secrets] };
}
