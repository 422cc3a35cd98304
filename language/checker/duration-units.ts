/**
 * A number without a unit where a duration is meant: a connector's `timeout: 5`, or the `30` of
 * `age(actual.seen) > 30`. Such a number has always been read as milliseconds (a duration's value
 * is milliseconds, LANGUAGE.md section 1), so `timeout: 5` meant to wait five seconds makes every
 * read time out after 5 ms.
 *
 * Why a warning with two quick fixes rather than an error: files that wrote `timeout: 5000` for
 * five seconds are right today, and refusing them would break them. The warning says how the
 * number is read; the first fix (`5ms`) keeps that meaning, the second (`5s`) is the likely intent.
 * A zero (or a negative number, which the runtime refuses anyway) is the same in every unit, so it
 * is not reported.
 */
import type * as A from '../ast.js';
import { diagnostic, type Diagnostic, type DiagnosticFix } from '../diagnostics.js';

/** The number literal an expression is (through parentheses), or null. */
export function bareNumber(expr: A.Expr): A.NumberLiteral | null {
  let inner = expr;
  while (inner.kind === 'Paren' && !inner.missing) inner = inner.expr;
  return inner.kind === 'Number' && !inner.missing ? inner : null;
}

/** The number as it can be written before a unit (`1e3` becomes `1000`), or null when it cannot be. */
function durationDigits(literal: A.NumberLiteral): string | null {
  if (/^\d+(?:\.\d+)?$/.test(literal.text)) return literal.text;
  const text = String(literal.value);
  return /^\d+(?:\.\d+)?$/.test(text) ? text : null;
}

/** The explicit-unit rewrites of a literal: milliseconds (today's meaning) first, then seconds. */
function unitFixes(literal: A.NumberLiteral, digits: string): DiagnosticFix[] {
  return [
    { title: `Change to '${digits}ms' (milliseconds, as it is read now)`, start: literal.start, end: literal.end, text: `${digits}ms` },
    { title: `Change to '${digits}s' (seconds)`, start: literal.start, end: literal.end, text: `${digits}s` },
  ];
}

/**
 * The `duration-without-unit` warning for a number literal where a duration is meant, or null
 * when there is nothing to say (zero, negative, not finite). `subject` names the place as the
 * user wrote it: `timeout: 5`, `30 compared with a duration`.
 */
export function literalWithoutUnit(subject: string, literal: A.NumberLiteral): Diagnostic | null {
  if (!(literal.value > 0) || !Number.isFinite(literal.value)) return null;
  const digits = durationDigits(literal);
  const advice = digits !== null ? `write ${digits}ms, or ${digits}s if seconds were meant` : 'write it as a duration with a unit, like 250ms or 5s';
  return diagnostic('duration-without-unit', literal.start, literal.end, { subject, value: `${literal.value} ms`, advice }, digits !== null ? unitFixes(literal, digits) : undefined);
}

/**
 * The warning for a number-typed expression that is not a literal (`timeout: t`, where
 * `let t = 5`): `value` is its constant value when known. No quick fix: the number is written
 * elsewhere; multiplying by a unit says what it counts wherever it comes from.
 */
export function expressionWithoutUnit(subject: string, at: A.Expr, value: number | null): Diagnostic | null {
  if (value !== null && !(value > 0 && Number.isFinite(value))) return null;
  const advice = 'multiply it by 1s if it counts seconds, or by 1ms to keep milliseconds';
  return diagnostic('duration-without-unit', at.start, at.end, { subject, value: value === null ? 'milliseconds' : `${value} ms`, advice });
}
