/**
 * What an operation sees while an expression is evaluated.
 *
 * Why a scope object: json-logic-js keeps one module-level registry of operations and calls each
 * with `this` bound to the "data" passed to `apply`. Instead of module-level mutable state (which
 * would break when two evaluations interleave, e.g. a preview and a plan in one language-server
 * process), the evaluator passes this scope as json-logic's data: the record lives in `data`, the
 * per-run values in `context`. Every evaluation is therefore reentrant.
 */

/** Per-run values an expression may read; never the clock or the process directly. */
export interface EvaluationContext {
  /** The run's `observed_at` (ISO 8601 instant): what `now()` returns and `age()` measures to. */
  observedAt: string;
  /** Variables for `env()` and `secret()`; `process.env` when omitted. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The `this` of every registered operation (see the module comment). */
export interface EvaluationScope {
  /** The root that bare names resolve against (a record, or `{desired, actual, key, diff}`). */
  readonly data: unknown;
  readonly context: EvaluationContext;
  /**
   * Secret values read so far, so the caller can redact them; `null` where `secret()` is not
   * allowed (anywhere but connector arguments and options).
   */
  readonly secrets: Set<string> | null;
}

/** The shape of an operation registered with json-logic-js (arguments already evaluated). */
export type Operation = (this: EvaluationScope, ...args: unknown[]) => unknown;

/** A group of operations, by IR operation name. */
export type OperationTable = Readonly<Record<string, Operation>>;
