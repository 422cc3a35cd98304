/**
 * Functions that depend on the run rather than the record: `changed`, `only`, `now`, `age`,
 * `env`, `secret`.
 *
 * Why from the scope: a plan must never read the clock twice (RUNTIME.md section 1), so `now()`
 * and `age()` read the run's `observed_at` from the evaluation context; `env`/`secret` read the
 * context's variables so tests and previews can pass their own.
 */
import { EvaluationError, InvalidExpressionError } from './expression-errors.js';
import type { EvaluationScope, OperationTable } from './evaluation-scope.js';
import { describeValue, instantMillis } from './value-semantics.js';

/** True when `changedPath` is `path` itself or lies below it (`a.b`, `a[0]` below `a`). */
export function isSameOrBelow(changedPath: string, path: string): boolean {
  if (changedPath === path) return true;
  if (!changedPath.startsWith(path)) return false;
  const next = changedPath.charCodeAt(path.length);
  return next === 46 /* . */ || next === 91 /* [ */;
}

function diffPaths(name: string, diff: unknown): string[] {
  if (diff === null || diff === undefined) return [];
  if (!Array.isArray(diff) || diff.some((p) => typeof p !== 'string')) {
    throw new EvaluationError(`${name}() needs the list of differing paths, got ${describeValue(diff)}`);
  }
  return diff as string[];
}

function pathArgument(name: string, path: unknown): string {
  if (typeof path !== 'string') throw new EvaluationError(`${name}() needs a field path as text, got ${describeValue(path)}`);
  return path;
}

function changed(this: EvaluationScope, diff?: unknown, path?: unknown): boolean {
  const paths = diffPaths('changed', diff);
  const wanted = pathArgument('changed', path);
  return paths.some((p) => isSameOrBelow(p, wanted));
}

/** Every named path differs, and nothing outside them does. */
function only(this: EvaluationScope, diff?: unknown, ...paths: unknown[]): boolean {
  const differing = diffPaths('only', diff);
  const wanted = paths.map((p) => pathArgument('only', p));
  if (wanted.length === 0 || differing.length === 0) return false;
  if (!wanted.every((w) => differing.some((d) => isSameOrBelow(d, w)))) return false;
  return differing.every((d) => wanted.some((w) => isSameOrBelow(d, w)));
}

function nowOperation(this: EvaluationScope): unknown {
  return this.context.observedAt;
}

function dateMillis(text: string): number | null {
  const instant = instantMillis(text);
  if (instant !== null) return instant;
  // A date alone is midnight UTC.
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const ms = Date.parse(`${text}T00:00:00Z`);
    return Number.isFinite(ms) ? ms : null;
  }
  return null;
}

function age(this: EvaluationScope, value?: unknown): unknown {
  if (value === null || value === undefined) return null;
  const from = typeof value === 'string' ? dateMillis(value) : null;
  if (from === null) throw new EvaluationError(`age() needs an ISO 8601 datetime, got ${describeValue(value)}`);
  const now = Date.parse(this.context.observedAt);
  if (!Number.isFinite(now)) throw new EvaluationError(`the run's observed_at ${JSON.stringify(this.context.observedAt)} is not an instant`);
  return now - from;
}

function variable(scope: EvaluationScope, name: string, value: unknown): string | null {
  if (typeof value !== 'string' || value === '') {
    throw new EvaluationError(`${name}() needs a variable name, got ${describeValue(value)}`);
  }
  const env = scope.context.env ?? process.env;
  const found = Object.prototype.hasOwnProperty.call(env, value) ? env[value] : undefined;
  return found === undefined ? null : found;
}

function envOperation(this: EvaluationScope, name?: unknown): unknown {
  return variable(this, 'env', name);
}

function secretOperation(this: EvaluationScope, name?: unknown): unknown {
  if (this.secrets === null) {
    throw new InvalidExpressionError('secret() may only be used in connector arguments and options, where its value is never shown');
  }
  const value = variable(this, 'secret', name);
  // A missing secret is a configuration error: fail with the variable's name (never a value).
  if (value === null || value === '') throw new EvaluationError(`secret("${String(name)}") is not set: set the environment variable ${String(name)}`);
  this.secrets.add(value);
  return value;
}

/** `changed`, `only`, `now`, `age`, `env`, `secret` as IR_OPERATIONS defines them. */
export const RUN_OPERATIONS: OperationTable = {
  changed,
  only,
  now: nowOperation,
  age,
  env: envOperation,
  secret: secretOperation,
};
