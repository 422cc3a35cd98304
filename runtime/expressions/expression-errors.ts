/**
 * The two ways evaluating an IR expression can fail.
 *
 * Why two classes: LANGUAGE.md section 3 says a type error at run time makes a condition false
 * with a warning — that is data-dependent and recoverable (`EvaluationError`). An expression the
 * runtime refuses to run at all (an unknown operation, `method`, `secret()` outside connector
 * arguments) is a defect of the IR or an attack, never a warning (`InvalidExpressionError`).
 */

/**
 * A run-time failure over some data: incompatible types (`"a" * 2`), division by zero, a bad
 * regular expression. Callers of conditions turn it into `false` plus a warning.
 */
export class EvaluationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvaluationError';
  }
}

/**
 * The expression itself cannot be run: it is not valid IR, uses an operation outside
 * `IR_OPERATIONS`, or reads a secret where its value could be shown. Always propagates.
 */
export class InvalidExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidExpressionError';
  }
}
